/**
 * Hardening of the WebSocket listener (issue 13, items 8–11 and 14): frames
 * with fields the SDK does not use, a connection loop that dies, closing with
 * handlers that never finish, `ack_timeout`, and what is logged at which level.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Layer, Logger, References, Schedule, Scope, Stream } from "effect"
import { Delivery, Listener } from "posthook-effect"
import * as WsTestServer from "./utils/WsTestServer.js"
import { within } from "./server/utils/deadline.js"
import { connectionAt, eventually, framesOf, realSleep, shutdownNack } from "./utils/WsTestServer.js"

interface LogLine {
  readonly level: string
  readonly message: string
}

/** The test server's layer, with every log line at Debug and above captured. */
const setupLogged = Effect.gen(function*() {
  const server = yield* WsTestServer.make
  const logs: Array<LogLine> = []
  const capture = Logger.make(({ logLevel, message }) => {
    logs.push({ level: logLevel, message: Array.isArray(message) ? message.map(String).join(" ") : String(message) })
  })
  const context = yield* Layer.build(
    Layer.mergeAll(server.layer, Logger.layer([capture]), Layer.succeed(References.MinimumLogLevel, "Debug"))
  )
  return { server, context, logs }
})

/** A test server and a listener context wired to it, logging silenced. */
const setup = WsTestServer.makeQuiet

const fast = Schedule.spaced("5 millis")

const ack = () => Effect.succeed(Delivery.Result.ack())

describe("item 8: fields the SDK does not use never make a frame undecodable", () => {
  it.live("a ping whose timestamp is an ISO string (or anything else) is answered", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      yield* Listener.listen(ack).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connectionAt(server, 0)
      first.send(`{"type":"ping","timestamp":"2026-03-01T12:00:00.000Z"}`)
      first.send(`{"type":"ping","timestamp":{"nested":true}}`)
      first.send(`{"type":"ping","timestamp":"soon"}`)
      yield* eventually("three pongs", () => first.raw.length === 3)
      expect(first.raw).toEqual([`{"type":"pong"}`, `{"type":"pong"}`, `{"type":"pong"}`])
    }))

  it.live("a `connected` frame with a malformed serverTime still connects (and resets the backoff)", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      server.onConnection = (connection) =>
        connection.send(
          `{"type":"connected","connectionId":"c-1","projectId":"p","projectName":"n","serverTime":12,"region":"eu"}`
        )
      const infos: Array<Listener.ConnectionInfo> = []
      yield* Listener.listen(ack, { onConnected: (info) => Effect.sync(() => infos.push(info)) }).pipe(
        Effect.provide(context)
      )
      yield* eventually("connected", () => infos.length === 1)
      expect(infos[0]).toEqual({ connectionId: "c-1", projectId: "p", projectName: "n" })
    }))
})

describe("item 9: a connection loop that dies", () => {
  it.live("listener.wait fails with the cause, logged once at Error", () =>
    Effect.gen(function*() {
      const { context, logs, server } = yield* setupLogged
      const boom = new Error("schedule exploded")
      const listener = yield* Listener.listen(ack, {
        reconnect: fast.pipe(Schedule.modifyDelay(() => Effect.die(boom)))
      }).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      connectionAt(server, 0).socket.terminate()
      const exit = yield* Effect.exit(listener.wait).pipe(within(10_000, "listener.wait"))
      expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true)
      expect(Exit.isFailure(exit) && Cause.squash(exit.cause)).toBe(boom)
      yield* realSleep(20)
      const errors = logs.filter((line) => line.level === "Error")
      expect(errors.length).toBe(1)
      expect(errors[0]?.message).toContain("listener stopped")
    }))
})

describe("item 10: the grace period holds on every way of closing", () => {
  const stuckHandlerClosedBy = (
    label: string,
    close: (scope: Scope.Closeable, listener: Listener.Listener) => Effect.Effect<void>,
    handler: Effect.Effect<Delivery.Result> = Effect.never
  ) =>
    it.live(`${label}: a handler that never finishes is nacked after gracePeriod, and the socket closes`, () =>
      Effect.gen(function*() {
        const { context, server } = yield* setup
        const scope = yield* Scope.make()
        let started = 0
        const listener = yield* Listener.listen(
          () => Effect.andThen(Effect.sync(() => started++), handler),
          { gracePeriod: "100 millis", reconnect: fast }
        ).pipe(Effect.provide(context), Scope.provide(scope))
        yield* eventually("connection", () => server.connections.length === 1)
        const first = connectionAt(server, 0)
        first.sendHook("stuck-1")
        first.sendHook("stuck-2")
        yield* eventually("handlers started", () => started === 2)
        yield* close(scope, listener).pipe(within(10_000, "closing"))
        yield* listener.wait.pipe(within(10_000, "listener.wait"))
        yield* eventually("socket closed", () => first.closeCode !== undefined)
        expect(first.closeCode).toBe(1000)
        expect([...first.raw].sort()).toEqual([
          shutdownNack("stuck-1"),
          shutdownNack("stuck-2")
        ])
        // Nothing reconnects once closed.
        yield* realSleep(50)
        expect(server.connections.length).toBe(1)
      }))

  stuckHandlerClosedBy("Scope.close", (scope) => Scope.close(scope, Exit.void))
  stuckHandlerClosedBy(
    "a scope closed as a finalizer (uninterruptible, like Effect.scoped)",
    (scope) => Effect.uninterruptible(Scope.close(scope, Exit.void))
  )
  stuckHandlerClosedBy("listener.close", (_, listener) => listener.close)
  stuckHandlerClosedBy(
    "Scope.close, with an uninterruptible handler",
    (scope) => Scope.close(scope, Exit.void),
    Effect.uninterruptible(Effect.never)
  )

  it.live("Effect.scoped around a listener with a stuck handler returns", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      let started = 0
      const run = Effect.scoped(Effect.gen(function*() {
        yield* Listener.listen(() => Effect.andThen(Effect.sync(() => started++), Effect.never), {
          gracePeriod: "100 millis"
        })
        yield* eventually("connection", () => server.connections.length === 1)
        connectionAt(server, 0).sendHook("stuck")
        yield* eventually("handler started", () => started === 1)
      })).pipe(Effect.provide(context))
      yield* run.pipe(within(10_000, "Effect.scoped"))
      const first = connectionAt(server, 0)
      yield* eventually("socket closed", () => first.closeCode !== undefined)
      expect(first.raw).toEqual([shutdownNack("stuck")])
    }))
})

describe("item 11: ack_timeout interrupts the handler and frees its permit", () => {
  it.live("maxConcurrency 2, handlers that never finish: each ack_timeout frees a slot", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const started: Array<string> = []
      const interrupted: Array<string> = []
      yield* Listener.listen(
        (delivery) =>
          Effect.andThen(Effect.sync(() => started.push(delivery.hookId)), Effect.never).pipe(
            Effect.onInterrupt(() => Effect.sync(() => interrupted.push(delivery.hookId)))
          ),
        // A short grace: h4 and h5 are still stuck when the test's scope closes.
        { maxConcurrency: 2, gracePeriod: "100 millis" }
      ).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connectionAt(server, 0)
      first.sendHook("h1")
      first.sendHook("h2")
      yield* eventually("two running", () => started.length === 2)
      first.send({ _tag: "ack_timeout", hookId: "h1", attempt: 1 })
      yield* eventually("h1 interrupted", () => interrupted.length === 1)
      expect(interrupted).toEqual(["h1"])
      first.sendHook("h3")
      yield* eventually("h3 runs", () => started.length === 3)
      first.send({ _tag: "ack_timeout", hookId: "h2", attempt: 1 })
      first.send({ _tag: "ack_timeout", hookId: "h3", attempt: 1 })
      first.sendHook("h4")
      first.sendHook("h5")
      yield* eventually("h4 and h5 run", () => started.length === 5)
      expect(started).toEqual(["h1", "h2", "h3", "h4", "h5"])
      // No `At capacity`, and no answer for attempts the server gave up on.
      expect(first.raw).toEqual([])
    }))

  it.live("an ack_timeout for another attempt or another hook interrupts nothing", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const release = yield* Deferred.make<void>()
      const interrupted: Array<string> = []
      yield* Listener.listen(
        (delivery) =>
          Effect.as(Deferred.await(release), Delivery.Result.ack()).pipe(
            Effect.onInterrupt(() => Effect.sync(() => interrupted.push(delivery.hookId)))
          )
      ).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connectionAt(server, 0)
      first.sendHook("h1", { attempt: 3 })
      yield* realSleep(20)
      first.send({ _tag: "ack_timeout", hookId: "h1", attempt: 2 })
      first.send({ _tag: "ack_timeout", hookId: "other", attempt: 3 })
      first.send({ _tag: "ping" })
      yield* eventually("pong", () => first.raw.length === 1)
      yield* Deferred.succeed(release, undefined)
      yield* eventually("acked", () => framesOf(first, "ack").length === 1)
      expect(interrupted).toEqual([])
    }))

  it.live("several attempts of one hook in flight: an ack_timeout stops its attempt and earlier ones, not later ones", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const scope = yield* Scope.make()
      const started: Array<number> = []
      const interrupted: Array<number> = []
      yield* Listener.listen(
        (delivery) => {
          const attempt = delivery.ws?.attempt ?? 0
          return Effect.andThen(Effect.sync(() => started.push(attempt)), Effect.never).pipe(
            Effect.onInterrupt(() => Effect.sync(() => interrupted.push(attempt)))
          )
        },
        { gracePeriod: "100 millis" }
      ).pipe(Effect.provide(context), Scope.provide(scope))
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connectionAt(server, 0)
      first.sendHook("other")
      for (const attempt of [1, 2, 3]) first.sendHook("h", { attempt })
      yield* eventually("four running", () => started.length === 4)
      first.send({ _tag: "ack_timeout", hookId: "h", attempt: 2 })
      yield* eventually("attempts 1 and 2 interrupted", () => interrupted.length === 2)
      expect([...interrupted].sort()).toEqual([1, 2])
      yield* Scope.close(scope, Exit.void).pipe(within(10_000, "closing"))
      yield* eventually("socket closed", () => first.closeCode !== undefined)
      // Attempt 3 and the other hook are still unanswered at close: nacked; attempts 1 and 2 get nothing.
      expect([...first.raw].sort()).toEqual([
        shutdownNack("h"),
        shutdownNack("other")
      ])
    }))

  it.live("Listener.stream: after ack_timeout the delivery's answers return false and send nothing", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const taken = yield* Deferred.make<Listener.StreamDelivery>()
      yield* Listener.stream().pipe(
        Stream.runForEach((incoming) => Deferred.succeed(taken, incoming)),
        Effect.provide(context),
        Effect.forkScoped
      )
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connectionAt(server, 0)
      first.sendHook("late")
      const incoming = yield* Deferred.await(taken)
      first.send({ _tag: "ack_timeout", hookId: "late", attempt: 1 })
      first.send({ _tag: "ping" })
      yield* eventually("pong", () => first.raw.length === 1)
      expect(yield* incoming.ack).toBe(false)
      yield* realSleep(20)
      expect(first.raw).toEqual([`{"type":"pong"}`])
    }))
})

describe("item 14: logs", () => {
  it.live("reconnects: the first in a row at Info, the next ones at Debug; a `connected` starts a new row", () =>
    Effect.gen(function*() {
      const { context, logs, server } = yield* setupLogged
      server.ticketScript.push({ status: 503 }, { status: 503 }, { status: 503 })
      yield* Listener.listen(ack, { reconnect: fast }).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      connectionAt(server, 0).socket.terminate()
      yield* eventually("reconnected", () => server.connections.length === 2)
      const reconnects = logs.filter((line) => line.message.includes("reconnecting in"))
      expect(reconnects.map((line) => line.level)).toEqual(["Info", "Debug", "Debug", "Info"])
    }))

  it.live("a final error is logged once, at Error, and returned by wait", () =>
    Effect.gen(function*() {
      const { context, logs, server } = yield* setupLogged
      const listener = yield* Listener.listen(ack, { reconnect: fast }).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      connectionAt(server, 0).socket.close(4001, "revoked")
      const error = yield* Effect.flip(listener.wait)
      expect(error).toMatchObject({ _tag: "WebSocketError", closeCode: 4001 })
      yield* realSleep(20)
      const mentions = logs.filter((line) => line.message.includes("authentication failed"))
      expect(mentions.map((line) => line.level)).toEqual(["Error"])
    }))
})

describe("item 10: interrupting the app", () => {
  it.live("interrupting the fiber of Effect.scoped(listen; wait) (SIGTERM under runMain) nacks and closes", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      let started = 0
      const fiber = yield* Effect.scoped(Effect.gen(function*() {
        const listener = yield* Listener.listen(() => Effect.andThen(Effect.sync(() => started++), Effect.never), {
          gracePeriod: "100 millis"
        })
        yield* listener.wait
      })).pipe(Effect.provide(context), Effect.forkChild)
      yield* eventually("connection", () => server.connections.length === 1)
      connectionAt(server, 0).sendHook("stuck")
      yield* eventually("handler started", () => started === 1)
      yield* Fiber.interrupt(fiber).pipe(within(10_000, "interrupt"))
      const first = connectionAt(server, 0)
      yield* eventually("socket closed", () => first.closeCode !== undefined)
      expect(first.raw).toEqual([shutdownNack("stuck")])
    }))
})
