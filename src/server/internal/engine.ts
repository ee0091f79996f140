/**
 * The hook state machine and its scheduler.
 *
 * Scheduling: a due-time index (min-heap) and ONE timer fiber that sleeps on
 * Effect's `Clock` until the earliest entry is due (so `TestClock` drives
 * it), then hands due entries to a fixed pool of worker fibers (the bounded
 * delivery pool). Adding an entry earlier than the one being slept on wakes
 * the timer; no polling, no timer per hook.
 *
 * Two kinds of time. What the schedule means (when a hook is due, retry
 * delays, the async callback deadline) runs on `Clock`, through the due
 * index. How long a peer may take to answer one attempt (the HTTP timeout,
 * the WebSocket ack window) runs on the wall clock, per attempt in flight: a
 * test that moves `TestClock` by a week must not time out a delivery that is
 * a few real milliseconds old.
 *
 * State: every change of a hook (attempt started, answered, timed out,
 * called back, deleted, re-queued) runs under one lock and re-reads the hook
 * from the store first, so concurrent answers (an ack callback racing the
 * HTTP response, a delete racing a delivery) resolve an attempt exactly
 * once. Network I/O happens outside the lock.
 *
 * @internal
 */
import * as Crypto from "node:crypto"
import type * as Undici from "@effect/platform-node/Undici"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import type * as Hook from "../../Hook.js"
import { parseSeconds } from "../../protocol/duration.js"
import type { ScheduleBody } from "../../protocol/schedule.js"
import type { ClientMessage } from "../../protocol/frames.js"
import { encodeServerFrame } from "../../protocol/frames.js"
import type { AttemptOutcome, AttemptRecord, AttemptRequest, AttemptResponse, HookRecord } from "../HookRecord.js"
import * as RetryPolicy from "../RetryPolicy.js"
import type * as ServerConfig from "../ServerConfig.js"
import type * as Store from "../Store.js"
import { formatInstant, parseInstant, resolveLocal } from "../TimeZone.js"
import * as CallbackTokens from "./callbackTokens.js"
import * as Dispatcher from "./dispatcher.js"
import { DueIndex } from "./dueIndex.js"
import type { DueEntry } from "./dueIndex.js"
import type { EventLog } from "./eventLog.js"
import type { Connection, Listeners } from "./listeners.js"
import * as WallClock from "./wallClock.js"

/**
 * One shared string per distinct value. Many hooks share a path; with 100,000
 * pending hooks a copy per hook costs about 4 MB. Bounded, so a stream of
 * unique paths cannot grow it without limit (past the bound it just stops
 * sharing).
 */
const makeInterner = (limit: number) => {
  const known = new Map<string, string>()
  return (value: string): string => {
    const shared = known.get(value)
    if (shared !== undefined) return shared
    if (known.size < limit) known.set(value, value)
    return value
  }
}

/** @internal */
export type BulkAction = "retry" | "replay" | "cancel"

/** @internal */
export type BulkSelector =
  | { readonly hookIDs: ReadonlyArray<string> }
  | {
    readonly startTime: string
    readonly endTime: string
    readonly limit: number
    readonly endpointKey?: string
    readonly sequenceID?: string
  }

/**
 * The monthly quota as the `Posthook-HookQuota-*` headers report it.
 *
 * @internal
 */
export interface QuotaState {
  readonly limit: number
  readonly usage: number
  readonly remaining: number
  readonly resetsAt: number
}

/** @internal */
export type ScheduleFailure =
  | { readonly _tag: "Invalid"; readonly message: string }
  | { readonly _tag: "QuotaExceeded"; readonly quota: QuotaState }

/**
 * The answer to an ack/nack callback: `status` is the HTTP status; on 200
 * `result` is the `{"data": {"status": …}}` word, otherwise `error` says why.
 *
 * @internal
 */
export interface CallbackAnswer {
  readonly status: number
  readonly result: string
  readonly error?: string
}

/** @internal */
export interface Engine {
  readonly schedule: (
    body: ScheduleBody
  ) => Effect.Effect<
    { readonly hook: HookRecord; readonly quota: QuotaState | undefined },
    ScheduleFailure | Store.StoreError
  >
  readonly quota: Effect.Effect<{ readonly limit: number | undefined; readonly usage: number; readonly resetsAt: number }, Store.StoreError>
  readonly remove: (id: string) => Effect.Effect<boolean, Store.StoreError>
  readonly bulk: (action: BulkAction, selector: BulkSelector) => Effect.Effect<number, Store.StoreError>
  readonly deliverNow: (id: string) => Effect.Effect<boolean, Store.StoreError>
  readonly callback: (
    kind: "ack" | "nack",
    token: string,
    body: string
  ) => Effect.Effect<CallbackAnswer, Store.StoreError>
  readonly onFrame: (connection: Connection, message: ClientMessage) => Effect.Effect<void, Store.StoreError>
  readonly onDisconnect: (connection: Connection) => Effect.Effect<void, Store.StoreError>
  readonly callbackUrls: (hookId: string, attempt: number) => { readonly ackUrl: string; readonly nackUrl: string }
  /** Entries waiting in the due index (stale ones included). */
  readonly pendingTimers: () => number
}

/** @internal */
export interface EngineOptions {
  readonly config: ServerConfig.Resolved
  readonly store: Store.Service
  readonly events: EventLog
  readonly listeners: Listeners
  /** Where HTTP deliveries go out: an undici dispatcher (connection pools per origin). */
  readonly dispatcher: Undici.Dispatcher
  readonly publicUrl: string
  readonly targetOrigin: () => string | undefined
  readonly tokenSecret: string
}

/**
 * How an attempt was answered. `durationMs`, when given, is the measured
 * (wall-clock) time of the HTTP exchange; otherwise the duration is the
 * `Clock` time since the attempt started.
 */
type Resolution =
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

const NACK_BODY_LIMIT = 8 * 1024
const MAX_ACCEPT_SECONDS = 24 * 60 * 60

/** `YYYY-MM` of an instant (UTC): the quota period. */
const quotaPeriod = (now: number): { readonly period: string; readonly resetsAt: number } => {
  const date = new Date(now)
  const year = date.getUTCFullYear()
  const month = date.getUTCMonth()
  return {
    period: `${year}-${String(month + 1).padStart(2, "0")}`,
    resetsAt: Date.UTC(year, month + 1, 1)
  }
}

const seconds = (duration: Duration.Duration): string => `${Duration.toSeconds(duration)}s`

const isSuccess = (status: number): boolean => status >= 200 && status < 300

/** A nack callback's diagnostic: its `error` field, else the body itself, cut at 8 KB. */
const nackError = (body: string): string => {
  if (body.trim().length === 0) return "nacked via callback"
  try {
    const parsed: unknown = JSON.parse(body)
    if (typeof parsed === "object" && parsed !== null && "error" in parsed && typeof parsed.error === "string") {
      return parsed.error.slice(0, NACK_BODY_LIMIT)
    }
  } catch {
    // Not JSON: keep the text.
  }
  return body.slice(0, NACK_BODY_LIMIT)
}

/** @internal */
export const make = (options: EngineOptions) =>
  Effect.gen(function*() {
    const { config, events, listeners, store } = options
    const signingKeys = config.signingKeys.map(Redacted.value)
    const ackWindowMillis = Duration.toMillis(config.ackWindow)
    const deliveryTimeoutMillis = Duration.toMillis(config.deliveryTimeout)
    /** Wall-clock ack windows of WebSocket attempts in flight, by `<hookId>.<attempt>`. */
    const ackWindows = new Map<string, ReturnType<typeof setTimeout>>()
    const runFork = yield* FiberSet.makeRuntime<never, void, never>()
    const lock = yield* Effect.makeSemaphore(1)
    const serialized = lock.withPermits(1)

    // ---- the scheduler: one due index, one timer fiber, a pool of workers ----

    const index = new DueIndex()
    const wakeups = yield* Queue.sliding<void>(1)
    const work = yield* Queue.unbounded<DueEntry>()
    let sleepingUntil = Number.POSITIVE_INFINITY

    const enqueue = (entry: DueEntry): void => {
      index.push(entry)
      if (entry.at < sleepingUntil) Queue.unsafeOffer(wakeups, undefined)
    }

    const timer = Effect.gen(function*() {
      for (;;) {
        const now = yield* Clock.currentTimeMillis
        const due = index.popDue(now)
        if (due.length > 0) yield* Queue.offerAll(work, due)
        const nextAt = index.nextAt()
        sleepingUntil = nextAt ?? Number.POSITIVE_INFINITY
        if (nextAt === undefined) {
          yield* Queue.take(wakeups)
        } else {
          yield* Effect.raceFirst(Effect.sleep(Duration.millis(nextAt - now)), Queue.take(wakeups))
        }
      }
    })

    const callbackUrls = (hookId: string, attempt: number) => {
      const token = CallbackTokens.mint(options.tokenSecret, { hookId, attempt })
      return { ackUrl: `${options.publicUrl}/ack/${token}`, nackUrl: `${options.publicUrl}/nack/${token}` }
    }

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
        clearAckWindow(hook.id, inFlight.attempt)
        if (inFlight.connectionId !== null && resolution._tag !== "Accepted") {
          listeners.get(inFlight.connectionId)?.outstanding.delete(hook.id)
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
            enqueue({ at: resolution.deadlineAt, hookId: hook.id, kind: "deadline", attempt: inFlight.attempt })
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
            const failure = {
              ...base,
              statusCode: resolution.statusCode,
              durationMs,
              error: resolution.error
            }
            if (attemptsInCycle < RetryPolicy.maxAttempts(policy)) {
              const random = yield* Random.next
              const nextAttemptAt = now + RetryPolicy.delayMillis(policy, attemptsInCycle, random)
              yield* store.updateHook({
                ...hook,
                status: "retry",
                inFlight: null,
                nextAttemptAt,
                failureError: resolution.error,
                postDurationSeconds: durationMs / 1000,
                updatedAt: now
              })
              enqueue({ at: nextAttemptAt, hookId: hook.id, kind: "attempt", attempt: 0 })
              yield* events.emit({ _tag: "HookRetrying", ...failure, nextAttemptAt })
            } else {
              yield* store.updateHook({
                ...hook,
                status: "failed",
                inFlight: null,
                nextAttemptAt: null,
                failureError: resolution.error,
                postDurationSeconds: durationMs / 1000,
                updatedAt: now
              })
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
      resolution: (hook: HookRecord, now: number) => Resolution | undefined
    ): Effect.Effect<boolean, Store.StoreError> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const found = yield* store.getHook(hookId)
        if (Option.isNone(found)) return false
        const hook = found.value
        if (hook.inFlight === null || hook.inFlight.attempt !== attempt) return false
        const decided = resolution(hook, now)
        if (decided === undefined) return false
        yield* resolve(hook, decided, now)
        return true
      })

    // ---- starting an attempt ----

    type Started =
      | { readonly _tag: "Http"; readonly hook: HookRecord; readonly url: string; readonly request: AttemptRequest }
      | { readonly _tag: "Done" }

    const start = (entry: DueEntry): Effect.Effect<Started, Store.StoreError> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const found = yield* store.getHook(entry.hookId)
        if (Option.isNone(found)) return { _tag: "Done" } as const
        const hook = found.value
        const due = (hook.status === "pending" || hook.status === "retry") && hook.inFlight === null &&
          hook.nextAttemptAt !== null && hook.nextAttemptAt <= now
        if (!due) return { _tag: "Done" } as const

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
          // A plain WebSocket frame carries no signature: only HTTP and forward mode need one.
          signingKeys: connection === undefined || connection.forward ? signingKeys : [],
          callbackUrls: config.asyncHooks ? callbackUrls(hook.id, attempt) : undefined
        })
        const policy = policyOf(hook)
        if (connection !== undefined) {
          const message = Dispatcher.hookFrame({
            hook: started,
            prepared,
            now,
            attempt: attempt - hook.cycleStart,
            maxAttempts: RetryPolicy.maxAttempts(policy),
            forward: connection.forward,
            includeCallbackUrls: config.asyncHooks
          })
          const frame = encodeServerFrame(message)
          const request: AttemptRequest = { url: null, connectionId: connection.id, headers: {}, body: frame }
          yield* store.updateHook(started)
          yield* store.putAttempt(attemptRecord(started, request, now))
          yield* events.emit({ _tag: "AttemptStarted", hookId: hook.id, path: hook.path, attempt, transport })
          connection.outstanding.add(hook.id)
          startAckWindow(hook.id, attempt)
          if (!connection.sendEncoded(frame)) {
            yield* resolveOpen(hook.id, attempt, () => ({
              _tag: "Failed",
              outcome: "failed",
              error: "the WebSocket listener disconnected",
              statusCode: null,
              response: null
            }))
          }
          return { _tag: "Done" } as const
        }
        const url = `${targetOrigin ?? ""}${hook.path}`
        const request: AttemptRequest = {
          url: targetOrigin === undefined ? null : url,
          connectionId: null,
          headers: Dispatcher.httpHeaders(started, prepared, signingKeys),
          body: prepared.body
        }
        yield* store.updateHook(started)
        yield* store.putAttempt(attemptRecord(started, request, now))
        yield* events.emit({ _tag: "AttemptStarted", hookId: hook.id, path: hook.path, attempt, transport })
        if (targetOrigin === undefined) {
          yield* resolveOpen(hook.id, attempt, () => ({
            _tag: "Failed",
            outcome: "failed",
            error: "no WebSocket listener is connected and no target origin is configured",
            statusCode: null,
            response: null
          }))
          return { _tag: "Done" } as const
        }
        return { _tag: "Http", hook: started, url, request } as const
      })

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

    const finishHttp = (
      hook: HookRecord,
      outcome: Dispatcher.HttpOutcome
    ): Effect.Effect<void, Store.StoreError> =>
      Effect.gen(function*() {
        const attempt = hook.attempts
        const response = outcome._tag === "Response" ? outcome.response : null
        const applied = yield* resolveOpen(hook.id, attempt, (current, now): Resolution | undefined => {
          // A callback may have resolved this attempt while the request was open.
          if (current.inFlight?.phase !== "sending") return undefined
          const durationMs = outcome.durationMs
          if (outcome._tag === "NoResponse") {
            return {
              _tag: "Failed",
              outcome: outcome.timedOut ? "timed_out" : "failed",
              error: outcome.error,
              statusCode: null,
              response: null,
              durationMs
            }
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

    const runAttempt = (entry: DueEntry): Effect.Effect<void, Store.StoreError> =>
      Effect.gen(function*() {
        const started = yield* serialized(start(entry))
        if (started._tag !== "Http") return
        const outcome = yield* Dispatcher.post({
          dispatcher: options.dispatcher,
          url: started.url,
          headers: started.request.headers,
          body: started.request.body,
          timeoutMillis: deliveryTimeoutMillis,
          timeoutLabel: seconds(config.deliveryTimeout)
        })
        yield* serialized(finishHttp(started.hook, outcome))
      }).pipe(
        Effect.withSpan("LocalPosthook.deliver", {
          captureStackTrace: false,
          attributes: { "posthook.hook_id": entry.hookId }
        })
      )

    /** The async callback deadline of an accepted attempt passed (a due-index entry, on `Clock`). */
    const expire = (entry: DueEntry): Effect.Effect<void, Store.StoreError> =>
      serialized(
        Effect.asVoid(resolveOpen(entry.hookId, entry.attempt, (hook): Resolution | undefined => {
          const inFlight = hook.inFlight
          if (inFlight?.phase !== "awaiting_callback" || inFlight.deadlineAt !== entry.at) return undefined
          return {
            _tag: "Failed",
            outcome: "timed_out",
            error: "no ack or nack callback arrived before the async deadline",
            statusCode: null,
            response: null
          }
        }))
      )

    /** The listener did not answer a `hook` frame within the ack window (wall clock). */
    const ackWindowPassed = (hookId: string, attempt: number): Effect.Effect<void, Store.StoreError> =>
      serialized(
        Effect.asVoid(resolveOpen(hookId, attempt, (hook): Resolution | undefined => {
          const inFlight = hook.inFlight
          if (inFlight?.phase !== "awaiting_ack") return undefined
          const connection = inFlight.connectionId === null ? undefined : listeners.get(inFlight.connectionId)
          connection?.send({ _tag: "ack_timeout", hookId: hook.id, attempt: inFlight.attempt - hook.cycleStart })
          return {
            _tag: "Failed",
            outcome: "timed_out",
            error: `the WebSocket listener did not ack, accept or nack within ${seconds(config.ackWindow)}`,
            statusCode: null,
            response: null
          }
        }))
      )

    function startAckWindow(hookId: string, attempt: number): void {
      const key = `${hookId}.${attempt}`
      ackWindows.set(
        key,
        setTimeout(() => {
          ackWindows.delete(key)
          runFork(ackWindowPassed(hookId, attempt).pipe(
            Effect.catchAllCause((cause) => Effect.logError("local Posthook: an ack window failed", cause))
          ))
        }, ackWindowMillis)
      )
    }

    function clearAckWindow(hookId: string, attempt: number): void {
      const key = `${hookId}.${attempt}`
      const timer = ackWindows.get(key)
      if (timer !== undefined) clearTimeout(timer)
      ackWindows.delete(key)
    }

    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const timer of ackWindows.values()) clearTimeout(timer)
        ackWindows.clear()
      })
    )

    // A worker must survive anything one hook can throw at it.
    const handleDue = (entry: DueEntry): Effect.Effect<void> =>
      (entry.kind === "attempt" ? runAttempt(entry) : expire(entry)).pipe(
        Effect.catchAllCause((cause) =>
          Cause.isInterruptedOnly(cause)
            ? Effect.interrupt
            : Effect.logError(`local Posthook: handling the ${entry.kind} of hook ${entry.hookId} failed`, cause)
        )
      )

    // ---- public operations ----

    const internPath = makeInterner(10_000)

    const schedule = (body: ScheduleBody) =>
      serialized(Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const { period, resetsAt } = quotaPeriod(now)
        if (config.quotaLimit !== undefined) {
          const usage = yield* store.usage(period)
          if (usage >= config.quotaLimit) {
            return yield* Effect.fail<ScheduleFailure>({
              _tag: "QuotaExceeded",
              quota: { limit: config.quotaLimit, usage, remaining: 0, resetsAt }
            })
          }
        }
        const postAt = yield* Effect.mapError(resolvePostAt(body, now), (message): ScheduleFailure => ({
          _tag: "Invalid",
          message
        }))
        const hook: HookRecord = {
          id: Crypto.randomUUID(),
          path: internPath(body.path),
          data: JSON.stringify(body.data ?? null),
          postAt,
          status: "pending",
          attempts: 0,
          cycleStart: 0,
          nextAttemptAt: postAt,
          inFlight: null,
          failureError: null,
          retryOverride: body.retryOverride ?? null,
          postDurationSeconds: 0,
          createdAt: now,
          updatedAt: now
        }
        yield* store.insertHook(hook)
        const usage = yield* store.addUsage(period)
        enqueue({ at: postAt, hookId: hook.id, kind: "attempt", attempt: 0 })
        yield* events.emit({ _tag: "HookScheduled", hookId: hook.id, path: hook.path, postAt })
        const quota = config.quotaLimit === undefined
          ? undefined
          : { limit: config.quotaLimit, usage, remaining: Math.max(0, config.quotaLimit - usage), resetsAt }
        return { hook, quota }
      })).pipe(Effect.withSpan("LocalPosthook.schedule", {
        captureStackTrace: false,
        attributes: { "posthook.path": body.path }
      }))

    const quota = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const { period, resetsAt } = quotaPeriod(now)
      return { limit: config.quotaLimit, usage: yield* store.usage(period), resetsAt }
    })

    const remove = (id: string) =>
      serialized(Effect.gen(function*() {
        const found = yield* store.getHook(id)
        if (Option.isNone(found)) return false
        const hook = found.value
        const connectionId = hook.inFlight?.connectionId
        if (connectionId !== undefined && connectionId !== null) listeners.get(connectionId)?.outstanding.delete(id)
        yield* store.deleteHook(id)
        yield* events.emit({ _tag: "HookDeleted", hookId: id, path: hook.path })
        return true
      }))

    const requeue = (hook: HookRecord, now: number, reason: "retry" | "replay" | "deliver_now") =>
      Effect.gen(function*() {
        const newCycle = reason !== "deliver_now"
        yield* store.updateHook({
          ...hook,
          status: newCycle ? "pending" : hook.status,
          cycleStart: newCycle ? hook.attempts : hook.cycleStart,
          failureError: newCycle ? null : hook.failureError,
          inFlight: null,
          nextAttemptAt: now,
          updatedAt: now
        })
        enqueue({ at: now, hookId: hook.id, kind: "attempt", attempt: 0 })
        yield* events.emit({ _tag: "HookRequeued", hookId: hook.id, path: hook.path, reason })
      })

    const cancel = (hook: HookRecord, now: number) =>
      Effect.gen(function*() {
        const inFlight = hook.inFlight
        if (inFlight !== null) {
          if (inFlight.connectionId !== null) listeners.get(inFlight.connectionId)?.outstanding.delete(hook.id)
          yield* updateAttempt(hook.id, inFlight.attempt, (record) => ({
            ...record,
            outcome: "cancelled",
            finishedAt: now,
            durationMs: now - record.startedAt
          }))
        }
        yield* store.updateHook({
          ...hook,
          status: "failed",
          failureError: "cancelled",
          inFlight: null,
          nextAttemptAt: null,
          updatedAt: now
        })
        yield* events.emit({ _tag: "HookCancelled", hookId: hook.id, path: hook.path })
      })

    const bulk = (action: BulkAction, selector: BulkSelector) =>
      serialized(Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const statuses: ReadonlyArray<Hook.HookStatus> = action === "retry"
          ? ["failed"]
          : action === "replay"
          ? ["completed"]
          : ["pending", "retry"]
        let selected: ReadonlyArray<HookRecord>
        if ("hookIDs" in selector) {
          selected = yield* store.listHooks({
            ids: selector.hookIDs,
            statuses,
            sortBy: "postAt",
            sortOrder: "ASC",
            limit: selector.hookIDs.length,
            offset: 0
          })
        } else {
          // Local hooks never belong to a sequence, so a sequence filter selects nothing.
          if (selector.sequenceID !== undefined) return 0
          selected = yield* store.listHooks({
            statuses,
            path: selector.endpointKey,
            postAtFrom: Date.parse(selector.startTime),
            postAtBefore: Date.parse(selector.endTime) + 1,
            sortBy: "postAt",
            sortOrder: "ASC",
            limit: selector.limit,
            offset: 0
          })
        }
        for (const hook of selected) {
          yield* action === "cancel" ? cancel(hook, now) : requeue(hook, now, action)
        }
        return selected.length
      })).pipe(Effect.withSpan("LocalPosthook.bulk", { attributes: { "posthook.action": action } }))

    const deliverNow = (id: string) =>
      serialized(Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const found = yield* store.getHook(id)
        if (Option.isNone(found)) return false
        const hook = found.value
        if ((hook.status !== "pending" && hook.status !== "retry") || hook.inFlight !== null) return false
        yield* requeue(hook, now, "deliver_now")
        return true
      }))

    const callback = (kind: "ack" | "nack", token: string, body: string) =>
      Option.match(CallbackTokens.verify(options.tokenSecret, token), {
        onNone: () =>
          Effect.succeed<CallbackAnswer>({ status: 401, result: "invalid_token", error: "invalid callback token" }),
        onSome: (target) =>
          serialized(Effect.gen(function*() {
            const now = yield* Clock.currentTimeMillis
            const found = yield* store.getHook(target.hookId)
            if (Option.isNone(found)) {
              return { status: 404, result: "not_found", error: "hook not found: it was deleted" }
            }
            const hook = found.value
            const answer = yield* decideCallback(kind, hook, target.attempt, body, now)
            yield* events.emit({
              _tag: "CallbackReceived",
              hookId: hook.id,
              path: hook.path,
              attempt: target.attempt,
              kind,
              answer: answer.status,
              result: answer.result
            })
            return answer
          }))
      }).pipe(Effect.withSpan("LocalPosthook.callback", {
        captureStackTrace: false,
        attributes: { "posthook.callback": kind }
      }))

    const decideCallback = (
      kind: "ack" | "nack",
      hook: HookRecord,
      attempt: number,
      body: string,
      now: number
    ): Effect.Effect<CallbackAnswer, Store.StoreError> =>
      Effect.gen(function*() {
        if (attempt < hook.attempts) {
          return { status: 409, result: "conflict", error: "the hook has moved on to a newer attempt" }
        }
        const expired: CallbackAnswer = { status: 410, result: "expired", error: "the callback deadline has passed" }
        const inFlight = hook.inFlight
        if (inFlight !== null && inFlight.attempt === attempt) {
          if (inFlight.deadlineAt !== null && now >= inFlight.deadlineAt) {
            // The deadline entry may not have been handled yet: time the attempt out now.
            yield* resolve(hook, {
              _tag: "Failed",
              outcome: "timed_out",
              error: "no ack or nack arrived before the deadline",
              statusCode: null,
              response: null
            }, now)
            return expired
          }
          if (kind === "ack") {
            yield* resolve(hook, { _tag: "Completed", statusCode: null, response: null }, now)
            return { status: 200, result: "completed" }
          }
          yield* resolve(hook, {
            _tag: "Failed",
            outcome: "nacked",
            error: nackError(body),
            statusCode: null,
            response: null
          }, now)
          return { status: 200, result: "nacked" }
        }
        const record = yield* store.getAttempt(hook.id, attempt)
        const outcome = Option.match(record, { onNone: () => hook.status, onSome: (found) => found.outcome })
        if (outcome === "timed_out") return expired
        return { status: 200, result: `already_${outcome}` }
      })

    const onFrame = (connection: Connection, message: ClientMessage) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        connection.lastFrameAt = now
        if (message._tag === "pong") return
        yield* serialized(Effect.gen(function*() {
          const found = yield* store.getHook(message.hookId)
          if (Option.isNone(found)) return
          const hook = found.value
          const inFlight = hook.inFlight
          // Only the connection the attempt went to may answer it, and only while it is open.
          if (inFlight === null || inFlight.connectionId !== connection.id) return
          if (inFlight.phase !== "awaiting_ack" && inFlight.phase !== "awaiting_callback") return
          switch (message._tag) {
            case "ack":
              return yield* resolve(hook, { _tag: "Completed", statusCode: null, response: null }, now)
            case "nack":
              return yield* resolve(hook, {
                _tag: "Failed",
                outcome: "nacked",
                error: message.error ?? "nacked by the WebSocket listener",
                statusCode: null,
                response: null
              }, now)
            case "accept": {
              if (inFlight.phase !== "awaiting_ack") return
              const timeoutSeconds = Number.isFinite(message.timeout) && message.timeout > 0
                ? Math.min(message.timeout, MAX_ACCEPT_SECONDS)
                : Duration.toSeconds(config.asyncTimeout)
              const deadlineAt = now + Math.round(timeoutSeconds * 1000)
              yield* resolve(hook, { _tag: "Accepted", deadlineAt, response: null }, now)
              const urls = callbackUrls(hook.id, inFlight.attempt)
              connection.send({
                _tag: "async_ack",
                hookId: hook.id,
                ackUrl: urls.ackUrl,
                nackUrl: urls.nackUrl,
                deadline: formatInstant(deadlineAt)
              })
              return
            }
          }
        }))
      })

    const onDisconnect = (connection: Connection) =>
      serialized(Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        for (const hookId of [...connection.outstanding]) {
          const found = yield* store.getHook(hookId)
          if (Option.isNone(found)) continue
          const hook = found.value
          if (hook.inFlight?.connectionId === connection.id && hook.inFlight.phase === "awaiting_ack") {
            yield* resolve(hook, {
              _tag: "Failed",
              outcome: "failed",
              error: "the WebSocket listener disconnected before answering",
              statusCode: null,
              response: null
            }, now)
          }
        }
        connection.outstanding.clear()
      }))

    // ---- start-up: rebuild the index from the store ----

    const recover = serialized(Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const active = yield* store.activeHooks
      for (const hook of active) {
        const inFlight = hook.inFlight
        if (inFlight === null) {
          if (hook.nextAttemptAt !== null) {
            enqueue({ at: hook.nextAttemptAt, hookId: hook.id, kind: "attempt", attempt: 0 })
          }
          continue
        }
        if (inFlight.phase === "awaiting_callback" && inFlight.deadlineAt !== null) {
          // Callback URLs stay valid across restarts: keep waiting until the deadline.
          enqueue({ at: inFlight.deadlineAt, hookId: hook.id, kind: "deadline", attempt: inFlight.attempt })
          continue
        }
        // The server stopped mid-attempt: nobody will answer it, so deliver again (at least once).
        yield* updateAttempt(hook.id, inFlight.attempt, (record) => ({
          ...record,
          outcome: "interrupted",
          error: "the server stopped while this attempt was in flight",
          finishedAt: now
        }))
        yield* store.updateHook({ ...hook, inFlight: null, nextAttemptAt: now, updatedAt: now })
        enqueue({ at: now, hookId: hook.id, kind: "attempt", attempt: 0 })
      }
    }))

    yield* recover

    const timerFiber = yield* Effect.forkScoped(timer)
    const workers = yield* Effect.forEach(
      Array.from({ length: config.concurrency }),
      () => Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(work), handleDue))),
      { concurrency: "unbounded" }
    )

    // Graceful stop: no new work, let in-flight deliveries finish (bounded by wall-clock time,
    // so a stopped TestClock cannot hang shutdown), then interrupt what is left.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        yield* Fiber.interrupt(timerFiber)
        yield* Queue.shutdown(work)
        yield* WallClock.raceWithTimeout(Fiber.awaitAll(workers), Duration.toMillis(config.shutdownGrace))
        yield* Fiber.interruptAll(workers)
      })
    )

    return {
      schedule,
      quota,
      remove,
      bulk,
      deliverNow,
      callback,
      onFrame,
      onDisconnect,
      callbackUrls,
      pendingTimers: () => index.size
    } satisfies Engine
  })

/** When a validated schedule body's hook is due, in epoch milliseconds. */
const resolvePostAt = (body: ScheduleBody, now: number): Effect.Effect<number, string> => {
  if (body.postIn !== undefined) {
    return Effect.map(parseSeconds(body.postIn), (secs) => now + secs * 1000)
  }
  if (body.postAt !== undefined) return parseInstant(body.postAt, "postAt")
  if (body.postAtLocal !== undefined && body.timezone !== undefined) {
    return resolveLocal(body.postAtLocal, body.timezone)
  }
  return Effect.fail("exactly one of postIn, postAt or postAtLocal is required")
}
