/**
 * WebSocket delivery (docs/protocol.md §4): receive hooks over a WebSocket
 * instead of (or beside) an HTTP endpoint.
 *
 * Two views of one self-healing connection:
 *
 * - {@link listen} runs a handler per delivery and answers with its `Result`,
 *   like the HTTP handlers do;
 * - {@link stream} is a `Stream` of deliveries you answer yourself.
 *
 * Both fetch a fresh ticket for every connection attempt, answer `ping` with
 * `pong`, treat 45 s of silence as a dead connection, and reconnect with a
 * `Schedule` (by default exponential from 1 s, ×2, capped at 30 s, jittered,
 * never giving up; a `connected` frame resets it). Only a ticket answered
 * 401 / 403, or the close codes 4001 / 4003, end them with an error.
 *
 * The WebSocket itself comes from `Socket.WebSocketConstructor`
 * (`effect/socket/Socket`), which the app provides: on Node 22 and other
 * runtimes with a global `WebSocket`, `Socket.layerWebSocketConstructorGlobal`
 * (or `NodeSocket.layerWebSocketConstructor` from
 * `@effect/platform-node/NodeSocket`, which also uses the global one);
 * `NodeWS.layerWebSocketConstructor` from `@effect/platform-node/NodeWS`
 * uses the `ws` package instead, whose WebSocket-level pings also count as
 * signs of life. The SDK itself depends on neither.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as HttpClient from "effect/http/HttpClient"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import type * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import { type AcceptTimeout, type Delivery, Result } from "./Delivery.js"
import * as PosthookConfig from "./PosthookConfig.js"
import type * as PosthookError from "./PosthookError.js"
import * as Transport from "./internal/transport.js"
import * as WsConnection from "./internal/wsConnection.js"

/**
 * What the server says about the connection once it is established.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Listener } from "posthook-effect"
 *
 * const onConnected = (info: Listener.ConnectionInfo) =>
 *   Effect.log(`connected to ${info.projectName} as ${info.connectionId}`)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectionInfo {
  readonly connectionId: string
  readonly projectId: string
  readonly projectName: string
  /** The server's clock when it accepted the connection (RFC 3339), when sent. */
  readonly serverTime?: string
}

/**
 * An attempt the server did not get an answer for within its ack window; the
 * service will retry it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Listener } from "posthook-effect"
 *
 * const onAckTimeout = (info: Listener.AckTimeoutInfo) =>
 *   Effect.logWarning(`hook ${info.hookId}: attempt ${info.attempt} got no answer in time`)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface AckTimeoutInfo {
  readonly hookId: string
  readonly attempt: number
}

/**
 * Why a connection was lost, or why a connection attempt failed: a
 * `WebSocketError` (dropped, closed, silent, `closing`, could not open) or
 * the error of the ticket request.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Listener } from "posthook-effect"
 *
 * const onDisconnected = (reason: Listener.DisconnectReason) =>
 *   Effect.logWarning(`disconnected (${reason._tag}): ${reason.message}`)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type DisconnectReason = PosthookError.WebSocketError | PosthookError.RequestError

/**
 * Passed to `onReconnecting` before waiting to reconnect.
 *
 * @example
 * ```ts
 * import { Duration, Effect } from "effect"
 * import type { Listener } from "posthook-effect"
 *
 * const onReconnecting = (info: Listener.ReconnectInfo) =>
 *   Effect.logWarning(`${info.reason.message}; retry ${info.attempt} in ${Duration.format(info.delay)}`)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ReconnectInfo {
  /** Failed attempts in a row, 1-based; reset by a `connected` frame. */
  readonly attempt: number
  /** How long the listener waits before the next attempt. */
  readonly delay: Duration.Duration
  readonly reason: DisconnectReason
}

/**
 * The errors that end a listener or a stream: the ticket request answered 401
 * (`AuthenticationError`) or 403 (`ForbiddenError`), or the server closed the
 * socket with 4001 / 4003 (`WebSocketError` with that `closeCode`). A
 * `WebSocketError` also ends it when a custom `reconnect` schedule gives up.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Listener } from "posthook-effect"
 *
 * const report = (listener: Listener.Listener) =>
 *   listener.wait.pipe(
 *     Effect.catchTags({
 *       AuthenticationError: () => Effect.logError("the API key was rejected"),
 *       ForbiddenError: () => Effect.logError("the API key may not listen"),
 *       WebSocketError: (error) => Effect.logError(`closed for good (${error.closeCode}): ${error.message}`)
 *     })
 *   )
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ListenError =
  | PosthookError.AuthenticationError
  | PosthookError.ForbiddenError
  | PosthookError.WebSocketError

/**
 * Options shared by {@link listen} and {@link stream}. Callbacks are Effects;
 * they run in order on the connection's fiber (keep them short, fork long
 * work), and a callback that fails is logged, never fatal.
 *
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { Listener } from "posthook-effect"
 *
 * const options: Listener.ConnectionOptions = {
 *   heartbeatTimeout: "60 seconds",
 *   reconnect: Listener.defaultReconnectSchedule.pipe(Schedule.upTo({ times: 10 })),
 *   onAckTimeout: (info) => Effect.logWarning(`hook ${info.hookId} timed out`)
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectionOptions<R = never> {
  /** Connect with `forward=true`: deliveries carry `ws.forwardRequest`. */
  readonly forward?: boolean | undefined
  /**
   * The delays between connection attempts, fed with the reason of each
   * failure. Default {@link defaultReconnectSchedule} (never gives up). To
   * give up like the official SDKs do after 10 failures in a row:
   * `Listener.defaultReconnectSchedule.pipe(Schedule.upTo({ times: 10 }))`.
   */
  readonly reconnect?: Schedule.Schedule<unknown, DisconnectReason> | undefined
  /** No frame for this long → the connection is dropped and re-made. Default 45 s. */
  readonly heartbeatTimeout?: Duration.Input | undefined
  /**
   * Accepted for compatibility and ignored: answers are handed to the
   * WebSocket, which buffers them, so no write waits and there is nothing
   * to bound.
   *
   * @deprecated No longer has any effect.
   */
  readonly writeTimeout?: Duration.Input | undefined
  /** Bound on opening the socket. Default 10 s. */
  readonly openTimeout?: Duration.Input | undefined
  /** After each `connected` frame. */
  readonly onConnected?: ((info: ConnectionInfo) => Effect.Effect<unknown, unknown, R>) | undefined
  /** When an established connection is lost (not when you close it). */
  readonly onDisconnected?: ((reason: DisconnectReason) => Effect.Effect<unknown, unknown, R>) | undefined
  /** Before waiting to reconnect. */
  readonly onReconnecting?: ((info: ReconnectInfo) => Effect.Effect<unknown, unknown, R>) | undefined
  /**
   * When the server reports an attempt that was not answered in time. Its
   * answer can no longer count: `listen` has already interrupted its handler
   * (freeing its `maxConcurrency` permit), and a stream delivery's answers
   * return `false`.
   */
  readonly onAckTimeout?: ((info: AckTimeoutInfo) => Effect.Effect<unknown, unknown, R>) | undefined
}

/**
 * Options for {@link listen}.
 *
 * @example
 * ```ts
 * import type { Listener } from "posthook-effect"
 *
 * const options: Listener.ListenOptions = { maxConcurrency: 10, gracePeriod: "30 seconds" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ListenOptions<R = never> extends ConnectionOptions<R> {
  /**
   * At most this many handlers run at once; a delivery that arrives while
   * all are busy is nacked at once with `At capacity` so the service retries
   * it. Default: unlimited.
   */
  readonly maxConcurrency?: number | undefined
  /**
   * On close (by `close`, the scope, or interruption), running handlers get
   * this long to finish and be answered; those still running after it are
   * interrupted and nacked, without waiting for them to end. Default 10 s
   * (the server's ack window).
   */
  readonly gracePeriod?: Duration.Input | undefined
}

/**
 * Options for {@link stream}.
 *
 * @example
 * ```ts
 * import type { Listener } from "posthook-effect"
 *
 * const options: Listener.StreamOptions = { bufferSize: 20, forward: true }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamOptions<R = never> extends ConnectionOptions<R> {
  /**
   * Deliveries received but not yet pulled. When the consumer falls behind
   * and the buffer is full, new deliveries are nacked at once with
   * `At capacity`. Default 100.
   */
  readonly bufferSize?: number | undefined
}

/**
 * A running listener.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Delivery, Listener } from "posthook-effect"
 *
 * // Stop after the first delivery.
 * const once = Effect.gen(function* () {
 *   const listener: Listener.Listener = yield* Listener.listen(() => Effect.succeed(Delivery.Result.ack()))
 *   yield* Effect.sleep("1 minute").pipe(Effect.andThen(listener.close), Effect.forkChild)
 *   yield* listener.wait
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Listener {
  /**
   * Completes when the listener is closed; fails with the error that ended
   * it (or dies with the defect that did). `listen` has logged that error
   * once, at Error.
   */
  readonly wait: Effect.Effect<void, ListenError>
  /**
   * Stops taking deliveries, lets running handlers finish within the grace
   * period, then closes the socket with code 1000. Closing the scope
   * `listen` ran in does the same.
   */
  readonly close: Effect.Effect<void>
}

/**
 * A delivery from {@link stream}, with the effects that answer it over the
 * socket. Only the first answer counts; each effect returns whether its
 * answer was sent (`false` when the delivery was already answered or its
 * connection is gone, in which case the service redelivers it). They never
 * fail.
 *
 * `delivery.ack` / `delivery.nack` are something else: the async-hook
 * callbacks (HTTP POSTs to `ackUrl` / `nackUrl`) used after `accept`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Listener } from "posthook-effect"
 *
 * const answer = (incoming: Listener.StreamDelivery) =>
 *   incoming.delivery.ws?.attempt === incoming.delivery.ws?.maxAttempts
 *     ? incoming.accept("10 minutes")
 *     : Effect.andThen(Effect.log(incoming.delivery.data), incoming.ack)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamDelivery {
  readonly delivery: Delivery
  /** Processed: the attempt is completed. */
  readonly ack: Effect.Effect<boolean>
  /** Failed: the service retries per the hook's policy. */
  readonly nack: (error?: string) => Effect.Effect<boolean>
  /** Async: finish through the delivery's callback URLs before `timeout`. */
  readonly accept: (timeout: AcceptTimeout) => Effect.Effect<boolean>
  /** Answers with a `Result`, as a `listen` handler would. */
  readonly respond: (result: Result) => Effect.Effect<boolean>
}

/**
 * The error a delivery is nacked with when the listener is at its
 * `maxConcurrency`, or the stream's buffer is full (docs/protocol.md §4).
 *
 * @example
 * ```ts
 * import { Listener } from "posthook-effect"
 *
 * console.log(Listener.AT_CAPACITY) // "At capacity"
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const AT_CAPACITY: string = WsConnection.AT_CAPACITY

/**
 * The default grace period for running handlers on close: 10 seconds.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { Listener } from "posthook-effect"
 *
 * console.log(Duration.format(Listener.DEFAULT_GRACE_PERIOD)) // "10s"
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_GRACE_PERIOD: Duration.Duration = Duration.seconds(10)

/**
 * The default buffer of {@link stream}: 100 deliveries.
 *
 * @example
 * ```ts
 * import { Listener } from "posthook-effect"
 *
 * console.log(Listener.DEFAULT_BUFFER_SIZE) // 100
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_BUFFER_SIZE = 100

/**
 * The default reconnect schedule: exponential from 1 s, ×2, capped at 30 s,
 * each delay scaled by a random factor in [0.8, 1.0] (so never above 30 s,
 * and clients that lost the same server do not return in lockstep). It never
 * gives up: a long-lived service must heal after any outage.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { Listener } from "posthook-effect"
 *
 * // Give up after 10 failed attempts in a row, like the official SDKs.
 * const tenTries = Listener.defaultReconnectSchedule.pipe(Schedule.upTo({ times: 10 }))
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultReconnectSchedule: Schedule.Schedule<Duration.Duration, unknown> =
  WsConnection.defaultReconnectSchedule

const transportFromContext: Effect.Effect<
  Transport.Transport,
  never,
  PosthookConfig.PosthookConfig | HttpClient.HttpClient
> = Effect.map(
  Effect.all([PosthookConfig.PosthookConfig, HttpClient.HttpClient]),
  ([config, client]) => Transport.make(config, client)
)

/**
 * Runs the handler; its failures and defects become a nack with their
 * message (logged). The handler's own result otherwise. Interruption (the
 * grace period ran out) is not caught here: the dispatcher answers it.
 */
const runHandler = <E, R>(
  handler: (delivery: Delivery) => Effect.Effect<Result, E, R>,
  delivery: Delivery,
  traced: boolean
): Effect.Effect<Result, never, R> => {
  // Called here rather than in `Effect.suspend`: one Effect less per delivery.
  // A handler that throws while building its Effect dies like one that throws inside it.
  let run: Effect.Effect<Result, E, R>
  try {
    run = handler(delivery)
  } catch (defect) {
    run = Effect.die(defect)
  }
  return Effect.catchCause(
    traced
      ? Effect.withSpan(run, "Posthook.ws.delivery", {
        // A stack trace per delivery would cost more than the delivery itself.
        captureStackTrace: false,
        attributes: {
          "posthook.hook_id": delivery.hookId,
          "posthook.path": delivery.path,
          "posthook.attempt": delivery.ws?.attempt ?? 0
        }
      })
      : run,
    (cause) =>
      Effect.logWarning(`handler failed for hook ${delivery.hookId}; nacking`, cause).pipe(
        Effect.as(Result.nack(WsConnection.failureMessage(cause)))
      )
  )
}

/**
 * The handler fibers still running. Not a `FiberSet`, whose finalizer waits
 * for every interrupted fiber to end: a handler that ignores interruption
 * would then hold `close` (and the scope) for ever.
 */
class HandlerFibers {
  private readonly fibers = new Set<Fiber.Fiber<Result>>()
  private emptied: Deferred.Deferred<void> | undefined = undefined
  add(fiber: Fiber.Fiber<Result>): void {
    this.fibers.add(fiber)
    fiber.addObserver(() => {
      this.fibers.delete(fiber)
      if (this.fibers.size === 0 && this.emptied !== undefined) Deferred.doneUnsafe(this.emptied, Exit.void)
    })
  }
  /** Completes once no handler is running. */
  readonly awaitEmpty: Effect.Effect<void> = Effect.suspend(() => {
    if (this.fibers.size === 0) return Effect.void
    this.emptied ??= Deferred.makeUnsafe<void>()
    return Deferred.await(this.emptied)
  })
  /** Interrupts every running handler, without waiting for them to end. */
  interruptAll(): void {
    for (const fiber of this.fibers) fiber.interruptUnsafe()
  }
}

/** The answer for a delivery that found every `maxConcurrency` permit taken. */
const atCapacity = (): Result => Result.nack(AT_CAPACITY)

/** The answer for a handler fiber's exit: its result, or a nack when it was interrupted. */
const resultOf = (exit: Exit.Exit<Result>): Result =>
  Exit.isSuccess(exit) ? exit.value : Result.nack(WsConnection.SHUTTING_DOWN)

/**
 * Connects over WebSocket and runs `handler` for every delivery, answering
 * with the `Result` it returns (`ack`, `nack(error?)`, `accept(timeout)`); a
 * handler that fails or dies nacks with the error's message. The handler is
 * the same one the HTTP handlers take, so one handler can serve both paths.
 *
 * The listener lives in the current `Scope`: closing it (or calling
 * `listener.close`) stops taking deliveries, lets running handlers finish
 * within `gracePeriod`, nacks what is still running, and closes the socket
 * with code 1000. `listener.wait` completes then, or fails with the
 * {@link ListenError} that ended the listener.
 *
 * @example
 * ```ts
 * import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
 * import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
 * import { Effect, Layer } from "effect"
 * import * as Socket from "effect/socket/Socket"
 * import { Delivery, Listener, PosthookConfig } from "posthook-effect"
 *
 * const program = Effect.gen(function* () {
 *   const listener = yield* Listener.listen(
 *     (delivery) =>
 *       Effect.log(`received ${delivery.hookId} -> ${delivery.path}`).pipe(Effect.as(Delivery.Result.ack())),
 *     {
 *       maxConcurrency: 10,
 *       onConnected: (info) => Effect.log(`connected to ${info.projectName}`)
 *     }
 *   )
 *   yield* listener.wait
 * })
 *
 * program.pipe(
 *   Effect.scoped,
 *   Effect.provide(
 *     Layer.mergeAll(
 *       PosthookConfig.layerConfig(),
 *       NodeHttpClient.layerUndici,
 *       // Node 22's global WebSocket
 *       Socket.layerWebSocketConstructorGlobal
 *     )
 *   ),
 *   NodeRuntime.runMain
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const listen = <E, R, RO = never>(
  handler: (delivery: Delivery) => Effect.Effect<Result, E, R>,
  options: ListenOptions<RO> = {}
): Effect.Effect<
  Listener,
  never,
  | Scope.Scope
  | R
  | RO
  | PosthookConfig.PosthookConfig
  | HttpClient.HttpClient
  | Socket.WebSocketConstructor
> =>
  Effect.gen(function*() {
    const transport = yield* transportFromContext
    const settings = WsConnection.settings(options)
    const gracePeriod = Duration.fromInputUnsafe(options.gracePeriod ?? DEFAULT_GRACE_PERIOD)
    const scope = yield* Scope.fork(yield* Effect.scope, "sequential")
    const closed = yield* Deferred.make<void, ListenError>()
    // Finalizers run in reverse: this one last, once the socket is closed.
    yield* Scope.addFinalizer(scope, Deferred.succeed(closed, undefined))
    const running = new HandlerFibers()
    const fork = Effect.runForkWith(yield* Effect.context<R>())
    // Spans only when a tracer would export them; handler fibers inherit
    // this fiber's tracer, so one look here holds for all of them.
    const traced = (yield* Effect.tracer) !== Tracer.nativeTracer
    // The cap is a Semaphore taken without waiting: a delivery that finds every
    // permit taken is nacked at once rather than queued behind the others.
    const permits = options.maxConcurrency === undefined
      ? undefined
      : yield* Semaphore.make(Math.max(1, Math.floor(options.maxConcurrency)))
    let accepting = true

    // Called synchronously by the frame loop for every delivery; the answer is
    // sent from the fiber's observer, so a delivery costs one fiber running
    // just the handler.
    const dispatch: WsConnection.Dispatch = (incoming) => {
      if (!accepting) {
        incoming.answerUnsafe(Result.nack(WsConnection.SHUTTING_DOWN))
        return
      }
      // Starts at once and, for a synchronous handler, is done on return. With a
      // cap, the handler is not even called for a delivery that finds no permit.
      const fiber = fork(
        permits === undefined
          ? runHandler(handler, incoming.delivery, traced)
          : Effect.map(
            Semaphore.withPermitsIfAvailable(permits, 1)(
              Effect.suspend(() => runHandler(handler, incoming.delivery, traced))
            ),
            Option.getOrElse(atCapacity)
          )
      )
      fiber.addObserver((exit) => incoming.answerUnsafe(resultOf(exit)))
      if (fiber.pollUnsafe() !== undefined) return
      running.add(fiber)
      // On `ack_timeout`: the answer can no longer count; free the permit.
      return () => fiber.interruptUnsafe()
    }

    yield* WsConnection.run(transport, settings, dispatch).pipe(
      // Logged here, once; `wait` hands the same error (or defect) to the app.
      Effect.catchCause((cause) =>
        Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError(`listener stopped: ${WsConnection.failureMessage(cause)}`, cause).pipe(
          Effect.andThen(Deferred.failCause(closed, cause))
        )
      ),
      Effect.forkIn(scope)
    )

    // Runs first on close, while the socket is still open to carry answers.
    // Handlers get `gracePeriod`; then the ones still running are interrupted
    // without waiting for them (a handler may ignore interruption), and the
    // connection nacks whatever is unanswered before it closes the socket.
    yield* Scope.addFinalizer(
      scope,
      Effect.suspend(() => {
        accepting = false
        return Effect.timeoutOption(Effect.interruptible(running.awaitEmpty), gracePeriod).pipe(
          Effect.andThen(Effect.sync(() => running.interruptAll()))
        )
      })
    )

    return {
      wait: Deferred.await(closed),
      // Closed from a detached fiber so that a handler may close its own listener
      // without waiting on itself.
      close: Effect.forkDetach(Scope.close(scope, Exit.void)).pipe(Effect.flatMap(Fiber.join))
    }
  }).pipe(Effect.withSpan("Posthook.hooks.listen"))

const toStreamDelivery = (incoming: WsConnection.Incoming): StreamDelivery => ({
  delivery: incoming.delivery,
  ack: incoming.answer(Result.ack()),
  nack: (error) => incoming.answer(Result.nack(error)),
  accept: (timeout) => incoming.answer(Result.accept(timeout)),
  respond: (result) => incoming.answer(result)
})

/**
 * Connects over WebSocket and emits every delivery for you to answer with
 * its `ack`, `nack(error?)` or `accept(timeout)` effect. The stream is
 * backed by a bounded buffer (`bufferSize`); deliveries arriving while it is
 * full are nacked with `At capacity`. Ending the stream (or its scope)
 * nacks what is unanswered and closes the socket with code 1000. It fails
 * only with a {@link ListenError}.
 *
 * @example
 * ```ts
 * import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
 * import { Effect, Layer, Stream } from "effect"
 * import * as Socket from "effect/socket/Socket"
 * import { Listener, PosthookConfig } from "posthook-effect"
 *
 * const program = Listener.stream({ bufferSize: 50 }).pipe(
 *   Stream.runForEach(({ ack, delivery, nack }) =>
 *     typeof delivery.data === "object" && delivery.data !== null ? ack : nack("not ready")
 *   ),
 *   Effect.provide(
 *     Layer.mergeAll(
 *       PosthookConfig.layerConfig(),
 *       NodeHttpClient.layerUndici,
 *       // Node 22's global WebSocket
 *       Socket.layerWebSocketConstructorGlobal
 *     )
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const stream = <R = never>(
  options: StreamOptions<R> = {}
): Stream.Stream<
  StreamDelivery,
  ListenError,
  R | PosthookConfig.PosthookConfig | HttpClient.HttpClient | Socket.WebSocketConstructor
> =>
  Stream.unwrap(
    Effect.map(transportFromContext, (transport) =>
      WsConnection.incoming(
        transport,
        WsConnection.settings(options),
        options.bufferSize ?? DEFAULT_BUFFER_SIZE
      ).pipe(Stream.map(toStreamDelivery)))
  )
