import { describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { raw, startServer } from "./utils/sdk.js"
import { connectRaw } from "./utils/wsClient.js"

describe("dbg", () => {
  it.scoped("ws", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer({})
      console.log("started")
      yield* Effect.addFinalizer(() => Effect.sync(() => console.log("F after-start", Date.now())))
      const response = yield* raw(local, "POST", "/v1/ws/ticket")
      console.log("ticket", response.json)
      const data = (response.json as any).data
      const socket = yield* connectRaw(`${data.url}?ticket=${encodeURIComponent(data.ticket)}`)
      console.log("connecting")
      yield* Effect.addFinalizer(() => Effect.sync(() => console.log("F after-connect", Date.now())))
      const c = yield* socket.nextOfType("connected")
      console.log("connected", c)
    }), { timeout: 10000 })
})
