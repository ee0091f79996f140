/**
 * The engine: the operations on hooks (schedule, delete, bulk actions,
 * deliver now, answers), wired from small parts:
 *
 * - `scheduler.ts`: the due index, one timer on `Clock`, the worker pool;
 * - `attempt.ts`: the attempt state machine (start / resolve / expire), with
 *   `ackWindows.ts` for the WebSocket ack windows on the wall clock;
 * - `dispatcher.ts`: an attempt on the wire (WebSocket frame | HTTP POST);
 * - `callbacks.ts`: ack/nack callbacks and WebSocket answers;
 * - `quota.ts`: the monthly quota;
 * - `recovery.ts`: rebuilding the schedule from the store at start-up.
 *
 * Every change of a hook runs under one lock (see `attempt.ts`).
 *
 * @internal
 */
import * as Crypto from "node:crypto"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Semaphore from "effect/Semaphore"
import type * as Scope from "effect/Scope"
import type * as Hook from "../../Hook.js"
import { parseSeconds } from "../../protocol/duration.js"
import type { ClientMessage } from "../../protocol/frames.js"
import type { ScheduleBody } from "../../protocol/schedule.js"
import type { HookRecord } from "../HookRecord.js"
import { pendingRecord } from "./pendingRecord.js"
import type * as ServerConfig from "../ServerConfig.js"
import type * as Store from "../Store.js"
import { parseInstant, resolveLocal } from "../TimeZone.js"
import * as Attempt from "./attempt.js"
import * as Callbacks from "./callbacks.js"
import * as CallbackTokens from "./callbackTokens.js"
import type * as Dispatcher from "./dispatcher.js"
import type { DueEntry } from "./dueIndex.js"
import type { EventLog } from "./eventLog.js"
import type { Connection, Listeners } from "./listeners.js"
import * as Quota from "./quota.js"
import { recover } from "./recovery.js"
import * as Scheduler from "./scheduler.js"

/** @internal */
export type CallbackAnswer = Callbacks.CallbackAnswer

/** @internal */
export type QuotaState = Quota.QuotaState

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

/** @internal */
export type ScheduleFailure =
  | { readonly _tag: "Invalid"; readonly message: string }
  | Quota.QuotaExceeded

/** @internal */
export interface Engine {
  readonly schedule: (
    body: ScheduleBody
  ) => Effect.Effect<
    { readonly hook: HookRecord; readonly quota: QuotaState | undefined },
    ScheduleFailure | Store.StoreError
  >
  readonly quota: Effect.Effect<Quota.QuotaUsage, Store.StoreError>
  readonly remove: (id: string) => Effect.Effect<boolean, Store.StoreError>
  readonly bulk: (action: BulkAction, selector: BulkSelector) => Effect.Effect<number, Store.StoreError>
  readonly deliverNow: (id: string) => Effect.Effect<boolean, Store.StoreError>
  /** An ack/nack for an attempt whose callback token the caller has verified (`CallbackTokens.verify`). */
  readonly callback: (
    kind: "ack" | "nack",
    target: CallbackTokens.CallbackTarget,
    body: string
  ) => Effect.Effect<CallbackAnswer, Store.StoreError>
  readonly onFrame: (connection: Connection, message: ClientMessage) => Effect.Effect<void, Store.StoreError>
  /** A listener went away, leaving `unanswered` deliveries (from `Listeners.disconnect`). */
  readonly onDisconnect: (
    connection: Connection,
    unanswered: ReadonlyArray<string>
  ) => Effect.Effect<void, Store.StoreError>
}

/** @internal */
export interface EngineOptions {
  readonly config: ServerConfig.Resolved
  readonly store: Store.Service
  readonly events: EventLog
  readonly listeners: Listeners
  /** Where HTTP deliveries go out: an undici dispatcher (connection pools per origin). */
  readonly dispatcher: Dispatcher.UndiciDispatcher
  readonly publicUrl: string
  readonly targetOrigin: () => string | undefined
  readonly tokenSecret: string
}

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

/** When a validated schedule body's hook is due, in epoch milliseconds. */
const resolvePostAt = (body: ScheduleBody, now: number): Result.Result<number, string> => {
  if (body.postIn !== undefined) return Result.map(parseSeconds(body.postIn), (secs) => now + secs * 1000)
  if (body.postAt !== undefined) return parseInstant(body.postAt, "postAt")
  if (body.postAtLocal !== undefined && body.timezone !== undefined) {
    return resolveLocal(body.postAtLocal, body.timezone)
  }
  return Result.fail("exactly one of postIn, postAt or postAtLocal is required")
}

/** Which hooks a bulk action applies to. */
const bulkStatuses = (action: BulkAction): ReadonlyArray<Hook.HookStatus> =>
  action === "retry" ? ["failed"] : action === "replay" ? ["completed"] : ["pending", "retry"]

/** @internal */
export const make = (options: EngineOptions): Effect.Effect<Engine, Store.StoreError, Scope.Scope> =>
  Effect.gen(function*() {
    const { config, events, listeners, store } = options
    const lock = yield* Semaphore.make(1)
    const scheduler = yield* Scheduler.make({ concurrency: config.concurrency, shutdownGrace: config.shutdownGrace })

    const callbackUrls = (hookId: string, attempt: number) => {
      const token = CallbackTokens.mint(options.tokenSecret, { hookId, attempt })
      return { ackUrl: `${options.publicUrl}/ack/${token}`, nackUrl: `${options.publicUrl}/nack/${token}` }
    }

    const core: Attempt.Core = {
      config,
      store,
      events,
      listeners,
      serialized: lock.withPermits(1),
      enqueue: scheduler.enqueue,
      callbackUrls
    }
    const { serialized } = core
    const attempts = yield* Attempt.make(core, { dispatcher: options.dispatcher, targetOrigin: options.targetOrigin })
    const answers = Callbacks.make(core, attempts)
    const quota = Quota.make(config, store)
    const internPath = makeInterner(10_000)

    const schedule = (body: ScheduleBody) =>
      serialized(Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        yield* quota.check(now)
        const postAt = yield* Effect.fromResult(resolvePostAt(body, now)).pipe(
          Effect.mapError((message): ScheduleFailure => ({ _tag: "Invalid", message }))
        )
        const hook = pendingRecord({
          id: Crypto.randomUUID(),
          path: internPath(body.path),
          data: JSON.stringify(body.data ?? null),
          postAt,
          createdAt: now,
          retryOverride: body.retryOverride ?? null
        })
        yield* store.insertHook(hook)
        const quotaState = yield* quota.consume(now)
        scheduler.enqueue({ at: postAt, hookId: hook.id, kind: "attempt", attempt: 0 })
        yield* events.emit({ _tag: "HookScheduled", hookId: hook.id, path: hook.path, postAt })
        return { hook, quota: quotaState }
      })).pipe(Effect.withSpan("LocalPosthook.schedule", { attributes: { "posthook.path": body.path } }, {
        captureStackTrace: false
      }))

    const remove = (id: string) =>
      serialized(Effect.gen(function*() {
        const found = yield* store.getHook(id)
        if (Option.isNone(found)) return false
        const hook = found.value
        const connectionId = hook.inFlight?.connectionId
        if (connectionId !== undefined && connectionId !== null) listeners.answered(connectionId, id)
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
        scheduler.enqueue({ at: now, hookId: hook.id, kind: "attempt", attempt: 0 })
        yield* events.emit({ _tag: "HookRequeued", hookId: hook.id, path: hook.path, reason })
      })

    const cancel = (hook: HookRecord, now: number) =>
      Effect.gen(function*() {
        const inFlight = hook.inFlight
        if (inFlight !== null) {
          if (inFlight.connectionId !== null) listeners.answered(inFlight.connectionId, hook.id)
          yield* attempts.updateAttempt(hook.id, inFlight.attempt, (record) => ({
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

    const select = (action: BulkAction, selector: BulkSelector): Effect.Effect<ReadonlyArray<HookRecord>, Store.StoreError> => {
      const statuses = bulkStatuses(action)
      if ("hookIDs" in selector) {
        return store.listHooks({
          ids: selector.hookIDs,
          statuses,
          sortBy: "postAt",
          sortOrder: "ASC",
          limit: selector.hookIDs.length,
          offset: 0
        })
      }
      // Local hooks never belong to a sequence, so a sequence filter selects nothing.
      if (selector.sequenceID !== undefined) return Effect.succeed([])
      return store.listHooks({
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

    const bulk = (action: BulkAction, selector: BulkSelector) =>
      serialized(Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const selected = yield* select(action, selector)
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

    // A worker must survive anything one hook can throw at it.
    const handleDue = (entry: DueEntry): Effect.Effect<void> =>
      (entry.kind === "attempt" ? attempts.run(entry) : attempts.expire(entry)).pipe(
        Effect.catchCause((cause) =>
          Cause.hasInterruptsOnly(cause)
            ? Effect.interrupt
            : Effect.logError(`local Posthook: handling the ${entry.kind} of hook ${entry.hookId} failed`, cause)
        )
      )

    yield* recover(core, attempts)
    yield* scheduler.run(handleDue)

    return {
      schedule,
      quota: Effect.flatMap(Clock.currentTimeMillis, quota.usage),
      remove,
      bulk,
      deliverNow,
      callback: answers.callback,
      onFrame: answers.onFrame,
      onDisconnect: answers.onDisconnect
    } satisfies Engine
  })
