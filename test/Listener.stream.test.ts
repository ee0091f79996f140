import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Schedule, Stream } from "effect"
import { Delivery, Listener } from "posthook-effect"
import * as WsTestServer from "./utils/WsTestServer.js"
import { connectionAt, eventually, framesOf } from "./utils/WsTestServer.js"

/** A test server and a listener context wired to it, logging silenced. */
const setup = WsTestServer.makeQuiet

describe("Listener.stream", () => {
  it.live("manual ack / nack / accept / respond send the exact frames; only the first answer counts", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const sent: Array<boolean> = []
      const consumer = yield* Listener.stream().pipe(
        Stream.take(5),
        Stream.runForEach((incoming) =>
          Effect.gen(function*() {
            const { delivery } = incoming
            switch (delivery.hookId) {
              case "a":
                sent.push(yield* incoming.ack)
                sent.push(yield* incoming.nack("too late"))
                break
              case "b":
                sent.push(yield* incoming.nack("not ready"))
                break
              case "c":
                sent.push(yield* incoming.nack())
                break
              case "d":
                sent.push(yield* incoming.accept("5 minutes"))
                break
              default:
                sent.push(yield* incoming.respond(Delivery.Result.ack()))
            }
          })
        ),
        Effect.provide(context),
        Effect.forkChild
      )
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connectionAt(server, 0)
      for (const id of ["a", "b", "c", "d", "e"]) first.sendHook(id)
      yield* Fiber.join(consumer)
      expect(sent).toEqual([true, false, true, true, true, true])
      yield* eventually("answers arrived", () => first.raw.length === 5)
      expect(first.raw).toEqual([
        `{"type":"ack","hookId":"a"}`,
        `{"type":"nack","hookId":"b","error":"not ready"}`,
        `{"type":"nack","hookId":"c"}`,
        `{"type":"accept","hookId":"d","timeout":300}`,
        `{"type":"ack","hookId":"e"}`
      ])
      yield* eventually("closed", () => first.closeCode !== undefined)
      expect(first.closeCode).toBe(1000)
    }))

  it.live("bounded buffer: a consumer that falls behind gets new deliveries nacked with `At capacity`", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const gate = yield* Deferred.make<void>()
      const pulled: Array<string> = []
      yield* Listener.stream({ bufferSize: 2 }).pipe(
        Stream.runForEach((incoming) =>
          Effect.sync(() => pulled.push(incoming.delivery.hookId)).pipe(
            Effect.andThen(Deferred.await(gate)),
            Effect.andThen(incoming.ack)
          )
        ),
        Effect.provide(context),
        Effect.forkScoped
      )
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connectionAt(server, 0)
      first.sendHook("h0")
      yield* eventually("consumer busy with h0", () => pulled.length === 1)
      for (let i = 1; i <= 6; i++) first.sendHook(`h${i}`)
      yield* eventually("overflow nacked", () => framesOf(first, "nack").length === 4)
      expect(framesOf(first, "nack")).toEqual(
        ["h3", "h4", "h5", "h6"].map((hookId) => ({ type: "nack", hookId, error: Listener.AT_CAPACITY }))
      )
      yield* Deferred.succeed(gate, undefined)
      yield* eventually("buffered ones acked", () => framesOf(first, "ack").length === 3)
      expect(framesOf(first, "ack").map((frame) => frame.hookId)).toEqual(["h0", "h1", "h2"])
      expect(pulled).toEqual(["h0", "h1", "h2"])
    }))

  it.live("ending the stream nacks what is unanswered and closes the socket with 1000", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const gate = yield* Deferred.make<void>()
      const consumer = yield* Listener.stream().pipe(
        // Takes one delivery and never answers it; the stream ends once the gate opens.
        Stream.tap(() => Deferred.await(gate)),
        Stream.take(1),
        Stream.runDrain,
        Effect.provide(context),
        Effect.forkChild
      )
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connectionAt(server, 0)
      first.sendHook("x1")
      first.sendHook("x2")
      first.sendHook("x3")
      // Frames are handled in order: once the pong is back, x2 and x3 are in the buffer.
      first.send({ _tag: "ping" })
      yield* eventually("pong", () => framesOf(first, "pong").length === 1)
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(consumer)
      yield* eventually("closed", () => first.closeCode !== undefined)
      expect(first.closeCode).toBe(1000)
      // Every delivery (the one taken, the two still buffered) got exactly one answer before the close.
      const nacks = framesOf(first, "nack")
      expect(nacks.map((frame) => frame.hookId).sort()).toEqual(["x1", "x2", "x3"])
      expect(nacks.every((frame) => frame.error === "Listener is shutting down")).toBe(true)
      expect(first.received.length).toBe(4)
    }))

  it.live("answering after its connection is gone returns false at once, and writes nothing anywhere", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const taken = yield* Deferred.make<Listener.StreamDelivery>()
      yield* Listener.stream({ reconnect: Schedule.spaced("5 millis") }).pipe(
        Stream.runForEach((incoming) => Deferred.succeed(taken, incoming)),
        Effect.provide(context),
        Effect.forkScoped
      )
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connectionAt(server, 0)
      first.sendHook("orphan")
      const incoming = yield* Deferred.await(taken)
      first.socket.terminate()
      yield* eventually("reconnected", () => server.connections.length === 2)
      expect(yield* incoming.ack).toBe(false)
      expect(first.raw).toEqual([])
      expect(connectionAt(server, 1).raw).toEqual([])
    }))

  it.live("fails with the final error on close code 4001", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const consumer = yield* Listener.stream({ reconnect: Schedule.spaced("5 millis") }).pipe(
        Stream.runDrain,
        Effect.provide(context),
        Effect.forkChild
      )
      yield* eventually("connection", () => server.connections.length === 1)
      connectionAt(server, 0).socket.close(4001, "ticket revoked")
      const error = yield* Effect.flip(Fiber.join(consumer))
      expect(error).toMatchObject({ _tag: "WebSocketError", closeCode: 4001 })
      expect(error.message).toBe("authentication failed (close code 4001): ticket revoked")
    }))
})
