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
 * A `hook` frame becomes a `Delivery` in `frameDelivery.ts`; answers leave
 * through `answerWriter.ts`.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import { constVoid } from "effect/Function"
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
import { acceptSeconds, type Delivery, Result } from "../Delivery.js"
import type * as Listener from "../Listener.js"
import * as PosthookError from "../PosthookError.js"
import * as WsProtocol from "../protocol/frames.js"
import * as AnswerWriter from "./answerWriter.js"
import * as FrameDelivery from "./frameDelivery.js"
import type { Transport } from "./transport.js"

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
// Answers
// ---------------------------------------------------------------------------

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

/** `answerFrame`, encoded, without the frame object in between: one goes out per delivery. */
const answerText = (hookId: string, result: Result): string =>
  result._tag === "Ack"
    ? WsProtocol.encodeClientFrame({ _tag: "ack", hookId })
    : WsProtocol.encodeClientFrame(answerFrame(hookId, result))

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

const utf8Decoder = new TextDecoder()

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
 * neither block nor throw: fork, buffer or answer. It may return a function
 * that stops the work it started: called (at most once) when the server
 * reports `ack_timeout` for the delivery, whose answer can no longer count.
 *
 * @internal
 */
export type Dispatch = (incoming: Incoming) => (() => void) | void

/** In a connection's backlog: a frame still to handle, or the Effect that handles one. */
type Backlogged<R> = string | Uint8Array | Effect.Effect<void, never, R>

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

/** How a connection ended when its socket closed with `code` (docs/protocol.md §4). */
const closedWith = (code: number, closeReason: string): Ended => {
  // Every close is reported with its code, 1000 and 1006 included: a
  // close we did not ask for is a drop.
  const finalMessage = finalCloseMessages.get(code)
  const detail = closeReason ? `: ${closeReason}` : ""
  return finalMessage === undefined
    ? lost(new PosthookError.WebSocketError({ message: `connection closed with code ${code}${detail}`, closeCode: code }))
    : final(new PosthookError.WebSocketError({ message: `${finalMessage} (close code ${code})${detail}`, closeCode: code }))
}

const socketFailed = (message: string, cause: unknown): Ended =>
  lost(new PosthookError.WebSocketError({ message, cause }))

const fromTicketError = (error: PosthookError.RequestError): Ended =>
  error._tag === "AuthenticationError" || error._tag === "ForbiddenError" ? final(error) : lost(error)

/**
 * Node's `ws` exposes WebSocket-level pings as events (the standard API does
 * not); where they are visible they count as signs of life too.
 */
const observePings = (ws: Socket.WebSocketLike, onPing: () => void): void => {
  if (Predicate.hasProperty(ws, "on") && Predicate.isFunction(ws.on)) ws.on("ping", onPing)
}

/** `ws`'s flow control, where the WebSocket has it. */
const pausable = (ws: Socket.WebSocketLike): { readonly pause: () => void; readonly resume: () => void } | undefined => {
  if (!Predicate.hasProperty(ws, "pause") || !Predicate.hasProperty(ws, "resume")) return undefined
  const { pause, resume } = ws
  if (!Predicate.isFunction(pause) || !Predicate.isFunction(resume)) return undefined
  return { pause: () => pause.call(ws), resume: () => resume.call(ws) }
}

/**
 * Frames waiting behind an Effect beyond which the socket is paused (where it
 * can be): callbacks that are slower than the server must not buffer without
 * bound.
 */
const BACKLOG_HIGH_WATER_MARK = 1024

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

/**
 * The unanswered deliveries of a connection, by hook id. An `ack_timeout`
 * names a hook: scanning every delivery in flight for it would cost
 * O(in flight) per timeout, so tens of thousands of stuck handlers timing out
 * would block the event loop for tens of seconds (and miss pings meanwhile).
 */
class Unanswered {
  /** Per hook: its one unanswered delivery, or several (a redelivery while an older attempt runs). */
  private readonly byHook = new Map<string, PendingDelivery | Array<PendingDelivery>>()
  private count = 0
  get size(): number {
    return this.count
  }
  add(pending: PendingDelivery): void {
    const hookId = pending.delivery.hookId
    const held = this.byHook.get(hookId)
    if (held === undefined) this.byHook.set(hookId, pending)
    else if (Array.isArray(held)) held.push(pending)
    else this.byHook.set(hookId, [held, pending])
    this.count++
  }
  delete(pending: PendingDelivery): void {
    const hookId = pending.delivery.hookId
    const held = this.byHook.get(hookId)
    if (held === pending) {
      this.byHook.delete(hookId)
      this.count--
    } else if (Array.isArray(held)) {
      const index = held.indexOf(pending)
      if (index === -1) return
      held.splice(index, 1)
      if (held.length === 0) this.byHook.delete(hookId)
      this.count--
    }
  }
  /** The unanswered deliveries of one hook (a copy). */
  of(hookId: string): Array<PendingDelivery> {
    const held = this.byHook.get(hookId)
    return held === undefined ? [] : Array.isArray(held) ? [...held] : [held]
  }
  /** Every unanswered delivery (a copy). */
  all(): Array<PendingDelivery> {
    return Array.from(this.byHook.values()).flat()
  }
}

/** Where a connection's answers go: the unanswered deliveries and the socket. */
interface AnswerSink {
  readonly pending: Unanswered
  /** Writes a frame; `false` when the connection can no longer carry it. */
  readonly send: (message: WsProtocol.ClientMessage) => boolean
  /** `send`, for a frame already encoded. */
  readonly sendText: (text: string) => boolean
}

/**
 * A delivery and its at-most-once answer. A class rather than closures: one
 * is made per delivery, and prototype methods cost nothing to create. Call
 * the methods on the object (they use `this`).
 */
class PendingDelivery implements Incoming {
  private answered = false
  /** Stops the dispatcher's work for this delivery (see `Dispatch`). */
  cancel: (() => void) | undefined = undefined
  constructor(readonly delivery: Delivery, private readonly sink: AnswerSink) {
    sink.pending.add(this)
  }
  answerUnsafe(result: Result): boolean {
    if (this.answered) return false
    this.answered = true
    this.sink.pending.delete(this)
    return this.sink.sendText(answerText(this.delivery.hookId, result))
  }
  answer(result: Result): Effect.Effect<boolean> {
    return Effect.sync(() => this.answerUnsafe(result))
  }
  /**
   * The server stopped waiting for this attempt (`ack_timeout`): no answer
   * can count any more, so none is sent, and the work is stopped.
   */
  expire(): void {
    if (this.answered) return
    this.answered = true
    this.sink.pending.delete(this)
    const cancel = this.cancel
    this.cancel = undefined
    cancel?.()
  }
}

/**
 * The deliveries of a connection that an `ack_timeout` for `hookId` and
 * `attempt` covers: that attempt, and earlier ones of the same hook still
 * waiting (the server has given up on those too).
 */
const expiredBy = (pending: Unanswered, hookId: string, attempt: number): Array<PendingDelivery> =>
  pending.of(hookId).filter((delivery) => (delivery.delivery.ws?.attempt ?? 0) <= attempt)

/**
 * One connection attempt and, when it succeeds, the connection's whole life.
 * `signal` tells the supervisor how it ended — possibly early (`closing`),
 * while this fiber keeps answering the deliveries in flight on it.
 *
 * The WebSocket is read here rather than through `Socket.fromWebSocket`,
 * whose reader buffers every frame (sizing each one) and wakes a fiber to
 * pull it: hook frames and pings are handled synchronously in the socket's
 * `message` event (decode, build the delivery, dispatch, or answer), as a
 * plain client would. Frames that run callbacks or log are handled as
 * Effects by the frame loop, in order with the rest (see `onMessage`); the
 * loop races the heartbeat watchdog (and, after `closing`, the grace period).
 * Answers are handed straight to the WebSocket (batched per synchronous run,
 * see `AnswerWriter`), whose `send` only buffers: answering costs no fiber
 * and no timer, and never waits.
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
    const create = yield* Socket.WebSocketConstructor
    let lastFrameAt = clock.currentTimeMillisUnsafe()
    const touch = () => {
      lastFrameAt = clock.currentTimeMillisUnsafe()
    }
    let dead = false
    let tornDown = false
    let connected = false
    let closing = false
    /** How the socket ended (closed, failed); the first report counts. */
    let socketEnd: Ended | undefined = undefined
    let opened = false
    const canWrite = () => socketEnd === undefined && !dead && !tornDown

    // Frames that need an Effect (callbacks, logs) and, while those run, every
    // frame after them, in arrival order, for the frame loop: the handling of
    // a frame already read, or a frame still to read.
    let backlog: Array<Backlogged<R>> = []
    let draining = false
    let paused = false
    // Resumes the fiber waiting for the socket to open, or the frame loop.
    let wake: (() => void) | undefined = undefined
    const wakeUp = () => wake?.()
    const end = (ended: Ended) => {
      if (socketEnd !== undefined) return
      socketEnd = ended
      wakeUp()
    }

    const created = yield* Effect.result(Effect.try({
      try: () => create(connectUrl(ticket, settings.forward)),
      catch: (cause) => socketFailed("socket Open error", cause)
    }))
    if (EffectResult.isFailure(created)) return yield* signal(created.failure)
    const ws = created.success
    const flow = pausable(ws)
    // Binary frames as bytes, not `Blob`s (the standard API's default).
    if ("binaryType" in ws) Object.assign(ws, { binaryType: "arraybuffer" })

    // Answers leave in batches where the WebSocket allows it (see `AnswerWriter`).
    const write = AnswerWriter.make(ws, () => end(socketFailed("socket Write error", undefined)))
    const sink: AnswerSink = {
      pending: new Unanswered(),
      send: (message) => canWrite() && write(WsProtocol.encodeClientFrame(message)),
      sendText: (text) => canWrite() && write(text)
    }

    /** Dispatches the delivery at once; an Effect only for a frame that has to be refused. */
    const onHook = (frame: FrameDelivery.HookFrame): Effect.Effect<void> | undefined => {
      const delivery = FrameDelivery.buildDelivery(frame, clock.currentTimeMillisUnsafe())
      if (typeof delivery !== "string") {
        const pending = new PendingDelivery(delivery, sink)
        const cancel = context.dispatch(pending)
        if (typeof cancel === "function") pending.cancel = cancel
        return undefined
      }
      const problem = delivery
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
      const message = WsProtocol.decodeServerFrameOrUndefined(text)
      if (message === undefined) return ignore(text)
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
        case "ack_timeout": {
          // Before anything else: the handler's permit is free for the next frame.
          const expired = expiredBy(sink.pending, message.hookId, message.attempt)
          for (const delivery of expired) delivery.expire()
          const stopped = expired.length > 0 ? "; its handler was interrupted" : ""
          return Effect.logWarning(
            `hook ${message.hookId} attempt ${message.attempt} was not answered in time${stopped}`
          ).pipe(
            Effect.andThen(
              runCallback("onAckTimeout", settings.onAckTimeout({ hookId: message.hookId, attempt: message.attempt }))
            )
          )
        }
        case "async_ack":
          return Effect.logDebug(`hook ${message.hookId} accepted; finish before ${message.deadline ?? "its deadline"}`)
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

    /**
     * The WebSocket's `message` listener: every frame counts as liveness, and
     * hooks and pings are handled on the spot, in the event that carried them
     * (no buffer, no fiber wake-up per frame). A frame that needs an Effect,
     * and every frame after it until the frame loop has caught up, goes to
     * the backlog, so frames are always handled in order.
     */
    const onMessage = (event: Socket.WebSocketEvent): void => {
      touch()
      if (tornDown) return
      const data = event.data
      if (typeof data !== "string" && !(data instanceof Uint8Array) && !(data instanceof ArrayBuffer)) {
        // A `Blob` (a WebSocket whose binaryType could not be set): read in order.
        if (typeof Blob !== "undefined" && data instanceof Blob) {
          queue(Effect.flatMap(Effect.promise(() => data.text()), (text) => onFrame(text) ?? Effect.void))
        }
        return
      }
      const raw = data instanceof ArrayBuffer ? new Uint8Array(data) : data
      if (draining || backlog.length > 0) {
        queue(raw)
        return
      }
      const handling = onFrame(raw)
      if (handling !== undefined) queue(handling)
    }
    const queue = (handling: Backlogged<R>) => {
      backlog.push(handling)
      if (flow !== undefined && !paused && backlog.length >= BACKLOG_HIGH_WATER_MARK) {
        paused = true
        flow.pause()
      }
      wakeUp()
    }
    const onOpen = () => {
      opened = true
      wakeUp()
    }
    const onClose = (event: Socket.WebSocketEvent) =>
      end(closedWith(typeof event.code === "number" ? event.code : 1006, event.reason ?? ""))
    const onError = (event: Socket.WebSocketEvent) =>
      end(socketFailed(opened ? "socket Read error" : "socket Open error", event))
    const detach = () => {
      ws.removeEventListener("message", onMessage)
      ws.removeEventListener("open", onOpen)
      ws.removeEventListener("error", onError)
      ws.removeEventListener("close", onClose)
      // Late errors (a handshake aborted by the close) stay handled.
      ws.addEventListener("error", constVoid)
    }
    ws.addEventListener("message", onMessage)
    ws.addEventListener("open", onOpen)
    ws.addEventListener("error", onError)
    ws.addEventListener("close", onClose)
    observePings(ws, touch)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        detach()
        if (flow !== undefined && paused) flow.resume()
        closeSocket(ws, dead)
      })
    )

    // Open, or how the attempt ended.
    opened ||= ws.readyState === AnswerWriter.OPEN
    if (!opened && socketEnd === undefined && ws.readyState >= AnswerWriter.CLOSING) end(closedWith(1006, ""))
    const openOutcome = yield* Effect.callback<Ended | undefined>((resume) => {
      // `wake` is cleared before `resume`, which may run the fiber on at once.
      const check = () => {
        if (socketEnd === undefined && !opened) return false
        wake = undefined
        resume(Effect.succeed(socketEnd))
        return true
      }
      if (check()) return
      wake = () => void check()
      return Effect.sync(() => {
        wake = undefined
      })
    }).pipe(
      Effect.timeoutOrElse({
        duration: settings.openTimeout,
        orElse: () => Effect.succeed(socketFailed("timed out opening the connection", undefined))
      })
    )
    if (openOutcome !== undefined) return yield* signal(openOutcome)
    touch()

    // Added after the socket's, so it runs before the socket is detached and
    // closed (finalizers run in reverse order): what is still unanswered is
    // nacked so the service retries it now rather than after the ack window.
    // The WebSocket sends what it has buffered before its close frame.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        if (canWrite() && sink.pending.size > 0) {
          yield* Effect.logDebug(`nacking ${sink.pending.size} unanswered deliveries before closing`)
          for (const unanswered of sink.pending.all()) unanswered.answerUnsafe(Result.nack(SHUTTING_DOWN))
        }
        tornDown = true
      })
    )

    /** The next frames that need an Effect, or how the socket ended once they are done. */
    const nextBatch = Effect.callback<Array<Backlogged<R>> | Ended>((resume) => {
      // `wake` is cleared before `resume`, which may run the fiber on at once.
      const check = () => {
        if (backlog.length > 0) {
          const batch = backlog
          backlog = []
          draining = true
          wake = undefined
          if (paused && flow !== undefined) {
            paused = false
            flow.resume()
          }
          resume(Effect.succeed(batch))
          return true
        }
        if (socketEnd === undefined) return false
        wake = undefined
        resume(Effect.succeed(socketEnd))
        return true
      }
      // Caught up: frames are handled on arrival again.
      draining = false
      if (check()) return
      wake = () => void check()
      return Effect.sync(() => {
        wake = undefined
      })
    })

    const readFrames: Effect.Effect<Ended, never, R> = Effect.gen(function*() {
      while (true) {
        const next = yield* nextBatch
        if (!Array.isArray(next)) return next
        for (const entry of next) {
          // Hooks and pings are still handled synchronously: after a `connected`
          // comes a burst of hooks, and an Effect each would double their cost.
          const handling = typeof entry === "string" || entry instanceof Uint8Array ? onFrame(entry) : entry
          if (handling !== undefined) yield* handling
        }
      }
    })

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
      // The first failure in a row is news; the ones after it (an outage
      // going on) would flood an Info log, one line per attempt.
      const lostMessage = `connection lost (${end.reason.message}); reconnecting in ${
        Duration.format(delay.value)
      } (attempt ${backoff.failures()})`
      yield* backoff.failures() === 1 ? Effect.logInfo(lostMessage) : Effect.logDebug(lostMessage)
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
