import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { PosthookConfig } from "posthook-effect"

describe("package", () => {
  it.effect("resolves config defaults", () =>
    Effect.gen(function*() {
      const config = yield* PosthookConfig.make({ apiKey: "pk_smoke" })
      expect(config.baseUrl).toBe("https://api.posthook.io")
      expect(Redacted.value(config.apiKey)).toBe("pk_smoke")
    }))
})
