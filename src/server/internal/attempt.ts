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
    const signingKeys = config.signingKeys.map(Redacted.value)
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

    const resolve = (hook: HookRecord, resolution: Resolution, now: number): Effect.Effect<void, Store.StoreError> =>
      Effect.gen(function*() {
        const inFlight = hook.inFlight
        if (inFlight === null) return
        const durationMs = resolution.durationMs ?? now - inFlight.startedAt
        ackWindows.clear(hook.id, inFlight.attempt)
        if (inFlight.connectionId !== null && resolution._tag !== "Accepted") {
          listeners.answered(inFlight.connectionId, hook.id)
        }
        const base = { hookId: hook.id, path: hook.path, attempt: inFlight.attempt, transport: inFlight.transport }
        switch (resolution._tag) {
          case "Completed": {
            yield* updateAttempt(hook.id, inFlight.attempt, (record) => ({
              ...record,
              outcome: "completed",
              finishedAt: now,
              durationMs,
              response: resolution.response ?? record.response
            }))
            yield* store.updateHook({
              ...hook,
              status: "completed",
              inFlight: null,
              nextAttemptAt: null,
              failureError: null,
              postDurationSeconds: durationMs / 1000,
              updatedAt: now
            })
            yield* events.emit({ _tag: "HookDelivered", ...base, statusCode: resolution.statusCode, durationMs })
            return
          }
          case "Accepted": {
            yield* updateAttempt(hook.id, inFlight.attempt, (record) => ({
              ...record,
              outcome: "accepted",
              durationMs,
              response: resolution.response ?? record.response
            }))
            yield* store.updateHook({
              ...hook,
              inFlight: { ...inFlight, phase: "awaiting_callback", deadlineAt: resolution.deadlineAt },
              postDurationSeconds: durationMs / 1000,
              updatedAt: now
            })
            core.enqueue({ at: resolution.deadlineAt, hookId: hook.id, kind: "deadline", attempt: inFlight.attempt })
            yield* events.emit({ _tag: "HookAccepted", ...base, deadlineAt: resolution.deadlineAt })
            return
          }
          case "Failed": {
            yield* updateAttempt(hook.id, inFlight.attempt, (record) => ({
              ...record,
              outcome: resolution.outcome,
              error: resolution.error,
              finishedAt: now,
              durationMs,
              response: resolution.response ?? record.response
            }))
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
            if (attemptsInCycle < DeliveryRetries.maxAttempts(policy)) {
              const random = yield* Random.next
              const nextAttemptAt = now + DeliveryRetries.delayMillis(policy, attemptsInCycle, random)
              yield* store.updateHook({ ...failedHook, status: "retry", nextAttemptAt })
              core.enqueue({ at: nextAttemptAt, hookId: hook.id, kind: "attempt", attempt: 0 })
              yield* events.emit({ _tag: "HookRetrying", ...failure, nextAttemptAt })
            } else {
              yield* store.updateHook({ ...failedHook, status: "failed", nextAttemptAt: null })
              yield* events.emit({ _tag: "HookFailed", ...failure })
            }
            return
          }
        }
      })

    /** Re-reads a hook and resolves its attempt `attempt` if that attempt is still the open one. */
    const resolveOpen = (
      hookId: string,
      attempt: number,
      decide: (hook: HookRecord, now: number) => Resolution | undefined
    ): Effect.Effect<boolean, Store.StoreError> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const found = yield* store.getHook(hookId)
        if (Option.isNone(found)) return false
        const hook = found.value
        if (hook.inFlight === null || hook.inFlight.attempt !== attempt) return false
        const decided = decide(hook, now)
        if (decided === undefined) return false
        yield* resolve(hook, decided, now)
        return true
      })

    // ---- starting an attempt (lock held) ----

    const start = (entry: DueEntry): Effect.Effect<Started, Store.StoreError> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const found = yield* store.getHook(entry.hookId)
        if (Option.isNone(found)) return done
        const hook = found.value
        const due = (hook.status === "pending" || hook.status === "retry") && hook.inFlight === null &&
          hook.nextAttemptAt !== null && hook.nextAttemptAt <= now
        if (!due) return done

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
        const begin = (request: AttemptRequest) =>
          Effect.gen(function*() {
            yield* store.updateHook(started)
            yield* store.putAttempt(attemptRecord(started, request, now))
            yield* events.emit({ _tag: "AttemptStarted", hookId: hook.id, path: hook.path, attempt, transport })
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
          yield* begin({ url: null, connectionId: connection.id, headers: {}, body: frame })
          listeners.awaitAnswer(connection.id, hook.id)
          ackWindows.start(hook.id, attempt, ackWindowPassed(hook.id, attempt))
          if (!connection.sendEncoded(frame)) {
            yield* resolveOpen(hook.id, attempt, () => failed("failed", "the WebSocket listener disconnected"))
          }
          return done
        }
        const url = `${targetOrigin ?? ""}${hook.path}`
        const signed = Dispatcher.sign(started, prepared, signingKeys)
        const request: AttemptRequest = {
          url: targetOrigin === undefined ? null : url,
          connectionId: null,
          headers: Dispatcher.httpHeaders(started, prepared, signed, signingKeys),
          body: signed.body
        }
        yield* begin(request)
        if (targetOrigin === undefined) {
          yield* resolveOpen(
            hook.id,
            attempt,
            () => failed("failed", "no WebSocket listener is connected and no target origin is configured")
          )
          return done
        }
        return { _tag: "Http", hook: started, url, request } as const
      })

    // ---- answers ----

    const finishHttp = (hook: HookRecord, outcome: Dispatcher.HttpOutcome): Effect.Effect<void, Store.StoreError> =>
      Effect.gen(function*() {
        const attempt = hook.attempts
        const response = outcome._tag === "Response" ? outcome.response : null
        const applied = yield* resolveOpen(hook.id, attempt, (current, now): Resolution | undefined => {
          // A callback may have resolved this attempt while the request was open.
          if (current.inFlight?.phase !== "sending") return undefined
          const durationMs = outcome.durationMs
          if (outcome._tag === "NoResponse") {
            return { ...failed(outcome.timedOut ? "timed_out" : "failed", outcome.error), durationMs }
          }
          const status = outcome.response.status
          if (status === 202 && config.asyncHooks) {
            const timeoutSeconds = Option.getOrElse(
              Dispatcher.asyncTimeoutSeconds(outcome.response.headers),
              () => Duration.toSeconds(config.asyncTimeout)
            )
            return { _tag: "Accepted", deadlineAt: now + Math.round(timeoutSeconds * 1000), response, durationMs }
          }
          if (isSuccess(status)) return { _tag: "Completed", statusCode: status, response, durationMs }
          return { _tag: "Failed", outcome: "failed", error: `HTTP ${status}`, statusCode: status, response, durationMs }
        })
        if (!applied && response !== null) {
          // Keep what the endpoint answered even though the attempt was already decided.
          yield* updateAttempt(hook.id, attempt, (record) => ({ ...record, response }))
        }
      })

    const run = (entry: DueEntry): Effect.Effect<void, Store.StoreError> =>
      Effect.gen(function*() {
        const started = yield* serialized(start(entry))
        if (started._tag !== "Http") return
        const outcome = yield* Dispatcher.post({
          dispatcher: options.dispatcher,
          url: started.url,
          headers: started.request.headers,
          body: started.request.body,
          timeoutMillis: Duration.toMillis(config.deliveryTimeout),
          timeoutLabel: seconds(config.deliveryTimeout)
        })
        yield* serialized(finishHttp(started.hook, outcome))
      }).pipe(
        // The hot path: a stack trace per delivery costs more than it tells.
        Effect.withSpan("LocalPosthook.deliver", { attributes: { "posthook.hook_id": entry.hookId } }, {
          captureStackTrace: false
        })
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
