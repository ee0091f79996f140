/**
 * A bare `ws` client for what the SDK listener hides: close codes, pings,
 * error frames, tickets used twice.
 */
import { Deferred, Effect, Queue, Schema, type Scope } from "effect"
import { WebSocket } from "ws"
import type * as LocalPosthook from "../../../src/server/LocalPosthook.js"
import { within } from "./deadline.js"
import { raw } from "./sdk.js"

export interface RawSocket {
  /** Every text frame, parsed as JSON. */
  readonly frames: Queue.Dequeue<Record<string, unknown>>
  /** The close code and reason, once closed. */
  readonly closed: Deferred.Deferred<{ readonly code: number; readonly reason: string }>
  readonly send: (text: string) => Effect.Effect<void>
  /** The next frame of this type (earlier frames of other types are dropped). */
  readonly nextOfType: (type: string) => Effect.Effect<Record<string, unknown>>
}

export const connectRaw = (url: string): Effect.Effect<RawSocket, never, Scope.Scope> =>
  Effect.gen(function*() {
    const frames = yield* Queue.unbounded<Record<string, unknown>>()
    const closed = yield* Deferred.make<{ readonly code: number; readonly reason: string }>()
    const socket = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const socket = new WebSocket(url)
        socket.on("message", (data) => {
          const parsed: unknown = JSON.parse(String(data))
          if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
            Queue.offerUnsafe(frames, Object.fromEntries(Object.entries(parsed)))
          }
        })
        socket.on("close", (code, reason) => Deferred.doneUnsafe(closed, Effect.succeed({ code, reason: String(reason) })))
        socket.on("error", () => undefined)
        return socket
      }),
      (socket) => Effect.sync(() => socket.terminate())
    )
    const nextOfType = (type: string): Effect.Effect<Record<string, unknown>> =>
      Effect.flatMap(Queue.take(frames), (frame) => frame.type === type ? Effect.succeed(frame) : nextOfType(type))
    return {
      frames,
      closed,
      send: (text) =>
        Effect.callback<void>((resume) => {
          if (socket.readyState === WebSocket.CONNECTING) {
            socket.once("open", () => {
              socket.send(text)
              resume(Effect.void)
            })
          } else {
            socket.send(text)
            resume(Effect.void)
          }
        }),
      nextOfType
    }
  })

const decodeTicket = Schema.decodeUnknownSync(
  Schema.Struct({ data: Schema.Struct({ ticket: Schema.String, url: Schema.String }) })
)

/** A fresh WebSocket ticket of `local` and the URL to use it at (decoded: the test fails on anything else). */
export const ticketFor = (local: LocalPosthook.LocalPosthook) =>
  Effect.map(raw(local, "POST", "/v1/ws/ticket"), (response) => decodeTicket(response.json).data)

/**
 * A bare listener of `local`, connected with a fresh ticket and its
 * `connected` frame read; `id` is its connection id.
 */
export const connectListener = (local: LocalPosthook.LocalPosthook) =>
  Effect.gen(function*() {
    const data = yield* ticketFor(local)
    const socket = yield* connectRaw(`${data.url}?ticket=${encodeURIComponent(data.ticket)}`)
    const connected = yield* socket.nextOfType("connected").pipe(within(10_000, "the connected frame"))
    return { socket, id: String(connected.connectionId) }
  })
