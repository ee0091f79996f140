/**
 * Where the local server keeps hooks, attempts, quota usage and its own
 * secrets. Two implementations: `MemoryStore` (the default, for tests) and
 * `SqliteStore` (a file, so pending hooks survive a restart or a `kill -9`).
 *
 * The store is a plain repository: it never decides anything. The engine
 * serialises every state change, so implementations need no locking of
 * their own.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Hook from "../Hook.js"
import type { AttemptRecord, HookRecord } from "./HookRecord.js"

/**
 * A storage failure (SQLite I/O, a corrupt row). The REST API answers 500.
 *
 * @example
 * ```ts
 * import { Store } from "posthook-effect/server"
 *
 * const error = new Store.StoreError({ operation: "getHook", message: "disk I/O error" })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class StoreError extends Data.TaggedError("StoreError")<{
  readonly operation: string
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * Which hooks a query selects. Every field is optional; all given fields
 * must match. Time bounds are epoch milliseconds.
 *
 * @example
 * ```ts
 * import type { Store } from "posthook-effect/server"
 *
 * const dueToday: Store.HookFilter = {
 *   statuses: ["pending", "retry"],
 *   postAtFrom: Date.parse("2026-06-15T00:00:00Z"),
 *   postAtBefore: Date.parse("2026-06-16T00:00:00Z")
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface HookFilter {
  readonly ids?: ReadonlyArray<string> | undefined
  readonly statuses?: ReadonlyArray<Hook.HookStatus> | undefined
  readonly path?: string | undefined
  /** `postAt >= postAtFrom` */
  readonly postAtFrom?: number | undefined
  /** `postAt > postAtAfter` */
  readonly postAtAfter?: number | undefined
  /** `postAt < postAtBefore` */
  readonly postAtBefore?: number | undefined
  /** `createdAt > createdAtAfter` */
  readonly createdAtAfter?: number | undefined
  /** `createdAt < createdAtBefore` */
  readonly createdAtBefore?: number | undefined
  /** Substring of the id (dashboard search). */
  readonly idContains?: string | undefined
}

/**
 * A filter plus order and page. Ties on the sort key are broken by id, so
 * pages are stable.
 *
 * @example
 * ```ts
 * import type { Store } from "posthook-effect/server"
 *
 * const oldestFirst: Store.HookQuery = { sortBy: "postAt", sortOrder: "ASC", limit: 100, offset: 0 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface HookQuery extends HookFilter {
  readonly sortBy: "postAt" | "createdAt"
  readonly sortOrder: "ASC" | "DESC"
  readonly limit: number
  readonly offset: number
}

/**
 * The store's operations.
 *
 * @example
 * ```ts
 * import type { Store } from "posthook-effect/server"
 *
 * const countFailed = (store: Store.Service) => store.countHooks({ statuses: ["failed"] })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `memory`, or the SQLite file name. */
  readonly description: string
  readonly insertHook: (hook: HookRecord) => Effect.Effect<void, StoreError>
  readonly updateHook: (hook: HookRecord) => Effect.Effect<void, StoreError>
  readonly getHook: (id: string) => Effect.Effect<Option.Option<HookRecord>, StoreError>
  /** Deletes a hook and its attempts; `false` when there was no such hook. */
  readonly deleteHook: (id: string) => Effect.Effect<boolean, StoreError>
  readonly listHooks: (query: HookQuery) => Effect.Effect<ReadonlyArray<HookRecord>, StoreError>
  readonly countHooks: (filter: HookFilter) => Effect.Effect<number, StoreError>
  /** Hooks with status `pending` or `retry`: what the scheduler must know after a start. */
  readonly activeHooks: Effect.Effect<ReadonlyArray<HookRecord>, StoreError>
  /** Inserts or replaces the record of `(hookId, attempt)`. */
  readonly putAttempt: (attempt: AttemptRecord) => Effect.Effect<void, StoreError>
  readonly getAttempt: (hookId: string, attempt: number) => Effect.Effect<Option.Option<AttemptRecord>, StoreError>
  /** A hook's attempts, oldest first; without `hookId`, the latest `limit` attempts of all hooks, newest first. */
  readonly listAttempts: (options: {
    readonly hookId?: string | undefined
    readonly limit?: number | undefined
  }) => Effect.Effect<ReadonlyArray<AttemptRecord>, StoreError>
  /** Adds one hook to a quota period's usage and returns the new usage. */
  readonly addUsage: (period: string) => Effect.Effect<number, StoreError>
  readonly usage: (period: string) => Effect.Effect<number, StoreError>
  /** A persistent server setting: returns the stored value, storing `initial()` first if there is none. */
  readonly setting: (key: string, initial: () => string) => Effect.Effect<string, StoreError>
}

/**
 * The store service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MemoryStore, Store } from "posthook-effect/server"
 *
 * const program = Effect.gen(function* () {
 *   const store = yield* Store.Store
 *   return yield* store.countHooks({ statuses: ["pending"] })
 * }).pipe(Effect.provide(MemoryStore.layer))
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class Store extends Context.Service<Store, Service>()("posthook-effect/server/Store") {}
