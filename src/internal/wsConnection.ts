/**
 * The WebSocket delivery source that `Listener.listen` and `Listener.stream`
 * share (docs/protocol.md §4): a ticket per attempt, the socket, frame handling,
 * ping → pong, the heartbeat, the reconnect schedule and the final errors.
 *
 * Shape: a supervisor loop starts one connection fiber per attempt and waits
 * for it to say how it ended. Every delivery is handed on as an `Incoming`
 * whose `answer` writes to the connection the delivery arrived on, at most
 * once. What is still unanswered when a connection is shut down by us is
 * nacked before the socket closes, so no delivery is left hanging.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import type * as DateTime from "effect/DateTime"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Pull from "effect/Pull"
import * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import * as EffectResult from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import { acceptSeconds, type Delivery, type ForwardRequest, Result } from "../Delivery.js"
import type * as Listener from "../Listener.js"
import * as PosthookError from "../PosthookError.js"
import { makeDelivery } from "./delivery.js"
import type { Transport } from "./transport.js"
import * as WsProtocol from "../protocol/frames.js"
import { decodeUtc } from "./utc.js"

// ---------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------

/** @internal */
export const DEFAULT_HEARTBEAT_TIMEOUT: Duration.Duration = Duration.seconds(45)
/** @internal */
export const DEFAULT_OPEN_TIMEOUT: Duration.Duration = Duration.seconds(10)
/**
 * How long a connection the server announced `closing` on may stay open to
 * answer the deliveries still in flight on it. After the 10 s ack window the
 * server has given up on them anyway.
 *
 * @internal
 */
export const CLOSING_GRACE: Duration.Duration = Duration.seconds(10)

/** The nack message for a delivery refused because the consumer is full (docs/protocol.md §4). @internal */
export const AT_CAPACITY = "At capacity"
/** @internal */
export const SHUTTING_DOWN = "Listener is shutting down"

const MAX_RECONNECT_DELAY = Duration.seconds(30)

/**
 * Exponential from 1 s, ×2, capped at 30 s, never giving up. Jitter scales
 * each delay by a random factor in [0.8, 1.0], so the cap is never exceeded
 * and clients that lost the same server do not come back in lockstep.
 *
 * @internal
 */
export const defaultReconnectSchedule: Schedule.Schedule<Duration.Duration, unknown> = Schedule.exponential(
  "1 second",
  2
).pipe(
  // `Schedule.jittered` spreads over [0.8, 1.2], which would pass the cap.
  Schedule.modifyDelay(({ duration }) =>
    Effect.map(
      Random.nextBetween(0.8, 1),
      (factor) => Duration.times(Duration.min(duration, MAX_RECONNECT_DELAY), factor)
    )
  )
)

// ---------------------------------------------------------------------------
// Ticket and URL
// ---------------------------------------------------------------------------

const Ticket = Schema.Struct({
  ticket: Schema.String,
  url: Schema.String,
  // Not needed here (a ticket is used at once), so not required.
  expiresAt: Schema.optional(Schema.String)
})

/** @internal */
export type Ticket = typeof Ticket.Type

/**
 * `POST /v1/ws/ticket`. Not retried by the transport: the reconnect schedule
 * is the one retry policy of a connection attempt.
 *
 * @internal
 */
export const requestTicket = (transport: Transport): Effect.Effect<Ticket, PosthookError.RequestError> =>
  Effect.map(
    transport.request({ method: "POST", path: "/v1/ws/ticket", idempotent: true }, Ticket, { retry: false }),
    (response) => response.data
  )

/**
 * `<url>?ticket=<url-encoded ticket>`, plus `&forward=true` in forward mode.
 *
 * @internal
 */
export const connectUrl = (ticket: Ticket, forward: boolean): string =>
  `${ticket.url}${ticket.url.includes("?") ? "&" : "?"}ticket=${encodeURIComponent(ticket.ticket)}${
    forward ? "&forward=true" : ""
  }`

// ---------------------------------------------------------------------------
// Frames → deliveries
// ---------------------------------------------------------------------------

/** @internal */
export type HookFrame = typeof WsProtocol.HookFrame.Type

/** `WebSocket.OPEN`, spelled out: runtimes without a global `WebSocket` have no constant to read. */
const OPEN = 1

const utf8 = new TextEncoder()
const utf8Decoder = new TextDecoder()

/**
 * Parses one date field of hook frames, remembering the last text it parsed.
 * Frames in a row often repeat a time (hooks scheduled in bulk share `postAt`
 * and `createdAt`), and a `DateTime.Utc` is immutable, so equal texts can
 * share one value: a parse plus DateTime's constructor cost about as much as
 * the rest of building a delivery.
 */
class UtcField {
  private lastText: string | undefined = undefined
  private lastValue: DateTime.Utc | undefined = undefined
  constructor(private readonly field: string) {}
  /** The date, or what is wrong with the text. */
  parse(text: string): DateTime.Utc | string {
    if (text === this.lastText && this.lastValue !== undefined) return this.lastValue
    // As `Schema.DateTimeUtc` reads it (not `Date.parse`: a text without an
    // offset is UTC, not the machine's local time).
    const value = decodeUtc(text)
    if (value === undefined) return `${this.field} is not a date: ${JSON.stringify(text)}`
    this.lastText = text
    this.lastValue = value
    return value
  }
}

const postAtField = new UtcField("postAt")
const postedAtField = new UtcField("postedAt")
const createdAtField = new UtcField("createdAt")
const updatedAtField = new UtcField("updatedAt")

/**
 * The raw body a WebSocket delivery stands for: the exact HTTP body in
 * forward mode, otherwise the JSON body an HTTP delivery would carry
 * (docs/protocol.md §2), built from the frame's own strings.
 */
const bodyOf = (frame: HookFrame, postedAt: string): Uint8Array =>
  utf8.encode(
    frame.forwardRequest?.body ??
      JSON.stringify({
        id: frame.id,
        path: frame.path,
        postAt: frame.postAt,
        postedAt,
        data: frame.data,
        createdAt: frame.createdAt,
        updatedAt: frame.updatedAt ?? frame.createdAt
      })
  )

const noBody = new Uint8Array(0)

/**
 * Makes `delivery.body` build its bytes on first read, then keep them. Over
 * WebSocket the body is synthesized (re-serializing `data` and encoding it),
 * which costs about as much as the rest of building the delivery, and few
 * handlers read it. It stays an enumerable property with the same bytes on
 * every read.
 *
 * Done after `makeDelivery`, which copies its fields eagerly; a `body` thunk
 * accepted by `makeDelivery` would avoid redefining the property.
 */
const defineLazyBody = (delivery: Delivery, build: () => Uint8Array): void => {
  let body: Uint8Array | undefined
  Object.defineProperty(delivery, "body", { enumerable: true, get: () => (body ??= build()) })
}

const forwardRequestOf = (frame: HookFrame): ForwardRequest | undefined => {
  const forward = frame.forwardRequest
  if (forward === undefined) return undefined
  return {
    body: forward.body,
    signature: forward.signature,
    ...(forward.authorization === undefined ? {} : { authorization: forward.authorization }),
    ...(forward.posthookId === undefined ? {} : { posthookId: forward.posthookId }),
    ...(forward.posthookTimestamp === undefined ? {} : { posthookTimestamp: forward.posthookTimestamp }),
    ...(forward.posthookSignature === undefined ? {} : { posthookSignature: forward.posthookSignature })
  }
}

/**
 * Builds the `Delivery` a `hook` frame stands for, in the same shape as an
 * HTTP delivery. A failure names what was wrong with the frame.
 *
 * @internal
 */
export const toDelivery = (frame: HookFrame, nowMillis: number): EffectResult.Result<Delivery, string> => {
  const timestamp = frame.timestamp ?? Math.floor(nowMillis / 1000)
  const postedAtText = frame.postedAt ?? new Date(timestamp * 1000).toISOString()
  const postAt = postAtField.parse(frame.postAt)
  if (typeof postAt === "string") return EffectResult.fail(postAt)
  const postedAt = postedAtField.parse(postedAtText)
  if (typeof postedAt === "string") return EffectResult.fail(postedAt)
  const createdAt = createdAtField.parse(frame.createdAt)
  if (typeof createdAt === "string") return EffectResult.fail(createdAt)
  const updatedAt = frame.updatedAt === undefined || frame.updatedAt === frame.createdAt
    ? createdAt
    : updatedAtField.parse(frame.updatedAt)
  if (typeof updatedAt === "string") return EffectResult.fail(updatedAt)
  const forwardRequest = forwardRequestOf(frame)
  // Built field by field: spreads after other properties leave V8's fast path (µs per delivery).
  const ws: { attempt: number; maxAttempts: number; forwardRequest?: ForwardRequest } = {
    attempt: frame.attempt,
    maxAttempts: frame.maxAttempts
  }
  if (forwardRequest !== undefined) ws.forwardRequest = forwardRequest
  const fields: { -readonly [K in keyof Omit<Delivery, "ack" | "nack">]: Omit<Delivery, "ack" | "nack">[K] } = {
    hookId: frame.id,
    timestamp,
    path: frame.path,
    data: frame.data,
    postAt,
    postedAt,
    createdAt,
    updatedAt,
    // Replaced by a lazy `body` right after (defineLazyBody).
    body: noBody,
    ws
  }
  if (frame.ackUrl !== undefined) fields.ackUrl = frame.ackUrl
  if (frame.nackUrl !== undefined) fields.nackUrl = frame.nackUrl
  const delivery = makeDelivery<unknown>(fields)
  defineLazyBody(delivery, () => bodyOf(frame, postedAtText))
  return EffectResult.succeed(delivery)
}

/**
 * The client frame that answers `hookId` with `result`.
 *
 * @internal
 */
export const answerFrame = (hookId: string, result: Result): WsProtocol.ClientMessage => {
  // A switch rather than `Result.$match`, which allocates its three cases on every answer.
  switch (result._tag) {
    case "Ack":
      return { _tag: "ack", hookId }
    case "Nack":
      return result.error === undefined ? { _tag: "nack", hookId } : { _tag: "nack", hookId, error: result.error }
    case "Accept":
      return { _tag: "accept", hookId, timeout: acceptSeconds(result.timeout) }
  }
}

/** The message to nack with when a handler failed, died or was interrupted. @internal */
export const failureMessage = (cause: Cause.Cause<unknown>): string => {
  const reason = Option.orElse(Cause.findErrorOption(cause), () => EffectResult.getSuccess(Cause.findDefect(cause)))
  if (Option.isNone(reason)) return Cause.hasInterruptsOnly(cause) ? "Handler was interrupted" : "Handler failed"
  const error = reason.value
  if (Predicate.hasProperty(error, "message") && typeof error.message === "string" && error.message.length > 0) {
    return error.message
  }
  if (Predicate.hasProperty(error, "_tag") && typeof error._tag === "string") return error._tag
  return typeof error === "string" ? error : String(error)
}

// ---------------------------------------------------------------------------
// Connections
// ---------------------------------------------------------------------------

/**
 * One delivery taken off the wire. `answer` and `answerUnsafe` are methods:
 * call them on the object rather than detaching them.
 *
 * @internal
 */
export interface Incoming {
  readonly delivery: Delivery
  /**
   * Queues the answer on the connection the delivery came on. Only the first
   * answer of a delivery does anything; `false` when the answer cannot go out
   * (already answered, or the connection is gone — the service then
   * redelivers). Never fails, never waits.
   */
  answer(result: Result): Effect.Effect<boolean>
  /**
   * `answer`, done at once: for dispatchers outside a fiber (the frame loop's
   * synchronous dispatch, fiber observers), where building and running an
   * Effect per answer would be pure overhead.
   */
  answerUnsafe(result: Result): boolean
}

/**
 * Hands a delivery on. Called synchronously by the frame loop, so it must
 * neither block nor throw: fork, buffer or answer.
 *
 * @internal
 */
export type Dispatch = (incoming: Incoming) => void

/** How one connection (or connection attempt) ended, as the supervisor sees it. */
type Ended =
  | { readonly _tag: "Lost"; readonly reason: Listener.DisconnectReason }
  | { readonly _tag: "Final"; readonly error: Listener.ListenError }
  | { readonly _tag: "Closing" }

const lost = (reason: Listener.DisconnectReason): Ended => ({ _tag: "Lost", reason })
const final = (error: Listener.ListenError): Ended => ({ _tag: "Final", error })

/** Close codes after which reconnecting is pointless (docs/protocol.md §4). */
const finalCloseMessages: ReadonlyMap<number, string> = new Map([
  [4001, "authentication failed"],
  [4003, "forbidden"]
])

const fromSocketError = (error: Socket.SocketError): Ended => {
  const reason = error.reason
  switch (reason._tag) {
    case "SocketCloseError": {
      // Every close is reported with its code, 1000 and 1006 included: a
      // close we did not ask for is a drop (docs/protocol.md §4).
      const finalMessage = finalCloseMessages.get(reason.code)
      const detail = reason.closeReason ? `: ${reason.closeReason}` : ""
      return finalMessage === undefined
        ? lost(new PosthookError.WebSocketError({
          message: `connection closed with code ${reason.code}${detail}`,
          closeCode: reason.code
        }))
        : final(new PosthookError.WebSocketError({
          message: `${finalMessage} (close code ${reason.code})${detail}`,
          closeCode: reason.code
        }))
    }
    case "SocketOpenError":
      return lost(new PosthookError.WebSocketError({
        message: reason.kind === "Timeout" ? "timed out opening the connection" : "socket Open error",
        cause: reason.cause
      }))
    case "SocketReadError":
      return lost(new PosthookError.WebSocketError({ message: "socket Read error", cause: reason.cause }))
    case "SocketWriteError":
      return lost(new PosthookError.WebSocketError({ message: "socket Write error", cause: reason.cause }))
    case "SocketUpgradeError":
      return lost(new PosthookError.WebSocketError({ message: "socket Upgrade error", cause: reason.cause }))
  }
}

const fromTicketError = (error: PosthookError.RequestError): Ended =>
  error._tag === "AuthenticationError" || error._tag === "ForbiddenError" ? final(error) : lost(error)

/**
 * Every frame that arrives counts as liveness, at once: the socket's reader
 * buffers frames until the frame loop pulls them, and a busy frame loop must
 * not make a live connection look dead. Node's `ws` also exposes
 * WebSocket-level pings as events (the standard API does not); where they
 * are visible they count too.
 */
const observeFrames = (ws: Socket.WebSocketLike, onFrame: () => void): void => {
  ws.addEventListener("message", onFrame)
  if (Predicate.hasProperty(ws, "on") && Predicate.isFunction(ws.on)) ws.on("ping", onFrame)
}

const closeSocket = (ws: Socket.WebSocketLike, dead: boolean): void => {
  // A dead peer never answers the close handshake; `ws` would then hold the
  // TCP socket for its 30 s close timeout. Terminate instead when we can.
  if (dead && Predicate.hasProperty(ws, "terminate") && Predicate.isFunction(ws.terminate)) {
    ws.terminate()
  } else {
    ws.close(1000)
  }
}

/** The resolved options a connection runs with. @internal */
export interface Settings<R> {
  readonly forward: boolean
  readonly reconnect: Schedule.Schedule<unknown, Listener.DisconnectReason>
  readonly heartbeatTimeout: Duration.Duration
  readonly openTimeout: Duration.Duration
  readonly closingGrace: Duration.Duration
  readonly onConnected: (info: Listener.ConnectionInfo) => Effect.Effect<unknown, unknown, R>
  readonly onDisconnected: (reason: Listener.DisconnectReason) => Effect.Effect<unknown, unknown, R>
  readonly onReconnecting: (info: Listener.ReconnectInfo) => Effect.Effect<unknown, unknown, R>
  readonly onAckTimeout: (info: Listener.AckTimeoutInfo) => Effect.Effect<unknown, unknown, R>
}

/** @internal */
export const settings = <R>(options: Listener.ConnectionOptions<R>): Settings<R> => ({
  forward: options.forward ?? false,
  reconnect: options.reconnect ?? defaultReconnectSchedule,
  heartbeatTimeout: Duration.fromInputUnsafe(options.heartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT),
  openTimeout: Duration.fromInputUnsafe(options.openTimeout ?? DEFAULT_OPEN_TIMEOUT),
  closingGrace: CLOSING_GRACE,
  onConnected: options.onConnected ?? (() => Effect.void),
  onDisconnected: options.onDisconnected ?? (() => Effect.void),
  onReconnecting: options.onReconnecting ?? (() => Effect.void),
  onAckTimeout: options.onAckTimeout ?? (() => Effect.void)
})

/** A user callback must neither stop nor break the connection: failures are logged. */
const runCallback = <R>(name: string, callback: Effect.Effect<unknown, unknown, R>): Effect.Effect<void, never, R> =>
  callback.pipe(
    Effect.catchCause((cause) => Effect.logWarning(`${name} callback failed`, cause)),
    Effect.asVoid
  )

const describe = (text: string): string => (text.length > 200 ? `${text.slice(0, 200)}… (${text.length} chars)` : text)

/** A frame that looks like a `hook` and names its id, but does not decode. */
const MalformedHook = Schema.fromJsonString(Schema.Struct({ type: Schema.Literal("hook"), id: Schema.String }))
const decodeMalformedHook = Schema.decodeUnknownOption(MalformedHook)

interface Context<R> {
  readonly settings: Settings<R>
  readonly transport: Transport
  readonly dispatch: Dispatch
  /** Called when a `connected` frame arrives: resets the reconnect schedule. */
  readonly resetBackoff: Effect.Effect<void>
}

/** Where a connection's answers go: the unanswered set and the socket. */
interface AnswerSink {
  readonly pending: Set<PendingDelivery>
  /** Writes a frame; `false` when the connection can no longer carry it. */
  readonly send: (message: WsProtocol.ClientMessage) => boolean
}

/**
 * A delivery and its at-most-once answer. A class rather than closures: one
 * is made per delivery, and prototype methods cost nothing to create. Call
 * the methods on the object (they use `this`).
 */
class PendingDelivery implements Incoming {
  private answered = false
  constructor(readonly delivery: Delivery, private readonly sink: AnswerSink) {
    sink.pending.add(this)
  }
  answerUnsafe(result: Result): boolean {
    if (this.answered) return false
    this.answered = true
    this.sink.pending.delete(this)
    return this.sink.send(answerFrame(this.delivery.hookId, result))
  }
  answer(result: Result): Effect.Effect<boolean> {
    return Effect.sync(() => this.answerUnsafe(result))
  }
}

/**
 * One connection attempt and, when it succeeds, the connection's whole life.
 * `signal` tells the supervisor how it ended — possibly early (`closing`),
 * while this fiber keeps answering the deliveries in flight on it.
 *
 * The frame loop pulls batches from the socket's reader and races the
 * heartbeat watchdog (and, after `closing`, the grace period). Answers are
 * handed straight to the WebSocket, whose `send` only buffers: answering
 * costs no fiber and no timer, and never waits. Not the socket's `writer`,
 * which would cost an Effect per frame.
 *
 * Hook frames and pings are handled synchronously inside the frame loop
 * (decode, build the delivery, dispatch, or answer): an Effect per frame
 * would cost more than the frame itself. Frames that run callbacks or log
 * are handled as Effects, in order with the rest.
 */
const connection = <R>(
  context: Context<R>,
  serial: number,
  signal: (ended: Ended) => Effect.Effect<void>
): Effect.Effect<void, never, R | Socket.WebSocketConstructor> =>
  Effect.gen(function*() {
    const { settings } = context
    const scope = yield* Effect.scope
    const clock = yield* Clock.Clock
    const ticket = yield* requestTicket(context.transport)
    let lastFrameAt = clock.currentTimeMillisUnsafe()
    // Called by the WebSocket's own listeners as frames arrive (see observeFrames).
    const touch = () => {
      lastFrameAt = clock.currentTimeMillisUnsafe()
    }
    let socketEnded = false
    let dead = false
    let tornDown = false
    let connected = false
    let closing = false
    const canWrite = () => !socketEnded && !dead && !tornDown
    // The socket this attempt opened; set once it exists.
    let webSocket: Socket.WebSocketLike | undefined

    const create = yield* Socket.WebSocketConstructor
    const socket = yield* Socket.fromWebSocket(
      Effect.acquireRelease(
        Effect.try({
          try: () => {
            const ws = create(connectUrl(ticket, settings.forward))
            observeFrames(ws, touch)
            webSocket = ws
            return ws
          },
          catch: (cause) => new Socket.SocketError({ reason: new Socket.SocketOpenError({ kind: "Unknown", cause }) })
        }),
        (ws) => Effect.sync(() => closeSocket(ws, dead))
      ),
      // One socket per attempt: the supervisor owns reconnecting.
      { openTimeout: settings.openTimeout, disableReconnects: true }
    )

    const write = (text: string): boolean => {
      const ws = webSocket
      if (ws === undefined || ws.readyState !== OPEN) return false
      try {
        ws.send(text)
        return true
      } catch {
        socketEnded = true
        return false
      }
    }
    const sink: AnswerSink = {
      pending: new Set(),
      send: (message) => canWrite() && write(WsProtocol.encodeClientFrame(message))
    }

    /** Dispatches the delivery at once; an Effect only for a frame that has to be refused. */
    const onHook = (frame: HookFrame): Effect.Effect<void> | undefined => {
      const delivery = toDelivery(frame, clock.currentTimeMillisUnsafe())
      if (EffectResult.isSuccess(delivery)) {
        context.dispatch(new PendingDelivery(delivery.success, sink))
        return undefined
      }
      const problem = delivery.failure
      const refusal = answerFrame(frame.id, Result.nack(`malformed hook frame: ${problem}`))
      return Effect.logWarning(`malformed hook frame ${frame.id}: ${problem}; nacking`).pipe(
        Effect.andThen(Effect.sync(() => void sink.send(refusal)))
      )
    }

    const ignore = (text: string): Effect.Effect<void> =>
      Option.match(decodeMalformedHook(text), {
        onNone: () => Effect.logDebug(`ignored frame: ${describe(text)}`),
        onSome: ({ id }) =>
          Effect.logWarning(`malformed hook frame ${id}; nacking: ${describe(text)}`).pipe(
            Effect.andThen(Effect.sync(() => void sink.send(answerFrame(id, Result.nack("malformed hook frame")))))
          )
      })

    // Completed `closingGrace` after a `closing` frame: the connection then ends.
    const graceOver = yield* Deferred.make<Ended>()

    /**
     * Handles one frame. Hooks and pings are handled on the spot and give
     * `undefined`; the other frames give the Effect that handles them.
     */
    const onFrame = (raw: string | Uint8Array): Effect.Effect<void, never, R> | undefined => {
      const text = typeof raw === "string" ? raw : utf8Decoder.decode(raw)
      const decoded = WsProtocol.decodeServerFrame(text)
      if (Option.isNone(decoded)) return ignore(text)
      const message = decoded.value
      switch (message._tag) {
        case "hook":
          return onHook(message)
        case "ping":
          sink.send({ _tag: "pong" })
          return undefined
        case "connected": {
          connected = true
          const info: Listener.ConnectionInfo = {
            connectionId: message.connectionId,
            projectId: message.projectId,
            projectName: message.projectName,
            ...(message.serverTime === undefined ? {} : { serverTime: message.serverTime })
          }
          return Effect.logDebug(`connected to project ${info.projectName} (${info.connectionId})`).pipe(
            Effect.andThen(context.resetBackoff),
            Effect.andThen(runCallback("onConnected", settings.onConnected(info)))
          )
        }
        case "ack_timeout":
          return Effect.logWarning(`hook ${message.hookId} attempt ${message.attempt} was not answered in time`).pipe(
            Effect.andThen(
              runCallback("onAckTimeout", settings.onAckTimeout({ hookId: message.hookId, attempt: message.attempt }))
            )
          )
        case "async_ack":
          return Effect.logDebug(`hook ${message.hookId} accepted; finish before ${message.deadline}`)
        case "error":
          return Effect.logWarning(`server reported ${message.code ?? "an error"}: ${message.message ?? ""}`)
        case "closing": {
          if (closing) return Effect.void
          const reason = new PosthookError.WebSocketError({
            message: `server is closing the connection${message.reason ? ` (${message.reason})` : ""}${
              message.message ? `: ${message.message}` : ""
            }`
          })
          return Effect.logInfo(`${reason.message}; reconnecting`).pipe(
            Effect.andThen(connected ? runCallback("onDisconnected", settings.onDisconnected(reason)) : Effect.void),
            Effect.andThen(Effect.sync(() => void (closing = true))),
            Effect.andThen(signal({ _tag: "Closing" })),
            // Keep answering what is in flight here, but not for ever.
            Effect.andThen(Effect.forkIn(
              Effect.delay(
                Deferred.succeed(graceOver, lost(new PosthookError.WebSocketError({ message: "connection ended" }))),
                settings.closingGrace
              ),
              scope
            )),
            Effect.asVoid
          )
        }
      }
    }

    const opened = yield* Effect.result(socket.reader)
    if (EffectResult.isFailure(opened)) {
      socketEnded = true
      return yield* signal(fromSocketError(opened.failure))
    }
    const { pull } = opened.success
    touch()

    // Added after the reader, so it runs before the socket is detached and
    // closed (finalizers run in reverse order): what is still unanswered is
    // nacked so the service retries it now rather than after the ack window.
    // The WebSocket sends what it has buffered before its close frame.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        if (canWrite() && sink.pending.size > 0) {
          yield* Effect.logDebug(`nacking ${sink.pending.size} unanswered deliveries before closing`)
          for (const unanswered of Array.from(sink.pending)) unanswered.answerUnsafe(Result.nack(SHUTTING_DOWN))
        }
        tornDown = true
      })
    )

    const readFrames: Effect.Effect<Ended, never, R> = Effect.gen(function*() {
      while (true) {
        const batch = yield* pull
        for (const raw of batch) {
          const handling = onFrame(raw)
          if (handling !== undefined) yield* handling
        }
      }
    }).pipe(
      Effect.catch((error) =>
        Effect.sync(() => {
          socketEnded = true
          return fromSocketError(error)
        })
      )
    )

    // One timer per heartbeat period, not one per frame.
    const heartbeatMillis = Duration.toMillis(settings.heartbeatTimeout)
    const watchdog: Effect.Effect<Ended> = Effect.gen(function*() {
      while (true) {
        const silentFor = clock.currentTimeMillisUnsafe() - lastFrameAt
        if (silentFor >= heartbeatMillis) {
          dead = true
          return lost(new PosthookError.WebSocketError({
            message: `no frame received for ${Duration.format(settings.heartbeatTimeout)}; connection presumed dead`
          }))
        }
        yield* Effect.sleep(Duration.millis(heartbeatMillis - silentFor))
      }
    })

    const ended = yield* Effect.raceAll([readFrames, watchdog, Deferred.await(graceOver)])
    if (connected && !closing) {
      const reason = ended._tag === "Lost" ? ended.reason : ended._tag === "Final" ? ended.error : undefined
      if (reason !== undefined) yield* runCallback("onDisconnected", settings.onDisconnected(reason))
    }
    yield* signal(ended)
  }).pipe(
    Effect.catch((error) => signal(fromTicketError(error))),
    Effect.scoped,
    Effect.annotateLogs({ package: "posthook-effect", "ws.connection": serial }),
    Effect.withSpan("Posthook.ws.connection", { attributes: { "posthook.ws.connection": serial } })
  )

/**
 * The reconnect schedule as the supervisor drives it: one step per failed
 * attempt, fed with the reason, started afresh by `reset` (a `connected`
 * frame).
 */
interface Backoff {
  /** The delay before the next attempt, or `None` when the schedule is done. */
  readonly next: (now: number, reason: Listener.DisconnectReason) => Effect.Effect<Option.Option<Duration.Duration>>
  readonly reset: Effect.Effect<void>
  /** Failed attempts since the start or the last reset. */
  readonly failures: () => number
}

const makeBackoff = (schedule: Schedule.Schedule<unknown, Listener.DisconnectReason>): Effect.Effect<Backoff> =>
  Effect.gen(function*() {
    let step = yield* Schedule.toStep(schedule)
    let failures = 0
    return {
      next: (now, reason) =>
        Effect.suspend(() => {
          failures += 1
          return Pull.matchEffect(step(now, reason), {
            onSuccess: ([, delay]) => Effect.succeed(Option.some(delay)),
            onDone: () => Effect.succeed(Option.none()),
            onFailure: Effect.failCause
          })
        }),
      reset: Effect.map(Schedule.toStep(schedule), (fresh) => {
        step = fresh
        failures = 0
      }),
      failures: () => failures
    }
  })

/**
 * Connects and keeps connecting until a final error: the reconnect loop.
 * Hands every delivery to `dispatch`, synchronously and in order.
 *
 * @internal
 */
export const run = <R>(
  transport: Transport,
  settings: Settings<R>,
  dispatch: Dispatch
): Effect.Effect<never, Listener.ListenError, R | Socket.WebSocketConstructor> =>
  Effect.gen(function*() {
    const backoff = yield* makeBackoff(settings.reconnect)
    const context: Context<R> = { settings, transport, dispatch, resetBackoff: backoff.reset }
    const connections = yield* FiberSet.make<void>()
    for (let serial = 1;; serial++) {
      const ended = yield* Deferred.make<Ended>()
      yield* FiberSet.run(
        connections,
        connection(context, serial, (end) => Effect.asVoid(Deferred.succeed(ended, end))).pipe(
          // A defect must not leave the supervisor waiting for ever.
          Effect.onExit((exit) => Exit.isFailure(exit) ? Deferred.failCause(ended, exit.cause) : Effect.void)
        )
      )
      const end = yield* Deferred.await(ended)
      if (end._tag === "Final") return yield* Effect.fail(end.error)
      if (end._tag === "Closing") continue
      const now = yield* Clock.currentTimeMillis
      const delay = yield* backoff.next(now, end.reason)
      if (Option.isNone(delay)) {
        return yield* Effect.fail(
          new PosthookError.WebSocketError({
            message: `gave up reconnecting after ${backoff.failures()} failed attempts: ${end.reason.message}`,
            cause: end.reason
          })
        )
      }
      yield* Effect.logInfo(
        `connection lost (${end.reason.message}); reconnecting in ${
          Duration.format(delay.value)
        } (attempt ${backoff.failures()})`
      )
      yield* runCallback(
        "onReconnecting",
        settings.onReconnecting({ attempt: backoff.failures(), delay: delay.value, reason: end.reason })
      )
      yield* Effect.sleep(delay.value)
    }
  }).pipe(Effect.scoped, Effect.annotateLogs({ package: "posthook-effect" }))

/**
 * The delivery source as a `Stream`, backed by a buffer of `bufferSize`:
 * deliveries that arrive while it is full are nacked with `At capacity` at
 * once. Ending the stream closes the connection, after nacking what is
 * unanswered.
 *
 * @internal
 */
export const incoming = <R>(
  transport: Transport,
  settings: Settings<R>,
  bufferSize: number
): Stream.Stream<Incoming, Listener.ListenError, R | Socket.WebSocketConstructor> =>
  Stream.unwrap(
    Effect.gen(function*() {
      const buffer = yield* Queue.make<Incoming, Listener.ListenError | Cause.Done>({
        capacity: Math.max(1, bufferSize),
        strategy: "dropping"
      })
      const offer: Dispatch = (next) => {
        if (!Queue.offerUnsafe(buffer, next)) next.answerUnsafe(Result.nack(AT_CAPACITY))
      }
      yield* run(transport, settings, offer).pipe(Queue.into(buffer), Effect.forkScoped)
      return Stream.fromQueue(buffer)
    })
  )
