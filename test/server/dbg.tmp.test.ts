import { describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as LocalPosthook from "../../src/server/LocalPosthook.js"
import { connectRaw } from "./utils/wsClient.js"

describe("dbg", () => {
  it.scoped("ws", () =>
    Effect.gen(function*() {
      const local = yield* LocalPosthook.make({ log: false })
      yield* Effect.addFinalizer(() => Effect.sync(() => console.log("F after-start", Date.now())))
      const t = yield* Effect.promise(() => fetch(`${local.baseUrl}/v1/ws/ticket`, { method: "POST", headers: { "x-api-key": Redacted.value(local.apiKey) } }).then((r) => r.json()))
      const socket = yield* connectRaw(`${t.data.url}?ticket=${encodeURIComponent(t.data.ticket)}`)
      yield* Effect.addFinalizer(() => Effect.sync(() => console.log("F after-connect", Date.now())))
      const c = yield* socket.nextOfType("connected")
      console.log("connected", c)
    }), { timeout: 10000 })
})
