/**
 * The in-memory store: the default, and what tests use. Everything is lost
 * when the server stops.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { AttemptRecord, HookRecord } from "./HookRecord.js"
import { matches, select } from "./internal/hookFilter.js"
import type { HookFilter } from "./Store.js"
import * as Store from "./Store.js"

/**
 * Builds an empty in-memory store.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MemoryStore } from "posthook-effect/server"
 *
 * const program = Effect.gen(function* () {
 *   const store = yield* MemoryStore.make
 *   return yield* store.countHooks({})
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Store.Service> = Effect.sync(() => {
  const hooks = new Map<string, HookRecord>()
  const attempts = new Map<string, Array<AttemptRecord>>()
  const usage = new Map<string, number>()
  const settings = new Map<string, string>()

  const candidates = (filter: HookFilter): Iterable<HookRecord> =>
    filter.ids === undefined
      ? hooks.values()
      : filter.ids.flatMap((id) => {
        const hook = hooks.get(id)
        return hook === undefined ? [] : [hook]
      })

  return Store.Store.of({
    description: "memory",
    insertHook: (hook) => Effect.sync(() => void hooks.set(hook.id, hook)),
    updateHook: (hook) => Effect.sync(() => void hooks.set(hook.id, hook)),
    getHook: (id) => Effect.sync(() => Option.fromNullishOr(hooks.get(id))),
    deleteHook: (id) =>
      Effect.sync(() => {
        attempts.delete(id)
        return hooks.delete(id)
      }),
    listHooks: (query) => Effect.sync(() => select(query, candidates(query))),
    countHooks: (filter) =>
      Effect.sync(() => {
        let count = 0
        for (const hook of candidates(filter)) if (matches(filter, hook)) count++
        return count
      }),
    activeHooks: Effect.sync(() => {
      const active: Array<HookRecord> = []
      for (const hook of hooks.values()) {
        if (hook.status === "pending" || hook.status === "retry") active.push(hook)
      }
      return active
    }),
    putAttempt: (attempt) =>
      Effect.sync(() => {
        const list = attempts.get(attempt.hookId)
        if (list === undefined) {
          attempts.set(attempt.hookId, [attempt])
          return
        }
        const index = list.findIndex((existing) => existing.attempt === attempt.attempt)
        if (index === -1) list.push(attempt)
        else list[index] = attempt
      }),
    getAttempt: (hookId, attempt) =>
      Effect.sync(() => Option.fromNullishOr(attempts.get(hookId)?.find((record) => record.attempt === attempt))),
    listAttempts: ({ hookId, limit }) =>
      Effect.sync(() => {
        if (hookId !== undefined) {
          const list = [...(attempts.get(hookId) ?? [])].sort((a, b) => a.attempt - b.attempt)
          return limit === undefined ? list : list.slice(-limit)
        }
        const all = [...attempts.values()].flat().sort((a, b) => b.startedAt - a.startedAt)
        return limit === undefined ? all : all.slice(0, limit)
      }),
    addUsage: (period) =>
      Effect.sync(() => {
        const next = (usage.get(period) ?? 0) + 1
        usage.set(period, next)
        return next
      }),
    usage: (period) => Effect.sync(() => usage.get(period) ?? 0),
    setting: (key, initial) =>
      Effect.sync(() => {
        const existing = settings.get(key)
        if (existing !== undefined) return existing
        const value = initial()
        settings.set(key, value)
        return value
      })
  })
})

/**
 * The in-memory store as a Layer.
 *
 * @example
 * ```ts
 * import { LocalPosthook } from "posthook-effect/server"
 *
 * // The memory store is the default; this is the same as omitting `store`.
 * const TestPosthook = LocalPosthook.layer({ store: "memory" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Store.Store> = Layer.effect(Store.Store, make)
