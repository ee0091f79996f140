/**
 * The dashboard's live feed: the server's events as server-sent events.
 *
 * The subscription starts before the first message (`ready`) is sent, so a
 * page that re-reads its data on `ready` misses nothing. Events are sent in
 * batches (one message per 100 ms at most, a JSON array), so a burst of
 * thousands of hooks costs the page a handful of messages. A comment line
 * every 15 s keeps proxies and idle timers from closing the stream.
 *
 * An open SSE response would keep Node's `server.close()` waiting forever
 * (it waits for every open request), so the stream also ends, within half a
 * second, once the HTTP server stops listening.
 *
 * @internal
 */
import * as Net from "node:net"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type { LocalPosthook } from "../../LocalPosthook.js"
import { describe, type ServerEvent } from "../../ServerEvent.js"
import { COMMON_HEADERS } from "./guard.js"

/** One event, as a `message` carries it (in an array). @internal */
export interface EventMessage {
  readonly seq: number
  readonly at: number
  readonly type: ServerEvent["_tag"]
  readonly hookId: string | null
  readonly text: string
}

/** @internal */
export const toMessage = (event: ServerEvent): EventMessage => ({
  seq: event.seq,
  at: event.at,
  type: event._tag,
  hookId: "hookId" in event ? event.hookId : null,
  text: describe(event)
})

/** Most events in one message. @internal */
export const BATCH_SIZE = 500

/** One SSE frame. JSON text has no raw newlines, so `data` is one line. @internal */
export const frame = (
  fields: { readonly event?: string | undefined; readonly id?: number | undefined; readonly data: unknown }
): string =>
  `${fields.event === undefined ? "" : `event: ${fields.event}\n`}${
    fields.id === undefined ? "" : `id: ${fields.id}\n`
  }data: ${JSON.stringify(fields.data)}\n\n`

/**
 * Completes when the Node HTTP server that received `request` stops
 * listening (its `close()` has begun); never, when that cannot be told.
 */
const serverStopped = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<void> => {
  const incoming: unknown = NodeHttpServerRequest.toIncomingMessage(request)
  const socket: unknown = typeof incoming === "object" && incoming !== null ? Reflect.get(incoming, "socket") : undefined
  const server: unknown = socket instanceof Net.Socket ? Reflect.get(socket, "server") : undefined
  if (!(server instanceof Net.Server)) return Effect.never
  return Effect.asVoid(
    Effect.repeat(Effect.sync(() => server.listening), {
      until: (listening) => !listening,
      schedule: Schedule.spaced("500 millis")
    })
  )
}

const encoder = new TextEncoder()

/** The `GET /_dashboard/api/events` response. @internal */
export const response = (
  local: LocalPosthook,
  request: HttpServerRequest.HttpServerRequest
): HttpServerResponse.HttpServerResponse => {
  const body = Stream.unwrap(
    Effect.gen(function*() {
      const live = yield* local.subscribe
      const now = yield* Clock.currentTimeMillis
      const hello = Stream.make(`retry: 2000\n\n${frame({ event: "ready", data: { serverTime: now } })}`)
      const events = live.pipe(
        Stream.groupedWithin(BATCH_SIZE, "100 millis"),
        Stream.filter((batch) => batch.length > 0),
        Stream.map((batch) => {
          const messages = batch.map(toMessage)
          return frame({ id: messages.at(-1)?.seq, data: messages })
        })
      )
      const keepAlive = Stream.as(Stream.fromSchedule(Schedule.spaced("15 seconds")), ": keep-alive\n\n")
      return Stream.concat(hello, Stream.merge(events, keepAlive, { haltStrategy: "left" }))
    })
  ).pipe(
    Stream.interruptWhen(serverStopped(request)),
    Stream.map((text) => encoder.encode(text))
  )
  return HttpServerResponse.stream(body, {
    contentType: "text/event-stream; charset=utf-8",
    headers: {
      ...COMMON_HEADERS,
      // Not reused after the stream ends: a closing server then has no idle socket to wait for.
      "Connection": "close",
      "X-Accel-Buffering": "no"
    }
  })
}
