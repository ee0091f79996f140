import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import * as LocalPosthook from "../../src/server/LocalPosthook.js"
import { makeReceiver } from "./utils/receiver.js"
import { hooksClient } from "./utils/sdk.js"

describe("smoke", () => {
  it.scoped("postIn 5d delivered after TestClock.adjust", () =>
    Effect.gen(function*() {
      const local = yield* LocalPosthook.make({ log: false })
      const receiver = yield* makeReceiver(local.signingKeys)
      yield* local.setTargetOrigin(receiver.origin)
      const hooks = yield* hooksClient(local)
      const hook = yield* hooks.schedule({ path: "/webhooks/x", postIn: "5d", data: { a: 1 } })
      expect(hook.status).toBe("pending")
      yield* TestClock.adjust("5 days")
      const received = yield* receiver.next
      expect(received.delivery.hookId).toBe(hook.id)
      expect(received.delivery.data).toEqual({ a: 1 })
      console.log(received.headers, received.body)
      const done = yield* local.awaitEvent((e): e is Extract<typeof e, {_tag: "HookDelivered"}> => e._tag === "HookDelivered")
      console.log(done)
      console.log(yield* local.hook(hook.id), yield* local.attempts(hook.id))
    }))
})
