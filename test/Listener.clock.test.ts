/**
 * Backoff and heartbeat on `TestClock`, over real sockets: frames move in real
 * time, the listener's timers only move when the test adjusts the clock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Layer, Option, Pull, Schedule } from "effect"
import { TestClock } from "effect/testing"
import { Delivery, Listener } from "posthook-effect"
import * as WsTestServer from "./utils/WsTestServer.js"
import { type SleepWatch, watchedTestClock } from "./utils/testClock.js"
import { eventually, realSleep } from "./utils/WsTestServer.js"

const setup = Effect.gen(function*() {
  const server = yield* WsTestServer.make
  // v4's `TestClock` keeps its pending sleeps private; these tests wait for the
  // listener to be asleep before they move the clock.
  const { clock, watch } = yield* watchedTestClock
  const context = yield* Layer.build(
    WsTestServer.quietLayer(server).pipe(Layer.merge(Layer.succeed(Clock.Clock, clock)))
  )
  return { server, context, watch }
})

const ack = () => Effect.succeed(Delivery.Result.ack())

/** Waits (in real time) until the listener sleeps until `wakeAt` on the TestClock. */
const sleepingUntil = (watch: SleepWatch, label: string, wakeAt: number) =>
  Effect.gen(function*() {
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline) {
      if (watch.pending().some((pending) => Math.abs(pending - wakeAt) < 1)) return
      yield* realSleep(5)
    }
    return yield* Effect.die(new Error(`timed out waiting for a sleep until ${wakeAt} (${label})`))
  })

/** The first `count` delays of a schedule, stepped by hand at time 0. */
const firstDelays = <Input>(schedule: Schedule.Schedule<unknown, Input>, input: Input, count: number) =>
  Effect.gen(function*() {
    const step = yield* Schedule.toStep(schedule)
    const delays: Array<Duration.Duration> = []
    for (let i = 0; i < count; i++) {
      const next = yield* Pull.matchEffect(step(0, input), {
        onSuccess: ([, delay]) => Effect.succeed(Option.some(delay)),
        onDone: () => Effect.succeed(Option.none()),
        onFailure: Effect.failCause
      })
      if (Option.isNone(next)) break
      delays.push(next.value)
    }
    return delays
  })

describe("default reconnect schedule", () => {
  it.effect("exponential from 1 s, ×2, capped at 30 s, jittered down by at most 20 %, never done", () =>
    Effect.gen(function*() {
      const delays = yield* firstDelays(Listener.defaultReconnectSchedule, undefined, 100)
      expect(delays.length).toBe(100)
      delays.forEach((delay, attempt) => {
        const nominal = Math.min(30_000, 1000 * 2 ** attempt)
        expect(Duration.toMillis(delay)).toBeGreaterThanOrEqual(nominal * 0.8)
        expect(Duration.toMillis(delay)).toBeLessThanOrEqual(nominal)
      })
    }))
})

describe("Listener on TestClock", () => {
  it.effect("backs off exponentially between failed attempts, never gives up, and `connected` resets it", () =>
    Effect.gen(function*() {
      const { context, server, watch } = yield* setup
      const failures = 12
      for (let i = 0; i < failures; i++) server.ticketScript.push({ status: 500, body: `{"error":"down ${i}"}` })
      const reconnects: Array<Listener.ReconnectInfo> = []
      let connected = 0
      yield* Listener.listen(ack, {
        onReconnecting: (info) => Effect.sync(() => reconnects.push(info)),
        onConnected: () => Effect.sync(() => connected++)
      }).pipe(Effect.provide(context))

      for (let attempt = 0; attempt < failures; attempt++) {
        yield* eventually(`failure ${attempt + 1}`, () => reconnects.length === attempt + 1)
        const info = reconnects[attempt]!
        expect(info.attempt).toBe(attempt + 1)
        expect(info.reason.message).toBe(`down ${attempt}`)
        const delay = Duration.toMillis(info.delay)
        const nominal = Math.min(30_000, 1000 * 2 ** attempt)
        expect(delay).toBeGreaterThanOrEqual(nominal * 0.8)
        expect(delay).toBeLessThanOrEqual(nominal)

        const now = yield* Clock.currentTimeMillis
        yield* sleepingUntil(watch, `backoff ${attempt + 1}`, now + delay)
        const requests = server.ticketRequests.length
        // Not a moment early…
        yield* TestClock.adjust(Duration.millis(Math.max(0, delay - 1)))
        yield* realSleep(30)
        expect(server.ticketRequests.length).toBe(requests)
        // …and right on time.
        yield* TestClock.adjust("1 millis")
        yield* eventually(`ticket request ${requests + 1}`, () => server.ticketRequests.length === requests + 1)
      }
      yield* eventually("connected", () => connected === 1)

      // A drop after `connected` starts again from 1 s.
      WsTestServer.connectionAt(server, 0).socket.terminate()
      yield* eventually("drop", () => reconnects.length === failures + 1)
      const afterReset = reconnects[failures]!
      expect(afterReset.attempt).toBe(1)
      expect(Duration.toMillis(afterReset.delay)).toBeLessThanOrEqual(1000)
      expect(Duration.toMillis(afterReset.delay)).toBeGreaterThanOrEqual(800)
      const now = yield* Clock.currentTimeMillis
      yield* sleepingUntil(watch, "backoff after reset", now + Duration.toMillis(afterReset.delay))
      yield* TestClock.adjust(afterReset.delay)
      yield* eventually("reconnected", () => connected === 2)
    }))

  it.effect("heartbeat: 45 s without a frame drops the connection and reconnects; any frame resets it", () =>
    Effect.gen(function*() {
      const { context, server, watch } = yield* setup
      const disconnects: Array<Listener.DisconnectReason> = []
      const reconnects: Array<Listener.ReconnectInfo> = []
      yield* Listener.listen(ack, {
        onDisconnected: (reason) => Effect.sync(() => disconnects.push(reason)),
        onReconnecting: (info) => Effect.sync(() => reconnects.push(info))
      }).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      const first = WsTestServer.connectionAt(server, 0)
      let pongs = 0
      first.socket.on("pong", () => pongs++)
      const start = yield* Clock.currentTimeMillis
      yield* sleepingUntil(watch, "heartbeat armed", start + 45_000)

      // An app-level ping at 30 s…
      yield* TestClock.adjust("30 seconds")
      first.send({ _tag: "ping", timestamp: 1 })
      yield* eventually("pong", () => first.raw.length === 1)
      // …so at 45 s the watchdog finds 15 s of silence and waits until 75 s.
      yield* TestClock.adjust("30 seconds")
      yield* sleepingUntil(watch, "heartbeat re-armed by the ping", start + 75_000)

      // A WebSocket-level ping frame at 60 s counts too (Node's `ws` exposes them).
      first.socket.ping()
      yield* eventually("ws-level pong", () => pongs === 1)
      yield* TestClock.adjust("30 seconds")
      yield* sleepingUntil(watch, "heartbeat re-armed by the ws ping", start + 105_000)

      yield* TestClock.adjust("14 seconds")
      yield* realSleep(50)
      expect(disconnects).toEqual([])
      expect(first.closeCode).toBeUndefined()

      yield* TestClock.adjust("1 second")
      yield* eventually("dropped", () => disconnects.length === 1)
      expect(disconnects[0]!.message).toBe("no frame received for 45s; connection presumed dead")
      // A dead connection is terminated, not closed politely.
      yield* eventually("server saw the socket go", () => first.closeCode !== undefined)
      expect(first.closeCode).toBe(1006)

      yield* eventually("reconnecting", () => reconnects.length === 1)
      const now = yield* Clock.currentTimeMillis
      yield* sleepingUntil(watch, "backoff", now + Duration.toMillis(reconnects[0]!.delay))
      yield* TestClock.adjust(reconnects[0]!.delay)
      yield* eventually("second connection", () => server.connections.length === 2)
    }))
})

describe("closing on TestClock", () => {
  // A handler that never finishes must not hold `close` hostage: with gracePeriod 0 it is
  // interrupted, nacked, and the socket closes, without the test moving the clock.
  it.effect("close with gracePeriod 0 and a handler that never finishes: nacked, closed, no clock needed", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      let started = 0
      const listener = yield* Listener.listen(
        () => Effect.andThen(Effect.sync(() => started++), Effect.never),
        { gracePeriod: 0 }
      ).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      const connection = WsTestServer.connectionAt(server, 0)
      connection.send(WsTestServer.hookFrame("h-stuck"))
      yield* eventually("handler started", () => started === 1)
      const closing = yield* Effect.forkChild(listener.close)
      yield* eventually("nacked", () => WsTestServer.framesOf(connection, "nack").length === 1)
      expect(WsTestServer.framesOf(connection, "nack")[0]).toMatchObject({ hookId: "h-stuck" })
      yield* eventually("socket closed", () => connection.closeCode !== undefined)
      expect(connection.closeCode).toBe(1000)
      yield* Fiber.join(closing)
    }))
})
