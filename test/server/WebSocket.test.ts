/**
 * WebSocket delivery (docs/protocol.md §4) end to end: the SDK's `Listener` (or a
 * bare `ws` client where the listener hides the wire) against the local
 * server, with `TestClock` for ack windows and deadlines.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Option, Queue, Schedule, Scope } from "effect"
import { TestClock } from "effect/testing"
import { type Delivery, Result } from "../../src/Delivery.js"
import * as Listener from "../../src/Listener.js"
import * as Signatures from "../../src/Signatures.js"
import * as LocalPosthook from "../../src/server/LocalPosthook.js"
import { makeReceiver } from "./utils/receiver.js"
import { eventFor, type EventOf } from "./utils/events.js"
import { listenerContext, raw, startServer } from "./utils/sdk.js"
import { connectRaw } from "./utils/wsClient.js"

const JUNE_1 = Date.parse("2026-06-01T00:00:00Z")

const setup = (options: LocalPosthook.Options = {}) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(JUNE_1)
    const server = yield* startServer(options)
    const receiver = yield* makeReceiver(server.local.signingKeys)
    yield* server.local.setTargetOrigin(receiver.origin)
    const sdk = yield* listenerContext(server.local)
    const connections = yield* Queue.unbounded<Listener.ConnectionInfo>()
    const ackTimeouts = yield* Queue.unbounded<Listener.AckTimeoutInfo>()
    /** Starts the SDK listener; resolves once the server said `connected`. */
    const listen = (
      handler: (delivery: Delivery) => Effect.Effect<Result>,
      options: Listener.ListenOptions = {}
    ) =>
      Effect.gen(function*() {
        const listener = yield* Listener.listen(handler, {
          // Pings run on the wall clock; under TestClock only our own adjustments move time.
          heartbeatTimeout: "1 day",
          gracePeriod: "0 millis",
          reconnect: Schedule.forever,
          onConnected: (info) => Queue.offer(connections, info),
          onAckTimeout: (info) => Queue.offer(ackTimeouts, info),
          ...options
        }).pipe(Effect.provide(sdk))
        yield* Queue.take(connections)
        return listener
      })
    return { ...server, receiver, listen, connections, ackTimeouts }
  })

/** A handler that hands each delivery to the test and answers as told. */
const recording = (answer: (delivery: Delivery) => Effect.Effect<Result>) =>
  Effect.map(Queue.unbounded<Delivery>(), (seen) => ({
    seen,
    handler: (delivery: Delivery) => Effect.andThen(Queue.offer(seen, delivery), answer(delivery))
  }))

describe("WebSocket delivery", () => {
  it.effect("goes to the connected listener, and its ack completes the hook", () =>
    Effect.gen(function*() {
      const { hooks, listen, local, receiver } = yield* setup()
      const { handler, seen } = yield* recording(() => Effect.succeed(Result.ack()))
      yield* listen(handler)
      expect((yield* local.listeners).length).toBe(1)
      const hook = yield* hooks.schedule({ path: "/ws/hello", postIn: "30s", data: { hello: "world" } })
      yield* TestClock.adjust("30 seconds")
      const delivery = yield* Queue.take(seen)
      expect(delivery).toMatchObject({ hookId: hook.id, path: "/ws/hello", data: { hello: "world" } })
      expect(delivery.ws).toMatchObject({ attempt: 1, maxAttempts: 4 })
      expect(delivery.ackUrl).toMatch(new RegExp(`^${local.baseUrl}/ack/`))
      const delivered = yield* eventFor(local, "HookDelivered", hook.id, 1)
      expect(delivered.transport).toBe("websocket")
      expect((yield* hooks.get(hook.id)).status).toBe("completed")
      const [attempt] = yield* local.attempts(hook.id)
      expect(attempt).toMatchObject({ transport: "websocket", outcome: "completed" })
      expect(JSON.parse(attempt?.request.body ?? "{}")).toMatchObject({ type: "hook", id: hook.id, attempt: 1 })
      expect(yield* Queue.size(receiver.deliveries)).toBe(0)
    }))

  it.effect("a nack is retried per policy; attempt and maxAttempts count within the cycle", () =>
    Effect.gen(function*() {
      const { hooks, listen, local } = yield* setup()
      const { handler, seen } = yield* recording((delivery) =>
        Effect.succeed(delivery.ws?.attempt === 1 ? Result.nack("not ready yet") : Result.ack())
      )
      yield* listen(handler)
      const hook = yield* hooks.schedule({
        path: "/ws/nack",
        postIn: "1s",
        retryOverride: { minRetries: 2, delaySecs: 5, strategy: "fixed" }
      })
      yield* TestClock.adjust("1 second")
      const retrying = yield* eventFor(local, "HookRetrying", hook.id, 1)
      expect(retrying.error).toBe("not ready yet")
      yield* TestClock.adjust("5 seconds")
      yield* eventFor(local, "HookDelivered", hook.id, 2)
      const deliveries = [yield* Queue.take(seen), yield* Queue.take(seen)]
      expect(deliveries.map((delivery) => delivery.ws)).toMatchObject([
        { attempt: 1, maxAttempts: 3 },
        { attempt: 2, maxAttempts: 3 }
      ])
      const attempts = yield* local.attempts(hook.id)
      expect(attempts.map((attempt) => [attempt.outcome, attempt.error])).toEqual([
        ["nacked", "not ready yet"],
        ["completed", null]
      ])
    }))

  it.effect("no answer within the ack window (wall clock): ack_timeout, then a retry", () =>
    Effect.gen(function*() {
      const { ackTimeouts, hooks, listen, local } = yield* setup({ ackWindow: "200 millis" })
      const release = yield* Deferred.make<void>()
      const { handler, seen } = yield* recording((delivery) =>
        delivery.ws?.attempt === 1 ? Effect.as(Deferred.await(release), Result.ack()) : Effect.succeed(Result.ack())
      )
      yield* listen(handler)
      const hook = yield* hooks.schedule({
        path: "/ws/slow",
        postIn: "1s",
        retryOverride: { minRetries: 1, delaySecs: 5, strategy: "fixed" }
      })
      yield* TestClock.adjust("1 second")
      yield* Queue.take(seen)
      expect(yield* Queue.take(ackTimeouts)).toEqual({ hookId: hook.id, attempt: 1 })
      const retrying = yield* eventFor(local, "HookRetrying", hook.id, 1)
      expect(retrying.error).toBe("the WebSocket listener did not ack, accept or nack within 0.2s")
      yield* TestClock.adjust("5 seconds")
      yield* eventFor(local, "HookDelivered", hook.id, 2)
      const [first] = yield* local.attempts(hook.id)
      expect(first?.outcome).toBe("timed_out")
      // Let the first handler finish so the listener can close (its late ack is ignored).
      yield* Deferred.succeed(release, undefined)
      expect((yield* hooks.get(hook.id)).status).toBe("completed")
    }))

  it.effect("moving the clock far ahead does not time out a delivery the listener is answering", () =>
    Effect.gen(function*() {
      const { hooks, listen, local } = yield* setup()
      const { handler, seen } = yield* recording(() => Effect.succeed(Result.ack()))
      yield* listen(handler)
      const hook = yield* hooks.schedule({ path: "/ws/far", postIn: "1s" })
      yield* TestClock.adjust("1 hour")
      expect((yield* Queue.take(seen)).hookId).toBe(hook.id)
      yield* eventFor(local, "HookDelivered", hook.id, 1)
      expect((yield* local.attempts(hook.id)).map((attempt) => attempt.outcome)).toEqual(["completed"])
    }))

  it.effect("accept: async_ack, then the ack callback completes the hook before the deadline", () =>
    Effect.gen(function*() {
      const { hooks, listen, local } = yield* setup()
      const { handler, seen } = yield* recording(() => Effect.succeed(Result.accept("2 minutes")))
      yield* listen(handler)
      const hook = yield* hooks.schedule({ path: "/ws/async", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      const delivery = yield* Queue.take(seen)
      const accepted = yield* eventFor(local, "HookAccepted", hook.id, 1)
      expect(accepted.deadlineAt - accepted.at).toBe(120_000)
      expect((yield* hooks.get(hook.id)).status).toBe("pending")
      yield* TestClock.adjust("90 seconds")
      const ack = yield* delivery.ack().pipe(Effect.provide(NodeHttpClient.layerUndici))
      expect(ack).toEqual({ applied: true, status: "completed" })
      expect((yield* hooks.get(hook.id)).status).toBe("completed")
    }))

  it.effect("the server tells the listener when an ack window ran out over async_ack's deadline too", () =>
    Effect.gen(function*() {
      const { hooks, listen, local } = yield* setup({ retryPolicy: { minRetries: 1, delaySecs: 5, strategy: "fixed" } })
      const { handler, seen } = yield* recording(() => Effect.succeed(Result.accept("30 seconds")))
      yield* listen(handler)
      const hook = yield* hooks.schedule({ path: "/ws/async-late", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      yield* Queue.take(seen)
      yield* eventFor(local, "HookAccepted", hook.id, 1)
      yield* TestClock.adjust("30 seconds")
      const retrying = yield* eventFor(local, "HookRetrying", hook.id, 1)
      expect(retrying.error).toBe("no ack or nack callback arrived before the async deadline")
    }))

  it.effect("falls back to HTTP when no listener is connected, and back to the WebSocket when one is", () =>
    Effect.gen(function*() {
      const { hooks, listen, local, receiver } = yield* setup()
      const before = yield* hooks.schedule({ path: "/fallback/before", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      expect((yield* receiver.next).delivery.hookId).toBe(before.id)
      expect((yield* eventFor(local, "HookDelivered", before.id)).transport).toBe("http")

      const { handler, seen } = yield* recording(() => Effect.succeed(Result.ack()))
      const scope = yield* Scope.make()
      yield* listen(handler).pipe(Scope.provide(scope))
      const during = yield* hooks.schedule({ path: "/fallback/during", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      expect((yield* Queue.take(seen)).hookId).toBe(during.id)
      expect((yield* eventFor(local, "HookDelivered", during.id)).transport).toBe("websocket")

      yield* Scope.close(scope, Exit.void)
      yield* local.awaitEvent((event): event is EventOf<"ListenerDisconnected"> =>
        event._tag === "ListenerDisconnected"
      )
      const after = yield* hooks.schedule({ path: "/fallback/after", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      expect((yield* receiver.next).delivery.hookId).toBe(after.id)
      expect((yield* eventFor(local, "HookDelivered", after.id)).transport).toBe("http")
    }))

  it.effect("a listener that reconnects after the server closes its connection keeps receiving", () =>
    Effect.gen(function*() {
      const { connections, hooks, listen, local } = yield* setup()
      const { handler, seen } = yield* recording(() => Effect.succeed(Result.ack()))
      yield* listen(handler)
      expect(yield* local.disconnectListeners()).toBe(1)
      const second = yield* Queue.take(connections)
      expect(second.projectName).toBe("Local Posthook")
      const connected = (yield* local.recentEvents()).filter((event) => event._tag === "ListenerConnected")
      expect(connected.length).toBe(2)
      const hook = yield* hooks.schedule({ path: "/ws/again", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      expect((yield* Queue.take(seen)).hookId).toBe(hook.id)
      yield* eventFor(local, "HookDelivered", hook.id)
    }))

  it.effect("a listener at capacity nacks at once and the hook is retried", () =>
    Effect.gen(function*() {
      const { hooks, listen, local } = yield* setup({ retryPolicy: { minRetries: 2, delaySecs: 5, strategy: "fixed" } })
      const release = yield* Deferred.make<void>()
      const { handler, seen } = yield* recording(() => Effect.as(Deferred.await(release), Result.ack()))
      yield* listen(handler, { maxConcurrency: 1 })
      const first = yield* hooks.schedule({ path: "/busy/1", postIn: "1s" })
      const second = yield* hooks.schedule({ path: "/busy/2", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      const running = yield* Queue.take(seen)
      const other = running.hookId === first.id ? second.id : first.id
      const nacked = yield* eventFor(local, "HookRetrying", other, 1)
      expect(nacked.error).toBe(Listener.AT_CAPACITY)
      yield* Deferred.succeed(release, undefined)
      yield* eventFor(local, "HookDelivered", running.hookId, 1)
      yield* TestClock.adjust("5 seconds")
      yield* eventFor(local, "HookDelivered", other, 2)
    }))

  it.effect("forward mode carries the exact signed HTTP request", () =>
    Effect.gen(function*() {
      const { hooks, listen, local } = yield* setup()
      const { handler, seen } = yield* recording(() => Effect.succeed(Result.ack()))
      yield* listen(handler, { forward: true })
      expect((yield* local.listeners)[0]?.forward).toBe(true)
      const hook = yield* hooks.schedule({ path: "/forwarded", postIn: "1s", data: { n: 1 } })
      yield* TestClock.adjust("1 second")
      const delivery = yield* Queue.take(seen)
      const forward = delivery.ws?.forwardRequest
      expect(forward).toMatchObject({ posthookId: hook.id, posthookTimestamp: delivery.timestamp })
      const signatures = Signatures.unsafeMake({ signingKey: local.signingKeys })
      const replayed = yield* signatures.parseDelivery(forward?.body ?? "", {
        "posthook-id": forward?.posthookId ?? "",
        "posthook-timestamp": String(forward?.posthookTimestamp ?? ""),
        "posthook-signature": forward?.posthookSignature ?? ""
      })
      expect(replayed).toMatchObject({ hookId: hook.id, path: "/forwarded", data: { n: 1 } })
      expect(forward?.signature).toBe(forward?.posthookSignature)
    }))
})

describe("the WebSocket endpoint on the wire", () => {
  const ticketUrl = (local: LocalPosthook.LocalPosthook) =>
    Effect.gen(function*() {
      const response = yield* raw(local, "POST", "/v1/ws/ticket")
      const data = (response.json as { readonly data: { readonly ticket: string; readonly url: string } }).data
      return `${data.url}?ticket=${encodeURIComponent(data.ticket)}`
    })

  it.effect("says connected, pings, and answers frames it cannot read with an error frame", () =>
    Effect.gen(function*() {
      const { local } = yield* setup({ pingInterval: "20 millis", projectName: "Wire Test" })
      const socket = yield* connectRaw(yield* ticketUrl(local))
      const connected = yield* socket.nextOfType("connected")
      expect(connected).toEqual({
        type: "connected",
        connectionId: expect.stringMatching(/^conn_/),
        projectId: "local",
        projectName: "Wire Test",
        serverTime: "2026-06-01T00:00:00Z"
      })
      expect(yield* socket.nextOfType("ping")).toEqual({ type: "ping", timestamp: JUNE_1 / 1000 })
      yield* socket.send("this is not json")
      expect(yield* socket.nextOfType("error")).toEqual({
        type: "error",
        code: "invalid_message",
        message: expect.any(String)
      })
      yield* socket.send(JSON.stringify({ type: "pong" }))
      yield* socket.send(JSON.stringify({ type: "ack", hookId: "00000000-0000-4000-8000-000000000000" }))
      expect(Option.isNone(yield* Deferred.poll(socket.closed))).toBe(true)
    }))

  it.effect("ack windows end in the order they started, and only for deliveries left unanswered", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* setup({ ackWindow: "300 millis" })
      const socket = yield* connectRaw(yield* ticketUrl(local))
      yield* socket.nextOfType("connected")
      for (let n = 0; n < 3; n++) {
        yield* hooks.schedule({ path: `/ws/window/${n}`, postIn: "1s", retryOverride: { minRetries: 1, delaySecs: 60, strategy: "fixed" } })
      }
      yield* TestClock.adjust("1 second")
      const delivered: Array<unknown> = []
      for (let n = 0; n < 3; n++) delivered.push((yield* socket.nextOfType("hook")).id)
      const [first, answered, last] = delivered
      yield* socket.send(JSON.stringify({ type: "ack", hookId: answered }))
      // Real time passes: the two unanswered windows end, oldest first.
      expect((yield* socket.nextOfType("ack_timeout")).hookId).toBe(first)
      expect((yield* socket.nextOfType("ack_timeout")).hookId).toBe(last)
      const outcomes = yield* Effect.forEach(delivered, (id) =>
        Effect.map(local.attempts(String(id)), (attempts) => attempts.map((attempt) => attempt.outcome).join()))
      expect(outcomes).toEqual(["timed_out", "completed", "timed_out"])
    }))

  it.effect("closes with 4001 for a missing, unknown, reused or expired ticket", () =>
    Effect.gen(function*() {
      const { local } = yield* setup()
      const wsBase = `${local.baseUrl.replace("http", "ws")}/v1/ws`
      for (const url of [wsBase, `${wsBase}?ticket=wst_made_up`]) {
        const socket = yield* connectRaw(url)
        expect((yield* Deferred.await(socket.closed)).code).toBe(4001)
      }
      const url = yield* ticketUrl(local)
      const first = yield* connectRaw(url)
      yield* first.nextOfType("connected")
      const reused = yield* connectRaw(url)
      expect((yield* Deferred.await(reused.closed)).code).toBe(4001)

      const stale = yield* ticketUrl(local)
      yield* TestClock.adjust("61 seconds")
      const late = yield* connectRaw(stale)
      expect((yield* Deferred.await(late.closed)).code).toBe(4001)
    }))

  it.effect("the SDK listener stops for good on 4001", () =>
    Effect.gen(function*() {
      // Tickets that expire the moment they are issued: the endpoint refuses every one of them.
      const { local } = yield* setup({ ticketTtl: "0 millis" })
      const sdk = yield* listenerContext(local)
      const listener = yield* Listener.listen(() => Effect.succeed(Result.ack()), {
        heartbeatTimeout: "1 day",
        reconnect: Schedule.forever
      }).pipe(Effect.provide(sdk))
      const error = yield* Effect.flip(listener.wait)
      expect(error).toMatchObject({ _tag: "WebSocketError", closeCode: 4001 })
      expect(yield* local.listeners).toEqual([])
    }))

  it.effect("on shutdown, listeners get closing and close code 1001", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const scope = yield* Scope.make()
      const local = yield* LocalPosthook.make({ log: false }).pipe(Scope.provide(scope))
      const socket = yield* connectRaw(yield* ticketUrl(local))
      yield* socket.nextOfType("connected")
      yield* Scope.close(scope, Exit.void)
      expect(yield* socket.nextOfType("closing")).toEqual({
        type: "closing",
        reason: "shutdown",
        message: "the local Posthook server is shutting down"
      })
      expect((yield* Deferred.await(socket.closed)).code).toBe(1001)
    }))
})
