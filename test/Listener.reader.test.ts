/**
 * The listener reads its WebSocket itself: hooks and pings are handled in the
 * `message` event that carries them, and a frame that needs an Effect (a
 * callback, a log) holds back every frame after it until it is done, so frames
 * are still handled in order.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect } from "effect"
import { Delivery, Listener } from "posthook-effect"
import * as WsTestServer from "./utils/WsTestServer.js"
import { connectionAt, eventually, framesOf, realSleep } from "./utils/WsTestServer.js"

/** A test server and a listener context wired to it, logging silenced. */
const setup = WsTestServer.makeQuiet

describe("Listener: reading frames", () => {
  it.live("frames after one that runs a callback wait for it, then are handled in order (a 1,500-frame backlog)", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      const release = yield* Deferred.make<void>()
      const seen: Array<string> = []
      let callbackDone = false
      yield* Listener.listen(
        (delivery) =>
          Effect.sync(() => {
            seen.push(delivery.hookId)
            return Delivery.Result.ack()
          }),
        {
          onConnected: () => Effect.andThen(Deferred.await(release), Effect.sync(() => void (callbackDone = true)))
        }
      ).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connectionAt(server, 0)
      const ids = Array.from({ length: 1_500 }, (_, i) => `h${i}`)
      for (const id of ids) first.sendHook(id)
      first.send({ _tag: "ping" })
      yield* realSleep(100)
      // Held back behind the `connected` callback (and `ws` paused past 1,024 frames).
      expect(seen.length).toBe(0)
      expect(first.raw.length).toBe(0)
      yield* Deferred.succeed(release, undefined)
      yield* eventually("all answered", () => first.raw.length === ids.length + 1)
      expect(callbackDone).toBe(true)
      expect(seen.length).toBe(ids.length)
      expect(seen.every((id, i) => id === ids[i])).toBe(true)
      expect(framesOf(first, "ack").length).toBe(ids.length)
      expect(first.raw.at(-1)).toBe(`{"type":"pong"}`)
      // Once caught up, frames are handled on arrival again.
      first.sendHook("later")
      yield* eventually("later answered", () => framesOf(first, "ack").length === ids.length + 1)
    }))

  it.live("a binary frame carrying a frame's text is read like a text frame", () =>
    Effect.gen(function*() {
      const { context, server } = yield* setup
      yield* Listener.listen(() => Effect.succeed(Delivery.Result.ack())).pipe(Effect.provide(context))
      yield* eventually("connection", () => server.connections.length === 1)
      const first = connectionAt(server, 0)
      first.socket.send(Buffer.from(`{"type":"ping"}`), { binary: true })
      yield* eventually("pong", () => first.raw.length === 1)
      expect(first.raw).toEqual([`{"type":"pong"}`])
    }))
})
