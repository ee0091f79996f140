/**
 * `GET /v1/ws?ticket=…[&forward=true]` (docs/protocol.md §4): redeems the
 * ticket (close 4001 when it is missing, unknown, used or expired), sends
 * `connected`, pings on a wall-clock interval, feeds client frames to the
 * engine, and on close fails the attempts the listener never answered.
 *
 * @internal
 */
import * as Net from "node:net"
import * as Arr from "effect/Array"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Socket from "effect/socket/Socket"
import { decodeClientFrame } from "../../protocol/frames.js"
import type * as ServerConfig from "../ServerConfig.js"
import { formatInstant } from "../TimeZone.js"
import type { Engine } from "./engine.js"
import type { EventLog } from "./eventLog.js"
import type { Connection, Listeners, Outgoing } from "./listeners.js"
import * as WallClock from "./wallClock.js"

/**
 * Largest frame a listener may send. Its frames are small (`ack`, `nack`
 * with a diagnostic kept up to 8 KB, `accept`, `pong`); without a bound `ws`
 * would buffer up to 100 MiB per frame. A bigger frame closes the connection
 * with 1009 (Message Too Big), and its deliveries are retried as for any
 * listener that drops.
 *
 * @internal
 */
export const MAX_LISTENER_FRAME_BYTES = 64 * 1024

/** @internal */
export const CLOSE_AUTHENTICATION_FAILED = 4001

/** How long a refused socket may take to acknowledge its close frame. */
const REFUSAL_GRACE_MILLIS = 1000

/** Reads frames until the socket closes (every close, clean or not, ends the pull with an error). */
const readUntilClosed = (
  pull: Effect.Effect<ReadonlyArray<Uint8Array | string>, Socket.SocketError>,
  onText: (text: string) => Effect.Effect<void>
): Effect.Effect<void> =>
  Effect.forever(Effect.flatMap(pull, (batch) =>
    Effect.forEach(batch, (data) => typeof data === "string" ? onText(data) : Effect.void, { discard: true }))).pipe(
      Effect.ignore
    )

type Writer = Effect.Success<Socket.Socket["writer"]>

/**
 * Writes a batch of queued frames: the text frames between close events in
 * one `writeAll`, with the connection's TCP socket corked around the batch,
 * so a burst of `hook` frames leaves in one `writev` instead of a write
 * system call per frame (with 10,000 hooks due at once the frames otherwise
 * queued behind one syscall each). Order is kept.
 */
const writeBatch = (
  writer: Writer,
  tcp: Net.Socket | undefined,
  batch: ReadonlyArray<Outgoing>
): Effect.Effect<void, Socket.SocketError> =>
  Effect.suspend(() => {
    let written: Effect.Effect<void, Socket.SocketError> = Effect.void
    let frames: Array<string> = []
    const flush = () => {
      if (Arr.isArrayNonEmpty(frames)) written = Effect.andThen(written, writer.writeAll(frames))
      frames = []
    }
    for (const item of batch) {
      if (typeof item === "string") {
        frames.push(item)
      } else {
        flush()
        written = Effect.andThen(written, writer.write(item))
      }
    }
    flush()
    if (tcp === undefined || batch.length === 1) return written
    tcp.cork()
    return Effect.ensuring(written, Effect.sync(() => tcp.uncork()))
  })

/** The TCP socket under an upgraded Node request, when there is one (to cork it around a batch). */
const tcpSocketOf = (request: HttpServerRequest.HttpServerRequest): Net.Socket | undefined => {
  const source = request.source
  return "socket" in source && source.socket instanceof Net.Socket ? source.socket : undefined
}

/** @internal */
export const make = (deps: {
  readonly config: ServerConfig.Resolved
  readonly engine: Engine
  readonly listeners: Listeners
  readonly events: EventLog
}) => {
  const { config, engine, events, listeners } = deps
  const pingMillis = Math.max(1, Duration.toMillis(config.pingInterval))

  const onText = (connection: Connection, text: string): Effect.Effect<void> => {
    const message = decodeClientFrame(text)
    if (Option.isNone(message)) {
      connection.send({
        _tag: "error",
        code: "invalid_message",
        message: "expected a JSON ack, accept, nack or pong message"
      })
      return Effect.void
    }
    return engine.onFrame(connection, message.value).pipe(
      Effect.catchCause((cause) => Effect.logError("local Posthook: handling a WebSocket frame failed", cause))
    )
  }

  const serveListener = (socket: Socket.Socket, tcp: Net.Socket | undefined, forward: boolean, now: number) =>
    Effect.gen(function*() {
      const { pull } = yield* socket.reader
      const writer = yield* socket.writer
      const outbox = yield* Effect.acquireRelease(Queue.unbounded<Outgoing>(), Queue.shutdown)
      const connection = listeners.connect({ forward, now, outbox })
      // One writer drains the outbox, everything queued at each turn in one batch: frames go out in
      // order, and a closed socket only stalls this fiber.
      yield* Effect.forkScoped(
        Effect.forever(Effect.flatMap(Queue.takeAll(outbox), (batch) => writeBatch(writer, tcp, batch))).pipe(
          Effect.ignore
        )
      )
      connection.send({
        _tag: "connected",
        connectionId: connection.id,
        projectId: config.projectId,
        projectName: config.projectName,
        serverTime: formatInstant(now)
      })
      yield* Effect.forkScoped(Effect.forever(
        Effect.andThen(
          WallClock.sleep(pingMillis),
          Effect.flatMap(Clock.currentTimeMillis, (at) =>
            Effect.sync(() => connection.send({ _tag: "ping", timestamp: Math.floor(at / 1000) })))
        )
      ))
      yield* events.emit({ _tag: "ListenerConnected", connectionId: connection.id, forward })

      yield* readUntilClosed(pull, (text) => onText(connection, text)).pipe(
        Effect.ensuring(Effect.gen(function*() {
          const unanswered = listeners.disconnect(connection)
          connection.close(new Socket.CloseEvent(1000))
          yield* engine.onDisconnect(connection, unanswered).pipe(
            Effect.catchCause((cause) => Effect.logError("local Posthook: releasing a listener's hooks failed", cause))
          )
          yield* events.emit({ _tag: "ListenerDisconnected", connectionId: connection.id })
        }))
      )
    })

  const refuse = (socket: Socket.Socket) =>
    Effect.gen(function*() {
      const { pull } = yield* socket.reader
      const { write } = yield* socket.writer
      // While shutting down, a listener that reconnected after `closing` is sent away with 1001 (a
      // normal, retryable close) rather than 4001, which would tell it its credentials are bad.
      const refusal = listeners.accepting()
        ? new Socket.CloseEvent(CLOSE_AUTHENTICATION_FAILED, "invalid, used or expired ticket")
        : new Socket.CloseEvent(1001, "the local Posthook server is shutting down")
      yield* Effect.ignore(write(refusal))
      yield* WallClock.raceWithTimeout(readUntilClosed(pull, () => Effect.void), REFUSAL_GRACE_MILLIS)
    })

  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const url = new URL(request.url, "http://localhost")
    const ticket = url.searchParams.get("ticket") ?? ""
    const forward = url.searchParams.get("forward") === "true"
    const now = yield* Clock.currentTimeMillis
    const valid = ticket.length > 0 && listeners.redeemTicket(ticket, now)
    const tcp = tcpSocketOf(request)
    const socket = yield* request.upgrade
    yield* (valid ? serveListener(socket, tcp, forward, now) : refuse(socket)).pipe(
      Effect.catchTag("SocketError", () => Effect.void)
    )
    return HttpServerResponse.empty()
  }).pipe(
    Effect.scoped,
    // Request handlers run uninterruptibly by default: let a closing server stop this one.
    Effect.interruptible,
    Effect.catchTag("HttpServerError", () =>
      Effect.succeed(HttpServerResponse.jsonUnsafe({ error: "expected a WebSocket upgrade" }, { status: 400 })))
  )
}

/**
 * Tells every listener the server is going away (`closing`, then close 1001);
 * returns how many there were.
 *
 * @internal
 */
export const closeAll = (listeners: Listeners, reason: string, message: string): Effect.Effect<number> =>
  Effect.sync(() => {
    const connections = listeners.all()
    for (const connection of connections) {
      connection.send({ _tag: "closing", reason, message })
      connection.close(new Socket.CloseEvent(1001, message))
    }
    return connections.length
  })
