/**
 * Deliveries run in parallel, outside the state lock: an endpoint that never
 * answers holds up neither the other deliveries nor the REST API; answers
 * racing for one attempt are applied once; and on shutdown, deliveries in
 * flight get `shutdownGrace` to finish (and no more).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, type Duration, Effect, Exit, Fiber, Layer, Option, Redacted, Scope } from "effect"
import { TestClock } from "effect/testing"
import * as Callbacks from "../../src/Callbacks.js"
import * as LocalPosthook from "../../src/server/LocalPosthook.js"
import { within } from "./utils/deadline.js"
import { attemptEnded, outcomesOf } from "./utils/events.js"
import { makeReceiver } from "./utils/receiver.js"
import { hooksClient, startServer } from "./utils/sdk.js"
import { databaseFile, withServer } from "./utils/sqlite.js"
import { connectListener } from "./utils/wsClient.js"

const JUNE_1 = Date.parse("2026-06-01T00:00:00Z")
const SIGNING_KEYS = [Redacted.make("ph_sk_parallel")]

describe("parallel deliveries", () => {
  it.effect("an endpoint that never answers holds up neither the other deliveries nor the REST API", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      // A delivery timeout far longer than the test: only parallelism lets the others through.
      const { hooks, local } = yield* startServer({ deliveryTimeout: "1 hour", signingKeys: SIGNING_KEYS })
      const receiver = yield* makeReceiver(SIGNING_KEYS)
      yield* local.setTargetOrigin(receiver.origin)
      yield* receiver.reply((received) => received.path === "/hangs" ? "hang" : { status: 200 })

      const hanging = yield* hooks.schedule({ path: "/hangs", postIn: "1s" })
      const others = yield* Effect.forEach([1, 2, 3, 4], (n) => hooks.schedule({ path: `/fine/${n}`, postIn: "2s" }))
      yield* TestClock.adjust("1 second")
      expect((yield* receiver.next.pipe(within(10_000, "the hanging delivery"))).path).toBe("/hangs")
      yield* TestClock.adjust("1 second")
      for (const hook of others) expect((yield* attemptEnded(local, hook.id, 1))._tag).toBe("HookDelivered")

      // The state lock is not held over the hanging request: the REST API and callbacks still answer.
      const during = yield* hooks.schedule({ path: "/fine/during", postAt: "2026-07-01T00:00:00Z" }).pipe(
        within(10_000, "scheduling while a delivery hangs")
      )
      expect((yield* hooks.get(during.id)).status).toBe("pending")
      yield* hooks.delete(during.id).pipe(within(10_000, "deleting while a delivery hangs"))
      expect((yield* local.hook(hanging.id)).pipe(Option.map((hook) => hook.status))).toEqual(Option.some("pending"))
      expect(yield* outcomesOf(local, hanging.id)).toEqual(["in_flight"])
    }))

  it.effect("answers racing for one attempt are applied once", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const { hooks, local } = yield* startServer({
        signingKeys: SIGNING_KEYS,
        retryPolicy: { minRetries: 1, delaySecs: 60, strategy: "fixed" }
      })
      const receiver = yield* makeReceiver(SIGNING_KEYS)
      yield* local.setTargetOrigin(receiver.origin)
      yield* receiver.reply(() => ({ status: 202, headers: { "Posthook-Async-Timeout": "600" } }))
      const hook = yield* hooks.schedule({ path: "/raced", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      const { delivery } = yield* receiver.next
      expect((yield* attemptEnded(local, hook.id, 1))._tag).toBe("HookAccepted")

      const client = yield* Layer.build(NodeHttpClient.layerUndici)
      const calls = Array.from({ length: 24 }, (_, n) =>
        Callbacks.call(n % 2 === 0 ? "ack" : "nack", n % 2 === 0 ? delivery.ackUrl ?? "" : delivery.nackUrl ?? "").pipe(
          Effect.provide(client)
        ))
      const results = yield* Effect.all(calls, { concurrency: "unbounded" })
      expect(results.filter((result) => result.applied).length).toBe(1)
      const [outcome] = yield* outcomesOf(local, hook.id)
      const status = Option.map(yield* local.hook(hook.id), (record) => record.status)
      // Whichever won decided everything: completed, or nacked and waiting for its retry.
      expect([outcome, status]).toEqual(
        outcome === "completed" ? ["completed", Option.some("completed")] : ["nacked", Option.some("retry")]
      )
      const received = (yield* local.recentEvents()).filter((event) => event._tag === "CallbackReceived")
      expect(received.length).toBe(24)
    }))
})

describe("shutdown", () => {
  /**
   * Closes the server's scope in the background and returns once shutdown has
   * begun: a listener connected for the purpose gets `closing` first thing.
   */
  const beginShutdown = (local: LocalPosthook.LocalPosthook, scope: Scope.Closeable) =>
    Effect.gen(function*() {
      const { socket: observer } = yield* connectListener(local)
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
      yield* observer.nextOfType("closing").pipe(within(10_000, "the closing frame"))
      yield* Deferred.await(observer.closed).pipe(within(10_000, "the observer's close"))
      // The listeners are gone; the scheduler's finalizer (the grace period) comes next.
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 100)))
      return closing
    })

  /**
   * A server on a database file, with `shutdownGrace`, whose one hook (`/slow`)
   * is being delivered (the endpoint holds it until `release`) when its
   * shutdown begins. `closing` is that shutdown; `options` start it again.
   */
  const shutdownDuringDelivery = (shutdownGrace: Duration.Input) =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const file = yield* databaseFile
      const release = yield* Deferred.make<void>()
      const receiver = yield* makeReceiver(SIGNING_KEYS)
      yield* receiver.reply(() => Effect.as(Deferred.await(release), { status: 200 }))
      const options: LocalPosthook.Options = { signingKeys: SIGNING_KEYS, shutdownGrace, targetOrigin: receiver.origin }
      const scope = yield* Scope.make()
      const local = yield* LocalPosthook.make({ log: false, store: { sqlite: file }, ...options }).pipe(
        Scope.provide(scope)
      )
      const hook = yield* (yield* hooksClient(local)).schedule({ path: "/slow", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      yield* receiver.next.pipe(within(10_000, "the slow delivery"))
      const closing = yield* beginShutdown(local, scope)
      return { file, options, release, hook, closing }
    })

  it.effect("a delivery in flight finishes during shutdownGrace and is recorded as completed", () =>
    Effect.gen(function*() {
      const { closing, file, hook, options, release } = yield* shutdownDuringDelivery("20 seconds")
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(closing).pipe(within(10_000, "the end of shutdown"))

      yield* withServer(file, options, (restarted) =>
        Effect.gen(function*() {
          expect(yield* outcomesOf(restarted, hook.id)).toEqual(["completed"])
          expect(Option.map(yield* restarted.hook(hook.id), (record) => record.status)).toEqual(Option.some("completed"))
        }))
    }))

  it.effect("a delivery that outlasts shutdownGrace is cut off, and delivered again after a restart", () =>
    Effect.gen(function*() {
      const { closing, file, hook, options, release } = yield* shutdownDuringDelivery("300 millis")
      yield* Fiber.join(closing).pipe(within(10_000, "the end of shutdown"))

      yield* Deferred.succeed(release, undefined)
      yield* withServer(file, options, (restarted) =>
        Effect.gen(function*() {
          expect((yield* attemptEnded(restarted, hook.id, 2))._tag).toBe("HookDelivered")
          expect(yield* outcomesOf(restarted, hook.id)).toEqual(["interrupted", "completed"])
        }))
    }))
})
