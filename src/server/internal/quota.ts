/**
 * The monthly hook quota (docs/protocol.md §1.1): a calendar month in UTC,
 * counted in the store, reported in the `Posthook-HookQuota-*` headers.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as ServerConfig from "../ServerConfig.js"
import type * as Store from "../Store.js"

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

/** Scheduling was refused: the month's quota is used up. @internal */
export interface QuotaExceeded {
  readonly _tag: "QuotaExceeded"
  readonly quota: QuotaState
}

/** @internal */
export interface QuotaUsage {
  readonly limit: number | undefined
  readonly usage: number
  readonly resetsAt: number
}

interface Period {
  readonly period: string
  readonly startsAt: number
  readonly resetsAt: number
}

/** `YYYY-MM` of an instant (UTC): the quota period, when it started and when the next one starts. */
const periodOf = (now: number): Period => {
  const date = new Date(now)
  const year = date.getUTCFullYear()
  const month = date.getUTCMonth()
  return {
    period: `${year}-${String(month + 1).padStart(2, "0")}`,
    startsAt: Date.UTC(year, month, 1),
    resetsAt: Date.UTC(year, month + 1, 1)
  }
}

/** @internal */
export interface Quota {
  /** Fails when one more hook would go over the limit (lock held). */
  readonly check: (now: number) => Effect.Effect<void, QuotaExceeded | Store.StoreError>
  /** Counts one scheduled hook; the state for the headers, `undefined` when unlimited. */
  readonly consume: (now: number) => Effect.Effect<QuotaState | undefined, Store.StoreError>
  readonly usage: (now: number) => Effect.Effect<QuotaUsage, Store.StoreError>
}

/** @internal */
export const make = (config: ServerConfig.Resolved, store: Store.Service): Quota => {
  const limit = config.quotaLimit
  // The period of the last call, reused while `now` is in it: no Date, text and object per schedule.
  let last = periodOf(0)
  const periodAt = (now: number): Period => now >= last.startsAt && now < last.resetsAt ? last : (last = periodOf(now))
  return {
    check: (now) =>
      Effect.gen(function*() {
        if (limit === undefined) return
        const { period, resetsAt } = periodAt(now)
        const usage = yield* store.usage(period)
        if (usage >= limit) {
          return yield* Effect.fail<QuotaExceeded>({
            _tag: "QuotaExceeded",
            quota: { limit, usage, remaining: 0, resetsAt }
          })
        }
      }),
    consume: (now) =>
      Effect.gen(function*() {
        const { period, resetsAt } = periodAt(now)
        const usage = yield* store.addUsage(period)
        return limit === undefined ? undefined : { limit, usage, remaining: Math.max(0, limit - usage), resetsAt }
      }),
    usage: (now) =>
      Effect.gen(function*() {
        const { period, resetsAt } = periodAt(now)
        return { limit, usage: yield* store.usage(period), resetsAt }
      })
  }
}
