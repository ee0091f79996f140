/**
 * Several WebSocket listeners on one local server (docs/protocol.md §4), on
 * the wire with bare `ws` clients: deliveries are shared between them, only
 * the connection a delivery went to may answer it, and a listener that goes
 * away with deliveries outstanding has them failed and retried (on the
 * listener that is left).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option, Queue, Schedule, Scope } from "effect"
import { TestClock } from "effect/testing"
import { type Delivery, Result } from "../../src/Delivery.js"
import * as Listener from "../../src/Listener.js"
import type * as LocalPosthook from "../../src/server/LocalPosthook.js"
import { within } from "./utils/deadline.js"
import { attemptEnded, outcomesOf } from "./utils/events.js"
import { listenerContext, startServer } from "./utils/sdk.js"
import { connectListener, type RawSocket } from "./utils/wsClient.js"

const JUNE_1 = Date.parse("2026-06-01T00:00:00Z")


/**
 * A server with no HTTP target (every delivery goes to a listener), an ack
 * window long enough that only the listeners' answers (or their going away)
 * end an attempt, and a short fixed retry delay.
 */
const setup = Effect.gen(function*() {
  yield* TestClock.setTime(JUNE_1)
  return yield* startServer({
    ackWindow: "1 hour",
    retryPolicy: { minRetries: 2, delaySecs: 5, strategy: "fixed" }
  })
})

/** The next `hook` frame on a socket: its hook id. */
const nextHook = (socket: RawSocket) => Effect.map(socket.nextOfType("hook"), (frame) => String(frame.id))

/**
 * Waits until everything the socket sent before has been handled: frames of
 * one connection are handled in order, and a frame the server cannot read is
 * answered with an `error` frame.
 */
const flush = (socket: RawSocket) =>
  Effect.andThen(socket.send("not a frame"), socket.nextOfType("error")).pipe(within(10_000, "the error frame"))

const outstandingOf = (local: LocalPosthook.LocalPosthook, connectionId: string) =>
  Effect.map(local.listeners, (all) => all.find((info) => info.connectionId === connectionId)?.outstanding)

describe("several listeners", () => {
  it.effect("deliveries are shared between the connected listeners", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* setup
      const listeners = [yield* connectListener(local), yield* connectListener(local)]
      const seen = yield* Queue.unbounded<{ readonly listener: number; readonly hookId: string }>()
      // Each listener acks what it gets and says which one got it.
      yield* Effect.forEach(listeners, ({ socket }, listener) =>
        Effect.forkScoped(Effect.forever(Effect.flatMap(nextHook(socket), (hookId) =>
          Effect.andThen(
            Queue.offer(seen, { listener, hookId }),
            socket.send(JSON.stringify({ type: "ack", hookId }))
          )))))
      const scheduled = yield* Effect.forEach(
        [1, 2, 3, 4, 5, 6],
        (n) => hooks.schedule({ path: `/shared/${n}`, postIn: "1s" })
      )
      yield* TestClock.adjust("1 second")
      for (const hook of scheduled) expect((yield* attemptEnded(local, hook.id, 1))._tag).toBe("HookDelivered")
      const deliveries = yield* Queue.takeAll(seen)
      const perListener = [0, 1].map((listener) => deliveries.filter((seen) => seen.listener === listener).length)
      expect(perListener[0]! + perListener[1]!).toBe(6)
      expect(perListener.every((count) => count > 0)).toBe(true)
      // Each attempt records the connection it went to.
      const connections = new Set<string | null>()
      for (const hook of scheduled) {
        for (const attempt of yield* local.attempts(hook.id)) connections.add(attempt.request.connectionId)
      }
      expect([...connections].sort()).toEqual(listeners.map((listener) => listener.id).sort())
    }))

  it.effect("an answer from a connection the delivery did not go to is refused; the right one counts", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* setup
      const [first, second] = [yield* connectListener(local), yield* connectListener(local)]
      const hook = yield* hooks.schedule({ path: "/owned", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      const [owner, other] = yield* Effect.raceFirst(
        Effect.as(nextHook(first.socket), [first, second] as const),
        Effect.as(nextHook(second.socket), [second, first] as const)
      ).pipe(within(10_000, "the hook frame"))
      expect(yield* outstandingOf(local, owner.id)).toBe(1)

      for (const frame of [{ type: "ack" }, { type: "nack", error: "not mine" }, { type: "accept", timeout: 60 }]) {
        yield* other.socket.send(JSON.stringify({ ...frame, hookId: hook.id }))
      }
      yield* flush(other.socket)
      const waiting = yield* local.hook(hook.id)
      expect(Option.map(waiting, (record) => [record.status, record.attempts])).toEqual(Option.some(["pending", 1]))
      expect(yield* outcomesOf(local, hook.id)).toEqual(["in_flight"])
      expect(yield* outstandingOf(local, owner.id)).toBe(1)

      yield* owner.socket.send(JSON.stringify({ type: "ack", hookId: hook.id }))
      const delivered = yield* attemptEnded(local, hook.id, 1)
      expect(delivered._tag).toBe("HookDelivered")
      expect(yield* outstandingOf(local, owner.id)).toBe(0)
    }))

  it.effect("a listener that drops with deliveries outstanding: they fail at once and are retried on the other", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* setup
      const droppingScope = yield* Scope.make()
      const dropping = yield* connectListener(local).pipe(Scope.provide(droppingScope))
      const first = yield* hooks.schedule({ path: "/outstanding/1", postIn: "1s" })
      const second = yield* hooks.schedule({ path: "/outstanding/2", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      const received = [yield* nextHook(dropping.socket), yield* nextHook(dropping.socket)]
      expect(received.sort()).toEqual([first.id, second.id].sort())
      expect(yield* outstandingOf(local, dropping.id)).toBe(2)

      const staying = yield* connectListener(local)
      yield* Scope.close(droppingScope, Exit.void)
      for (const hook of [first, second]) {
        const failed = yield* attemptEnded(local, hook.id, 1)
        expect(failed._tag === "HookRetrying" ? failed.error : failed._tag).toBe(
          "the WebSocket listener disconnected before answering"
        )
      }
      expect((yield* local.listeners).map((info) => info.connectionId)).toEqual([staying.id])

      yield* TestClock.adjust("5 seconds")
      const again = [yield* nextHook(staying.socket), yield* nextHook(staying.socket)]
      expect(again.sort()).toEqual([first.id, second.id].sort())
      for (const hookId of again) yield* staying.socket.send(JSON.stringify({ type: "ack", hookId }))
      for (const hook of [first, second]) {
        expect((yield* attemptEnded(local, hook.id, 2))._tag).toBe("HookDelivered")
        const attempts = yield* local.attempts(hook.id)
        expect(attempts.map((attempt) => [attempt.outcome, attempt.request.connectionId])).toEqual([
          ["failed", dropping.id],
          ["completed", staying.id]
        ])
      }
    }))
})

describe("the SDK listener in forward mode", () => {
  // A `hook` frame with a `forwardRequest` takes the Schema path of protocol/frames.ts, which once turned
  // `"data": null` into a missing field: the frame was "malformed" and nacked on every attempt.
  it.effect("a hook scheduled without data (data: null) is delivered", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* setup
      const sdk = yield* listenerContext(local)
      const seen = yield* Queue.unbounded<Delivery>()
      const connected = yield* Queue.unbounded<Listener.ConnectionInfo>()
      yield* Listener.listen((delivery) => Effect.as(Queue.offer(seen, delivery), Result.ack()), {
        forward: true,
        heartbeatTimeout: "1 day",
        gracePeriod: "0 millis",
        reconnect: Schedule.forever,
        onConnected: (info) => Queue.offer(connected, info)
      }).pipe(Effect.provide(sdk))
      yield* Queue.take(connected).pipe(within(10_000, "the listener's connection"))
      const hook = yield* hooks.schedule({ path: "/no-data", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      expect((yield* attemptEnded(local, hook.id, 1))._tag).toBe("HookDelivered")
      expect((yield* Queue.take(seen)).data).toBeNull()
    }))
})
