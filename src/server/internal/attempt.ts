/**
 * The attempt state machine: starting an attempt, resolving it (completed,
 * accepted, failed → retry or give up), and expiring it (async deadline on
 * `Clock`, WebSocket ack window on the wall clock).
 *
 * Two kinds of time. What the schedule means (when a hook is due, retry
 * delays, the async callback deadline) runs on `Clock`, through the
 * scheduler. How long a peer may take to answer one attempt (the HTTP
 * timeout, the WebSocket ack window) runs on the wall clock, per attempt in
 * flight: a test that moves `TestClock` by a week must not time out a
 * delivery that is a few real milliseconds old.
 *
 * Every change of a hook runs under the engine's one lock (`serialized`)
 * and re-reads the hook from the store first, so concurrent answers (an ack
 * callback racing the HTTP response, a delete racing a delivery) resolve an
 * attempt exactly once. Network I/O happens outside the lock.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type * as Hook from "../../Hook.js"
import { encodeServerFrame } from "../../protocol/frames.js"
import { untraced } from "../../internal/tracing.js"
import { prepareHmacKey } from "../../protocol/signing.js"
import * as DeliveryRetries from "../DeliveryRetries.js"
import type { AttemptOutcome, AttemptRecord, AttemptRequest, AttemptResponse, HookRecord } from "../HookRecord.js"
import type * as ServerConfig from "../ServerConfig.js"
import type * as Store from "../Store.js"
import * as AckWindows from "./ackWindows.js"
import * as Dispatcher from "./dispatcher.js"
import type { DueEntry } from "./dueIndex.js"
import type { EventLog } from "./eventLog.js"
import type { Listeners } from "./listeners.js"

/**
 * What every part of the engine shares: the state, the lock and the
 * scheduler's input.
 *
 * @internal
 */
export interface Core {
  readonly config: ServerConfig.Resolved
  readonly store: Store.Service
  readonly events: EventLog
  readonly listeners: Listeners
  /** Runs an effect under the engine's lock. */
  readonly serialized: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  readonly enqueue: (entry: DueEntry) => void
  readonly callbackUrls: (hookId: string, attempt: number) => { readonly ackUrl: string; readonly nackUrl: string }
}

/**
 * How an attempt was answered. `durationMs`, when given, is the measured
 * (wall-clock) time of the HTTP exchange; otherwise the duration is the
 * `Clock` time since the attempt started.
 *
 * @internal
 */
export type Resolution =
  | {
    readonly _tag: "Completed"
    readonly statusCode: number | null
    readonly response: AttemptResponse | null
    readonly durationMs?: number
  }
  | {
    readonly _tag: "Accepted"
    readonly deadlineAt: number
    readonly response: AttemptResponse | null
    readonly durationMs?: number
  }
  | {
    readonly _tag: "Failed"
    readonly outcome: Extract<AttemptOutcome, "failed" | "nacked" | "timed_out">
    readonly error: string
    readonly statusCode: number | null
    readonly response: AttemptResponse | null
    readonly durationMs?: number
  }

/** A failure without an HTTP answer. @internal */
export const failed = (
  outcome: Extract<AttemptOutcome, "failed" | "nacked" | "timed_out">,
  error: string
): Resolution => ({ _tag: "Failed", outcome, error, statusCode: null, response: null })

/** @internal */
export const completed: Resolution = { _tag: "Completed", statusCode: null, response: null }

/** @internal */
export interface Attempts {
  /** Starts the attempt an `attempt` entry is due for and, over HTTP, runs it to its answer. */
  readonly run: (entry: DueEntry) => Effect.Effect<void, Store.StoreError>
  /** The async callback deadline of an accepted attempt passed (a due entry, on `Clock`). */
  readonly expire: (entry: DueEntry) => Effect.Effect<void, Store.StoreError>
  /** Resolves the open attempt of `hook` (lock held, `hook` freshly read). */
  readonly resolve: (hook: HookRecord, resolution: Resolution, now: number) => Effect.Effect<void, Store.StoreError>
  /** Changes the stored record of one attempt, if there is one. */
  readonly updateAttempt: (
    hookId: string,
    attempt: number,
    change: (record: AttemptRecord) => AttemptRecord
  ) => Effect.Effect<void, Store.StoreError>
}

const seconds = (duration: Duration.Duration): string => `${Duration.toSeconds(duration)}s`

/**
 * Runs the effects one after another (already built: each is a description, run in turn). The last
 * one is already `void` (an event emitted), so the chain needs no `asVoid` step of its own.
 */
const inOrder = <E>(
  ...effects: readonly [...ReadonlyArray<Effect.Effect<unknown, E>>, Effect.Effect<void, E>]
): Effect.Effect<void, E> => {
  let chain = effects[effects.length - 1] as Effect.Effect<void, E>
  for (let index = effects.length - 2; index >= 0; index--) chain = Effect.andThen(effects[index]!, chain)
  return chain
}

const isSuccess = (status: number): boolean => status >= 200 && status < 300

type Started =
  | { readonly _tag: "Http"; readonly hook: HookRecord; readonly url: string; readonly request: AttemptRequest }
  | { readonly _tag: "Done" }

const done: Started = { _tag: "Done" }

const attemptRecord = (hook: HookRecord, request: AttemptRequest, now: number): AttemptRecord => ({
  hookId: hook.id,
  attempt: hook.attempts,
  transport: hook.inFlight?.transport ?? "none",
  startedAt: now,
  finishedAt: null,
  durationMs: null,
  outcome: "in_flight",
  error: null,
  request,
  response: null
})

/** @internal */
export const make = (
  core: Core,
  options: {
    /** Where HTTP deliveries go out. */
    readonly dispatcher: Dispatcher.UndiciDispatcher
    readonly targetOrigin: () => string | undefined
  }
): Effect.Effect<Attempts, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { config, events, listeners, serialized, store } = core
    // Prepared once: HMAC then skips importing each key's text on every delivery.
    const signingKeys = config.signingKeys.map((key) => prepareHmacKey(Redacted.value(key)))
    const ackWindows = yield* AckWindows.make(Duration.toMillis(config.ackWindow))

    const policyOf = (hook: HookRecord): Hook.RetryOverride => hook.retryOverride ?? config.retryPolicy

    const updateAttempt = (
      hookId: string,
      attempt: number,
      change: (record: AttemptRecord) => AttemptRecord
    ): Effect.Effect<void, Store.StoreError> =>
      Effect.flatMap(store.getAttempt(hookId, attempt), (found) =>
        Option.match(found, {
          onNone: () => Effect.void,
          onSome: (record) => store.putAttempt(change(record))
        }))

    // ---- resolving an attempt (lock held) ----
    // The hot path is written with `flatMap` / `andThen` rather than generators: a generator costs
    // about 1.5 µs per call here, and a delivery ran five of them.

    /** `resolve`, for a caller already running (inside a `flatMap`): its side effects happen now. */
    const resolveNow = (hook: HookRecord, resolution: Resolution, now: number): Effect.Effect<void, Store.StoreError> => {
      const inFlight = hook.inFlight
      if (inFlight === null) return Effect.void
      const durationMs = resolution.durationMs ?? now - inFlight.startedAt
      ackWindows.clear(hook.id, inFlight.attempt)
      if (inFlight.connectionId !== null && resolution._tag !== "Accepted") {
        listeners.answered(inFlight.connectionId, hook.id)
      }
      const base = { hookId: hook.id, path: hook.path, attempt: inFlight.attempt, transport: inFlight.transport }
      switch (resolution._tag) {
        case "Completed": {
          return inOrder(
            updateAttempt(hook.id, inFlight.attempt, (record) => ({
              ...record,
              outcome: "completed",
              finishedAt: now,
              durationMs,
              response: resolution.response ?? record.response
            })),
            store.updateHook({
              ...hook,
              status: "completed",
              inFlight: null,
              nextAttemptAt: null,
              failureError: null,
              postDurationSeconds: durationMs / 1000,
              updatedAt: now
            }),
            events.emit({ _tag: "HookDelivered", ...base, statusCode: resolution.statusCode, durationMs })
          )
        }
        case "Accepted": {
          return inOrder(
            updateAttempt(hook.id, inFlight.attempt, (record) => ({
              ...record,
              outcome: "accepted",
              durationMs,
              response: resolution.response ?? record.response
            })),
            store.updateHook({
              ...hook,
              inFlight: { ...inFlight, phase: "awaiting_callback", deadlineAt: resolution.deadlineAt },
              postDurationSeconds: durationMs / 1000,
              updatedAt: now
            }),
            Effect.sync(() =>
              core.enqueue({ at: resolution.deadlineAt, hookId: hook.id, kind: "deadline", attempt: inFlight.attempt })
            ),
            events.emit({ _tag: "HookAccepted", ...base, deadlineAt: resolution.deadlineAt })
          )
        }
        case "Failed": {
          const policy = policyOf(hook)
          const attemptsInCycle = hook.attempts - hook.cycleStart
          const failure = { ...base, statusCode: resolution.statusCode, durationMs, error: resolution.error }
          const failedHook = {
            ...hook,
            inFlight: null,
            failureError: resolution.error,
            postDurationSeconds: durationMs / 1000,
            updatedAt: now
          }
          const recorded = updateAttempt(hook.id, inFlight.attempt, (record) => ({
            ...record,
            outcome: resolution.outcome,
            error: resolution.error,
            finishedAt: now,
            durationMs,
            response: resolution.response ?? record.response
          }))
          if (attemptsInCycle < DeliveryRetries.maxAttempts(policy)) {
            return Effect.andThen(
              recorded,
              Effect.flatMap(Random.next, (random) => {
                const nextAttemptAt = now + DeliveryRetries.delayMillis(policy, attemptsInCycle, random)
                return inOrder(
                  store.updateHook({ ...failedHook, status: "retry", nextAttemptAt }),
                  Effect.sync(() => core.enqueue({ at: nextAttemptAt, hookId: hook.id, kind: "attempt", attempt: 0 })),
                  events.emit({ _tag: "HookRetrying", ...failure, nextAttemptAt })
                )
              })
            )
          }
          return inOrder(
            recorded,
            store.updateHook({ ...failedHook, status: "failed", nextAttemptAt: null }),
            events.emit({ _tag: "HookFailed", ...failure })
          )
        }
      }
    }

    const resolve = (hook: HookRecord, resolution: Resolution, now: number): Effect.Effect<void, Store.StoreError> =>
      Effect.suspend(() => resolveNow(hook, resolution, now))

    /** Re-reads a hook and resolves its attempt `attempt` if that attempt is still the open one. */
    const resolveOpen = (
      hookId: string,
      attempt: number,
      decide: (hook: HookRecord, now: number) => Resolution | undefined
    ): Effect.Effect<boolean, Store.StoreError> =>
      // `clockWith` reads the fiber's `Clock` (so `TestClock` drives it) without an effect of its own.
      Clock.clockWith((clock) => {
        const now = clock.currentTimeMillisUnsafe()
        return Effect.flatMap(store.getHook(hookId), (found) => {
          if (Option.isNone(found)) return Effect.succeed(false)
          const hook = found.value
          if (hook.inFlight === null || hook.inFlight.attempt !== attempt) return Effect.succeed(false)
          const decided = decide(hook, now)
          if (decided === undefined) return Effect.succeed(false)
          return Effect.as(resolveNow(hook, decided, now), true)
        })
      })

    // ---- starting an attempt (lock held) ----

    const begin = (started: HookRecord, request: AttemptRequest, now: number): Effect.Effect<void, Store.StoreError> =>
      inOrder(
        store.updateHook(started),
        store.putAttempt(attemptRecord(started, request, now)),
        events.emit({
          _tag: "AttemptStarted",
          hookId: started.id,
          path: started.path,
          attempt: started.attempts,
          transport: started.inFlight?.transport ?? "none"
        })
      )

    const startAt = (now: number, hook: HookRecord): Effect.Effect<Started, Store.StoreError> => {
      const due = (hook.status === "pending" || hook.status === "retry") && hook.inFlight === null &&
        hook.nextAttemptAt !== null && hook.nextAttemptAt <= now
      if (!due) return Effect.succeed(done)

      const connection = listeners.pick()
      const targetOrigin = options.targetOrigin()
      const transport = connection !== undefined ? "websocket" : targetOrigin !== undefined ? "http" : "none"
      const attempt = hook.attempts + 1
      const started: HookRecord = {
        ...hook,
        status: "pending",
        attempts: attempt,
        nextAttemptAt: null,
        updatedAt: now,
        inFlight: {
          attempt,
          transport,
          phase: transport === "websocket" ? "awaiting_ack" : "sending",
          startedAt: now,
          // Only the async callback deadline is a `Clock` deadline; answer timeouts run on the wall clock.
          deadlineAt: null,
          connectionId: connection?.id ?? null
        }
      }
      const prepared = Dispatcher.prepare({
        hook: started,
        now,
        callbackUrls: config.asyncHooks ? core.callbackUrls(hook.id, attempt) : undefined
      })

      if (connection !== undefined) {
        const frame = encodeServerFrame(Dispatcher.hookFrame({
          hook: started,
          prepared,
          attempt: attempt - hook.cycleStart,
          maxAttempts: DeliveryRetries.maxAttempts(policyOf(hook)),
          // A plain frame carries no body and no signature: only forward mode (and HTTP) needs them.
          forward: connection.forward ? Dispatcher.sign(started, prepared, signingKeys) : undefined,
          includeCallbackUrls: config.asyncHooks
        }))
        return Effect.andThen(
          begin(started, { url: null, connectionId: connection.id, headers: {}, body: frame }, now),
          Effect.suspend(() => {
            listeners.awaitAnswer(connection.id, hook.id)
            ackWindows.start(hook.id, attempt, ackWindowPassed(hook.id, attempt))
            return connection.sendEncoded(frame)
              ? Effect.succeed(done)
              : Effect.as(
                resolveOpen(hook.id, attempt, () => failed("failed", "the WebSocket listener disconnected")),
                done
              )
          })
        )
      }
      const url = `${targetOrigin ?? ""}${hook.path}`
      const signed = Dispatcher.sign(started, prepared, signingKeys)
      const request: AttemptRequest = {
        url: targetOrigin === undefined ? null : url,
        connectionId: null,
        headers: Dispatcher.httpHeaders(started, prepared, signed, signingKeys),
        body: signed.body
      }
      if (targetOrigin === undefined) {
        return Effect.andThen(
          begin(started, request, now),
          Effect.as(
            resolveOpen(
              hook.id,
              attempt,
              () => failed("failed", "no WebSocket listener is connected and no target origin is configured")
            ),
            done
          )
        )
      }
      return Effect.as(begin(started, request, now), { _tag: "Http", hook: started, url, request } as const)
    }

    const start = (entry: DueEntry): Effect.Effect<Started, Store.StoreError> =>
      Clock.clockWith((clock) => {
        const now = clock.currentTimeMillisUnsafe()
        return Effect.flatMap(store.getHook(entry.hookId), (found) =>
          Option.isNone(found) ? Effect.succeed(done) : startAt(now, found.value))
      })

    // ---- answers ----

    /** How an HTTP answer resolves the attempt, unless a callback resolved it while the request was open. */
    const decideHttp = (outcome: Dispatcher.HttpOutcome) => (current: HookRecord, now: number): Resolution | undefined => {
      if (current.inFlight?.phase !== "sending") return undefined
      const durationMs = outcome.durationMs
      if (outcome._tag === "NoResponse") {
        return { ...failed(outcome.timedOut ? "timed_out" : "failed", outcome.error), durationMs }
      }
      const response = outcome.response
      const status = response.status
      if (status === 202 && config.asyncHooks) {
        const timeoutSeconds = Option.getOrElse(
          Dispatcher.asyncTimeoutSeconds(response.headers),
          () => Duration.toSeconds(config.asyncTimeout)
        )
        return { _tag: "Accepted", deadlineAt: now + Math.round(timeoutSeconds * 1000), response, durationMs }
      }
      if (isSuccess(status)) return { _tag: "Completed", statusCode: status, response, durationMs }
      return { _tag: "Failed", outcome: "failed", error: `HTTP ${status}`, statusCode: status, response, durationMs }
    }

    const finishHttp = (hook: HookRecord, outcome: Dispatcher.HttpOutcome): Effect.Effect<void, Store.StoreError> => {
      const attempt = hook.attempts
      const response = outcome._tag === "Response" ? outcome.response : null
      return Effect.flatMap(resolveOpen(hook.id, attempt, decideHttp(outcome)), (applied) =>
        // Keep what the endpoint answered even though the attempt was already decided.
        !applied && response !== null
          ? updateAttempt(hook.id, attempt, (record) => ({ ...record, response }))
          : Effect.void)
    }

    const answerTimeoutMillis = Duration.toMillis(config.deliveryTimeout)
    const answerTimeoutLabel = seconds(config.deliveryTimeout)

    const deliver = (entry: DueEntry): Effect.Effect<void, Store.StoreError> =>
      Effect.flatMap(serialized(start(entry)), (started) =>
        started._tag !== "Http" ? Effect.void : Effect.flatMap(
          Dispatcher.post({
            dispatcher: options.dispatcher,
            url: started.url,
            headers: started.request.headers,
            body: started.request.body,
            timeoutMillis: answerTimeoutMillis,
            timeoutLabel: answerTimeoutLabel
          }),
          (outcome) => serialized(finishHttp(started.hook, outcome))
        ))

    const run = (entry: DueEntry): Effect.Effect<void, Store.StoreError> =>
      Effect.withFiber((fiber) =>
        // The hot path: a span (and its clock reads) only where a tracing backend can see it, never a stack trace.
        untraced(fiber)
          ? deliver(entry)
          : deliver(entry).pipe(
            Effect.withSpan("LocalPosthook.deliver", { attributes: { "posthook.hook_id": entry.hookId } }, {
              captureStackTrace: false
            })
          )
      )

    const expire = (entry: DueEntry): Effect.Effect<void, Store.StoreError> =>
      serialized(
        Effect.asVoid(resolveOpen(entry.hookId, entry.attempt, (hook): Resolution | undefined => {
          const inFlight = hook.inFlight
          if (inFlight?.phase !== "awaiting_callback" || inFlight.deadlineAt !== entry.at) return undefined
          return failed("timed_out", "no ack or nack callback arrived before the async deadline")
        }))
      )

    /** The listener did not answer a `hook` frame within the ack window (wall clock). */
    function ackWindowPassed(hookId: string, attempt: number): Effect.Effect<void, Store.StoreError> {
      return serialized(
        Effect.asVoid(resolveOpen(hookId, attempt, (hook): Resolution | undefined => {
          const inFlight = hook.inFlight
          if (inFlight?.phase !== "awaiting_ack") return undefined
          const connection = inFlight.connectionId === null ? undefined : listeners.get(inFlight.connectionId)
          connection?.send({ _tag: "ack_timeout", hookId: hook.id, attempt: inFlight.attempt - hook.cycleStart })
          return failed(
            "timed_out",
            `the WebSocket listener did not ack, accept or nack within ${seconds(config.ackWindow)}`
          )
        }))
      )
    }

    return { run, expire, resolve, updateAttempt } satisfies Attempts
  })
