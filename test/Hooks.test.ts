import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { Hooks } from "posthook-effect"
import { layerWithClient, TestApiServer } from "./utils/TestApiServer.js"

describe("smoke", () => {
  it.effect("schedule", () =>
    Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const hook = yield* hooks.schedule({ path: "/x", postIn: "5m", data: { a: 1 } })
      console.log(hook, yield* server.requests)
      expect(Option.isNone(hook.quota)).toBe(true)
    }).pipe(Effect.provide(layerWithClient())))
})
