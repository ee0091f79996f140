import { describe, expect, it } from "@effect/vitest"
import { DateTime, Deferred, Duration, Effect, Exit, Fiber, Layer, Schedule, Scope } from "effect"
import * as Socket from "effect/socket/Socket"
import { Delivery, Listener, PosthookError } from "posthook-effect"
import * as WS from "ws"
import * as WsTestServer from "./utils/WsTestServer.js"
import { eventually, framesOf, realSleep, shutdownNack } from "./utils/WsTestServer.js"

/** A test server and a listener context wired to it, logging silenced. */
const setup = WsTestServer.makeQuiet

/** Reconnects at once: for tests that are about what happens, not when. */
const fast = Schedule.spaced("5 millis")

const ack = () => Effect.succeed(Delivery.Result.ack())

const connection = (server: WsTestServer.WsTestServer, index: number) => {
  const found = server.connections[index]
  if (found === undefined) throw new Error(`no connection #${index + 1}`)
  return found
}

describe("Listener.listen", () => {
  it.live("handshake: one fresh ticket per attempt, API key on the ticket request, info from `connected`", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const infos: Array<Listener.ConnectionInfo> = []
      yield* Listener.listen(ack, {
        reconnect: fast,
        onConnected: (info) => Effect.sync(() => infos.push(info))
      }).pipe(Effect.provide(context))
      yield* eventually("connected", () => infos.length === 1)
      expect(infos[0]).toMatchObject({ connectionId: "conn-1", projectId: "proj-1", projectName: "Test Project" })
      expect(server.ticketRequests[0]?.["x-api-key"]).toBe("pk_test_key")
      const first = connection(server, 0)
      // The ticket is URL-encoded in the query, and there is no forward flag.
      expect(first.url).toBe(`/ws?ticket=${encodeURIComponent(server.issuedTickets[0]!)}`)
      expect(first.forward).toBe(false)

      first.socket.terminate()
      yield* eventually("reconnected", () => infos.length === 2)
      expect(server.ticketRequests).toHaveLength(2)
      expect(connection(server, 1).ticket).toBe(server.issuedTickets[1])
      expect(server.issuedTickets[0]).not.toBe(server.issuedTickets[1])
      expect(server.refusedUpgrades).toEqual([])
    }))

  it.live("forward mode: `&forward=true`, and the delivery carries the forward request and its body", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const received = yield* Deferred.make<Delivery.Delivery>()
      yield* Listener.listen((delivery) => Deferred.succeed(received, delivery).pipe(Effect.as(Delivery.Result.ack())), {
        forward: true
      }).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connection(server, 0)
      expect(first.forward).toBe(true)
      expect(first.url).toBe(`/ws?ticket=${encodeURIComponent(first.ticket)}&forward=true`)
      const body = `{"id":"h-fwd","data":{"x":1}}`
      first.sendHook("h-fwd", {
        attempt: 2,
        maxAttempts: 7,
        forwardRequest: { body, signature: "v1,abc", posthookId: "h-fwd", posthookTimestamp: 1700000000 }
      })
      const delivery = yield* Deferred.await(received)
      expect(delivery.ws).toEqual({
        attempt: 2,
        maxAttempts: 7,
        forwardRequest: { body, signature: "v1,abc", posthookId: "h-fwd", posthookTimestamp: 1700000000 }
      })
      expect(new TextDecoder().decode(delivery.body)).toBe(body)
    }))

  it.live("answers ping with exactly {\"type\":\"pong\"}", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      yield* Listener.listen(ack).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connection(server, 0)
      first.send({ _tag: "ping", timestamp: 1 })
      first.send({ _tag: "ping" })
      yield* eventually("two pongs", () => first.raw.length === 2)
      expect(first.raw).toEqual([`{"type":"pong"}`, `{"type":"pong"}`])
    }))

  it.live("maps handler results, failures and defects to exact answer frames", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      class Boom extends Error {}
      const handler = (delivery: Delivery.Delivery): Effect.Effect<Delivery.Result, unknown> => {
        switch (delivery.hookId) {
          case "ack":
            return Effect.succeed(Delivery.Result.ack())
          case "accept":
            return Effect.succeed(Delivery.Result.accept("2 minutes"))
          case "accept-fraction":
            return Effect.succeed(Delivery.Result.accept(Duration.millis(1500)))
          case "nack":
            return Effect.succeed(Delivery.Result.nack("not ready"))
          case "nack-bare":
            return Effect.succeed(Delivery.Result.nack())
          case "fail":
            return Effect.fail(new PosthookError.ValidationError({ field: "data", message: "bad data" }))
          case "fail-string":
            return Effect.fail("plain failure")
          case "die":
            return Effect.die(new Boom("exploded"))
          default:
            return Effect.sync((): Delivery.Result => {
              throw new Error("thrown inside sync")
            })
        }
      }
      yield* Listener.listen(handler).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connection(server, 0)
      const ids = ["ack", "accept", "accept-fraction", "nack", "nack-bare", "fail", "fail-string", "die", "throw"]
      for (const id of ids) first.sendHook(id)
      yield* eventually("all answered", () => first.raw.length === ids.length)
      expect([...first.raw].sort()).toEqual([
        `{"type":"accept","hookId":"accept","timeout":120}`,
        `{"type":"accept","hookId":"accept-fraction","timeout":2}`,
        `{"type":"ack","hookId":"ack"}`,
        `{"type":"nack","hookId":"die","error":"exploded"}`,
        `{"type":"nack","hookId":"fail","error":"bad data"}`,
        `{"type":"nack","hookId":"fail-string","error":"plain failure"}`,
        `{"type":"nack","hookId":"nack","error":"not ready"}`,
        `{"type":"nack","hookId":"nack-bare"}`,
        `{"type":"nack","hookId":"throw","error":"thrown inside sync"}`
      ])
    }))

  it.live("builds the same Delivery shape as HTTP: dates, data, callback URLs, ws metadata", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const received = yield* Deferred.make<Delivery.Delivery>()
      yield* Listener.listen((delivery) => Deferred.succeed(received, delivery).pipe(Effect.as(Delivery.Result.ack())))
        .pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      connection(server, 0).sendHook("h-shape", {
        path: "/webhooks/user-created",
        data: { userId: "123" },
        postAt: "2026-06-15T10:00:00Z",
        postedAt: "2026-06-15T10:00:01Z",
        createdAt: "2026-06-01T00:00:00Z",
        updatedAt: "2026-06-02T00:00:00Z",
        timestamp: 1781517601,
        attempt: 3,
        maxAttempts: 4,
        ackUrl: "https://api.posthook.io/ack/tok",
        nackUrl: "https://api.posthook.io/nack/tok"
      })
      const delivery = yield* Deferred.await(received)
      expect(delivery.hookId).toBe("h-shape")
      expect(delivery.path).toBe("/webhooks/user-created")
      expect(delivery.data).toEqual({ userId: "123" })
      expect(delivery.timestamp).toBe(1781517601)
      expect(DateTime.formatIso(delivery.postAt)).toBe("2026-06-15T10:00:00.000Z")
      expect(DateTime.formatIso(delivery.postedAt)).toBe("2026-06-15T10:00:01.000Z")
      expect(DateTime.formatIso(delivery.updatedAt)).toBe("2026-06-02T00:00:00.000Z")
      expect(delivery.ackUrl).toBe("https://api.posthook.io/ack/tok")
      expect(delivery.nackUrl).toBe("https://api.posthook.io/nack/tok")
      expect(delivery.ws).toEqual({ attempt: 3, maxAttempts: 4 })
      expect(JSON.parse(new TextDecoder().decode(delivery.body))).toEqual({
        id: "h-shape",
        path: "/webhooks/user-created",
        postAt: "2026-06-15T10:00:00Z",
        postedAt: "2026-06-15T10:00:01Z",
        data: { userId: "123" },
        createdAt: "2026-06-01T00:00:00Z",
        updatedAt: "2026-06-02T00:00:00Z"
      })
    }))

  it.live("maxConcurrency N: a 10×N burst never runs more than N, nacks every overflow, answers every delivery", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const limit = 4
      const release = yield* Deferred.make<void>()
      let running = 0
      let peak = 0
      const handler = () =>
        Effect.gen(function*() {
          running++
          peak = Math.max(peak, running)
          yield* Deferred.await(release)
          running--
          return Delivery.Result.ack()
        })
      yield* Listener.listen(handler, { maxConcurrency: limit }).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connection(server, 0)
      const ids = Array.from({ length: 10 * limit }, (_, i) => `burst-${i}`)
      for (const id of ids) first.sendHook(id)
      yield* eventually("overflow nacked", () => framesOf(first, "nack").length === ids.length - limit)
      expect(running).toBe(limit)
      expect(framesOf(first, "nack").every((frame) => frame.error === Listener.AT_CAPACITY)).toBe(true)
      yield* Deferred.succeed(release, undefined)
      yield* eventually("all answered", () => first.received.length === ids.length)
      expect(peak).toBe(limit)
      expect(framesOf(first, "ack")).toHaveLength(limit)
      // Exactly one answer per delivery.
      expect(new Set(first.received.map((frame) => frame.hookId)).size).toBe(ids.length)
    }))

  it.live("reports ack_timeout to onAckTimeout; ignores async_ack, error and unknown frames", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const timeouts: Array<Listener.AckTimeoutInfo> = []
      yield* Listener.listen(ack, { onAckTimeout: (info) => Effect.sync(() => timeouts.push(info)) }).pipe(
        Effect.provide(context)
      )
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connection(server, 0)
      first.send({ _tag: "ack_timeout", hookId: "slow", attempt: 2 })
      first.send({
        _tag: "async_ack",
        hookId: "x",
        ackUrl: "https://a/ack",
        nackUrl: "https://a/nack",
        deadline: "2026-01-01T00:00:00Z"
      })
      first.send({ _tag: "error", code: "bad_frame", message: "what" })
      first.sendHook("after")
      yield* eventually("ack after", () => first.raw.length === 1)
      expect(timeouts).toEqual([{ hookId: "slow", attempt: 2 }])
      expect(first.raw).toEqual([`{"type":"ack","hookId":"after"}`])
    }))

  it.live("malformed frames, unknown types and 1 MB frames do not break the connection", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const seen: Array<string> = []
      yield* Listener.listen((delivery) =>
        Effect.sync(() => {
          seen.push(delivery.hookId)
          return Delivery.Result.ack()
        })
      ).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connection(server, 0)
      const megabyte = "x".repeat(1024 * 1024)
      first.send("not json at all")
      first.send("")
      first.send("[1,2,3]")
      first.send("null")
      first.send(`{"type":"mystery","payload":1}`)
      first.send(`{"no":"type"}`)
      // A field the SDK does not use never costs a frame: this ping is answered.
      first.send(`{"type":"ping","timestamp":"not a number"}`)
      first.send(`{"type":"connected"}`)
      first.send(JSON.stringify({ type: "huge-unknown", blob: megabyte }))
      first.socket.send(Buffer.from([0xff, 0xfe, 0x00]), { binary: true })
      // A hook frame that names its id but lacks required fields: nacked, not ignored.
      first.send(`{"type":"hook","id":"broken"}`)
      // A hook frame whose dates do not parse: nacked with the reason.
      first.sendHook("bad-date", { postAt: "yesterday" })
      // A 1 MB delivery is delivered.
      first.sendHook("big", { data: { blob: megabyte } })
      first.sendHook("after")
      yield* eventually("answers", () => first.received.length === 5)
      expect(seen).toEqual(["big", "after"])
      expect(first.received).toEqual(
        expect.arrayContaining([
          { type: "pong" },
          { type: "nack", hookId: "broken", error: "malformed hook frame" },
          { type: "nack", hookId: "bad-date", error: `malformed hook frame: postAt is not a date: "yesterday"` },
          { type: "ack", hookId: "big" },
          { type: "ack", hookId: "after" }
        ])
      )
      expect(server.connections).toHaveLength(1)
    }))
})

describe("Listener.listen: WebSocket implementations", () => {
  it.live("works with a WebSocket that has only the standard API (no `ws` extras)", () =>
    Effect.gen(function*() {
      const server = yield* WsTestServer.make
      // Only the standard API: no `on`, no `terminate`, no `pause`.
      const standardOnly = (url: string): Socket.WebSocketLike => {
        const inner = new WS.WebSocket(url)
        const standard: Socket.WebSocketLike = {
          get readyState() {
            return inner.readyState
          },
          addEventListener: (type, listener, options) => inner.addEventListener(type, listener, options),
          removeEventListener: (type, listener) => inner.removeEventListener(type, listener),
          send: (data) => inner.send(data),
          close: (code, reason) => inner.close(code, reason)
        }
        expect("on" in standard || "terminate" in standard).toBe(false)
        return standard
      }
      const context = yield* Layer.build(
        WsTestServer.quietLayer(server).pipe(
          Layer.merge(Layer.succeed(Socket.WebSocketConstructor, standardOnly))
        )
      )
      const scope = yield* Scope.make()
      yield* Listener.listen(ack).pipe(Effect.provide(context), Scope.provide(scope))
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connection(server, 0)
      first.sendHook("std")
      first.send({ _tag: "ping" })
      yield* eventually("answers", () => first.raw.length === 2)
      expect([...first.raw].sort()).toEqual([`{"type":"ack","hookId":"std"}`, `{"type":"pong"}`])
      yield* Scope.close(scope, Exit.void)
      yield* eventually("closed", () => first.closeCode === 1000)
    }))
})

describe("Listener.listen: Node's global WebSocket", () => {
  it.live("works with `Socket.layerWebSocketConstructorGlobal` (what an app on Node 22 provides)", () =>
    Effect.gen(function*() {
      const server = yield* WsTestServer.make
      const context = yield* Layer.build(
        WsTestServer.quietLayer(server).pipe(Layer.merge(Socket.layerWebSocketConstructorGlobal))
      )
      const scope = yield* Scope.make()
      const infos: Array<Listener.ConnectionInfo> = []
      yield* Listener.listen(ack, {
        reconnect: fast,
        onConnected: (info) => Effect.sync(() => infos.push(info))
      }).pipe(Effect.provide(context), Scope.provide(scope))
      yield* eventually("connected", () => infos.length === 1)
      const first = connection(server, 0)
      first.sendHook("global")
      first.send({ _tag: "ping" })
      yield* eventually("answers", () => first.raw.length === 2)
      expect([...first.raw].sort()).toEqual([`{"type":"ack","hookId":"global"}`, `{"type":"pong"}`])
      // A drop is seen (as close code 1006) and healed.
      first.socket.terminate()
      yield* eventually("reconnected", () => infos.length === 2)
      const second = connection(server, 1)
      yield* Scope.close(scope, Exit.void)
      yield* eventually("closed", () => second.closeCode === 1000)
    }))
})

describe("Listener.listen: reconnecting", () => {
  it.live("reconnects after the server terminates the socket (1006), reporting the drop", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const disconnects: Array<Listener.DisconnectReason> = []
      const reconnects: Array<Listener.ReconnectInfo> = []
      yield* Listener.listen(ack, {
        reconnect: fast,
        onDisconnected: (reason) => Effect.sync(() => disconnects.push(reason)),
        onReconnecting: (info) => Effect.sync(() => reconnects.push(info))
      }).pipe(Effect.provide(context))
      for (let i = 0; i < 3; i++) {
        yield* eventually(`connection ${i + 1}`, () => server.connections.length === i + 1)
        const current = connection(server, i)
        current.sendHook(`h-${i}`)
        yield* eventually(`ack ${i + 1}`, () => current.raw.length === 1)
        current.socket.terminate()
      }
      yield* eventually("fourth connection", () => server.connections.length === 4)
      expect(disconnects).toHaveLength(3)
      expect(disconnects.every((reason) => reason._tag === "WebSocketError" && reason.closeCode === 1006)).toBe(true)
      // `connected` resets the count: every reconnect is attempt 1.
      expect(reconnects.map((info) => info.attempt)).toEqual([1, 1, 1])
    }))

  it.live("a server close with 1000 is a drop too: the listener reconnects", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      yield* Listener.listen(ack, { reconnect: fast }).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      connection(server, 0).socket.close(1000, "bye")
      yield* eventually("reconnected", () => server.connections.length === 2)
    }))

  it.live("after a ticket 5xx, reconnects with a fresh ticket", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      server.ticketScript.push({ status: 503, body: `{"error":"down"}` }, { status: 502, body: "<html>" })
      const reasons: Array<Listener.DisconnectReason> = []
      yield* Listener.listen(ack, {
        reconnect: fast,
        onReconnecting: (info) => Effect.sync(() => reasons.push(info.reason))
      }).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      expect(server.ticketRequests).toHaveLength(3)
      expect(reasons.map((reason) => reason._tag)).toEqual(["InternalServerError", "InternalServerError"])
      expect(reasons.map((reason) => reason.message)).toEqual(["down", "HTTP 502"])
    }))

  it.live("`closing`: reconnects at once (no backoff) and still answers in-flight deliveries on the old socket", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const release = yield* Deferred.make<void>()
      const connected: Array<string> = []
      yield* Listener.listen(
        (delivery) =>
          delivery.hookId === "slow" ? Effect.as(Deferred.await(release), Delivery.Result.ack()) : ack(),
        {
          // Were the schedule consulted, the test would time out.
          reconnect: Schedule.spaced("1 hour"),
          onConnected: (info) => Effect.sync(() => connected.push(info.connectionId))
        }
      ).pipe(Effect.provide(context))
      yield* eventually("connection", () => connected.length === 1)
      const first = connection(server, 0)
      first.sendHook("slow")
      yield* realSleep(20)
      first.send({ _tag: "closing", reason: "deploy", message: "restarting" })
      yield* eventually("second connection", () => connected.length === 2)
      expect(first.closeCode).toBeUndefined()
      yield* Deferred.succeed(release, undefined)
      yield* eventually("slow hook answered on its own connection", () => first.raw.length === 1)
      expect(first.raw).toEqual([`{"type":"ack","hookId":"slow"}`])
      // The new connection works.
      const second = connection(server, 1)
      second.sendHook("next")
      yield* eventually("next answered", () => second.raw.length === 1)
    }))

  it.live("close code 4001 is final: wait fails with WebSocketError(4001), no reconnect", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const listener = yield* Listener.listen(ack, { reconnect: fast }).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      connection(server, 0).socket.close(4001, "bad ticket")
      const error = yield* Effect.flip(listener.wait)
      expect(error._tag).toBe("WebSocketError")
      expect(error._tag === "WebSocketError" && error.closeCode).toBe(4001)
      yield* realSleep(100)
      expect(server.ticketRequests).toHaveLength(1)
    }))

  it.live("close code 4003 is final", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const listener = yield* Listener.listen(ack, { reconnect: fast }).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      connection(server, 0).socket.close(4003)
      const error = yield* Effect.flip(listener.wait)
      expect(error).toMatchObject({ _tag: "WebSocketError", closeCode: 4003 })
      yield* realSleep(100)
      expect(server.ticketRequests).toHaveLength(1)
    }))

  it.live("ticket 401 is final (AuthenticationError), ticket 403 too (ForbiddenError)", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      server.ticketScript.push({ status: 401, body: `{"error":"invalid api key"}` })
      const first = yield* Listener.listen(ack, { reconnect: fast }).pipe(Effect.provide(context))
      const error = yield* Effect.flip(first.wait)
      expect(error).toMatchObject({ _tag: "AuthenticationError", status: 401, message: "invalid api key" })

      server.ticketScript.push({ status: 403, body: `{"error":"no"}` })
      const second = yield* Listener.listen(ack, { reconnect: fast }).pipe(Effect.provide(context))
      expect(yield* Effect.flip(second.wait)).toMatchObject({ _tag: "ForbiddenError", status: 403 })
      yield* realSleep(100)
      expect(server.ticketRequests).toHaveLength(2)
      expect(server.connections).toHaveLength(0)
    }))

  it.live("a custom schedule that gives up ends the listener with a WebSocketError", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      for (let i = 0; i < 5; i++) server.ticketScript.push({ status: 500 })
      const listener = yield* Listener.listen(ack, {
        reconnect: fast.pipe(Schedule.upTo({ times: 2 }))
      }).pipe(Effect.provide(context))
      const error = yield* Effect.flip(listener.wait)
      expect(error._tag).toBe("WebSocketError")
      expect(error.message).toContain("gave up reconnecting after 3 failed attempts")
      expect(server.ticketRequests).toHaveLength(3)
    }))
})

const handleCounts = () => {
  const counts: Record<string, number> = {}
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1
  return { sockets: counts.TCPSocketWrap ?? 0, servers: counts.TCPServerWrap ?? 0, timers: counts.Timeout ?? 0 }
}

describe("Listener.listen: closing", () => {
  it.live("scope close: stops taking deliveries, drains running handlers, then closes with 1000", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const scope = yield* Scope.make()
      const listener = yield* Listener.listen(
        () =>
          Deferred.succeed(started, undefined).pipe(
            Effect.andThen(Deferred.await(release)),
            Effect.as(Delivery.Result.ack())
          ),
        { gracePeriod: "30 seconds" }
      ).pipe(Effect.provide(context), Scope.provide(scope))
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connection(server, 0)
      first.sendHook("in-flight")
      yield* Deferred.await(started)

      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
      // While draining, new deliveries are refused at once and the socket stays open.
      first.sendHook("late")
      yield* eventually("late nacked", () => first.raw.length === 1)
      expect(first.raw).toEqual([shutdownNack("late")])
      expect(first.closeCode).toBeUndefined()

      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(closing)
      yield* listener.wait
      yield* eventually("server saw the close", () => first.closeCode !== undefined)
      expect(first.closeCode).toBe(1000)
      expect(first.raw).toEqual([
        shutdownNack("late"),
        `{"type":"ack","hookId":"in-flight"}`
      ])
      yield* realSleep(50)
      expect(server.connections).toHaveLength(1)
    }))

  it.live("handlers still running after the grace period are interrupted and nacked before the socket closes", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      let interrupted = 0
      const listener = yield* Listener.listen(
        () => Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => interrupted++))),
        { gracePeriod: "50 millis" }
      ).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connection(server, 0)
      first.sendHook("stuck-1")
      first.sendHook("stuck-2")
      yield* realSleep(50)
      yield* listener.close
      yield* listener.wait
      expect(interrupted).toBe(2)
      yield* eventually("closed", () => first.closeCode !== undefined)
      expect(first.closeCode).toBe(1000)
      expect([...first.raw].sort()).toEqual([
        shutdownNack("stuck-1"),
        shutdownNack("stuck-2")
      ])
    }))

  it.live("a handler may close its own listener", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const self = yield* Deferred.make<Listener.Listener>()
      const listener = yield* Listener.listen(
        () =>
          Deferred.await(self).pipe(
            Effect.flatMap((listener) => listener.close),
            Effect.as(Delivery.Result.ack())
          ),
        { gracePeriod: "100 millis" }
      ).pipe(Effect.provide(context))
      yield* Deferred.succeed(self, listener)
      yield* eventually("connection", () => server.connections.length === 1)
      connection(server, 0).sendHook("stop")
      yield* listener.wait
      yield* eventually("closed", () => connection(server, 0).closeCode === 1000)
    }))

  it.live("leaves no sockets, servers or timers behind", () =>
    Effect.gen(function*() {
      const before = handleCounts()
      yield* Effect.scoped(
        Effect.gen(function*() {
          const { context, server } = yield* setup
          const listener = yield* Listener.listen(ack, { reconnect: fast }).pipe(Effect.provide(context))
          yield* eventually("connection", () => server.connections.length === 1)
          connection(server, 0).socket.terminate()
          yield* eventually("reconnected", () => server.connections.length === 2)
          const second = connection(server, 1)
          second.sendHook("h")
          yield* eventually("answered", () => second.raw.length === 1)
          yield* listener.close
          yield* eventually("server saw 1000", () => second.closeCode === 1000)
        })
      )
      yield* eventually("handles released", () => {
        const after = handleCounts()
        return after.sockets <= before.sockets && after.servers <= before.servers && after.timers <= before.timers
      }, "10 seconds")
    }))
})
