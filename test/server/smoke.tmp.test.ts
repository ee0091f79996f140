import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import * as LocalPosthook from "../../src/server/LocalPosthook.js"
import { makeReceiver } from "./utils/receiver.js"
import { hooksClient } from "./utils/sdk.js"

describe("smoke", () => {
  it.scoped("postIn 5d delivered after TestClock.adjust", () =>
    Effect.gen(function*() {
      const t0 = Date.now()
      yield* Effect.addFinalizer(() => Effect.sync(() => console.log("F all closed", Date.now())))
      const local = yield* LocalPosthook.make({ log: false })
      console.log("started", Date.now()-t0)
      yield* Effect.addFinalizer(() => Effect.sync(() => console.log("F local closed", Date.now())))
      const receiver = yield* makeReceiver(local.signingKeys)
      yield* Effect.addFinalizer(() => Effect.sync(() => console.log("F receiver closed", Date.now())))
      yield* local.setTargetOrigin(receiver.origin)
      const hooks = yield* hooksClient(local)
      yield* Effect.addFinalizer(() => Effect.sync(() => console.log("F hooks closed", Date.now())))
      const hook = yield* hooks.schedule({ path: "/webhooks/x", postIn: "5d", data: { a: 1 } })
      expect(hook.status).toBe("pending")
      console.log("scheduled", Date.now()-t0)
      yield* TestClock.adjust("5 days")
      console.log("adjusted", Date.now()-t0)
      const received = yield* receiver.next
      expect(received.delivery.hookId).toBe(hook.id)
      expect(received.delivery.data).toEqual({ a: 1 })
      console.log("received", Date.now()-t0)
      const done = yield* local.awaitEvent((e): e is Extract<typeof e, {_tag: "HookDelivered"}> => e._tag === "HookDelivered")
      console.log("done", Date.now()-t0)
      console.log("end", Date.now()-t0)
    }).pipe(Effect.ensuring(Effect.sync(() => console.log("closing", Date.now())))), {timeout: 60000})
  it.effect("after", () => Effect.sync(() => console.log("after test", Date.now())))
})
