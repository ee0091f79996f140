/**
 * The meaning of a `HookFilter` / `HookQuery` as plain functions, used by the
 * memory store (and by tests as the reference the SQLite store must match).
 *
 * @internal
 */
import type { HookRecord } from "../HookRecord.js"
import type { HookFilter, HookQuery } from "../Store.js"

/** @internal */
export const matches = (filter: HookFilter, hook: HookRecord): boolean =>
  (filter.ids === undefined || filter.ids.includes(hook.id)) &&
  (filter.statuses === undefined || filter.statuses.includes(hook.status)) &&
  (filter.path === undefined || hook.path === filter.path) &&
  (filter.postAtFrom === undefined || hook.postAt >= filter.postAtFrom) &&
  (filter.postAtAfter === undefined || hook.postAt > filter.postAtAfter) &&
  (filter.postAtBefore === undefined || hook.postAt < filter.postAtBefore) &&
  (filter.createdAtAfter === undefined || hook.createdAt > filter.createdAtAfter) &&
  (filter.createdAtBefore === undefined || hook.createdAt < filter.createdAtBefore) &&
  (filter.idContains === undefined || hook.id.includes(filter.idContains))

/** @internal */
export const compare = (query: Pick<HookQuery, "sortBy" | "sortOrder">) => (a: HookRecord, b: HookRecord): number => {
  const key = query.sortBy === "postAt" ? a.postAt - b.postAt : a.createdAt - b.createdAt
  const ordered = key !== 0 ? key : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  return query.sortOrder === "ASC" ? ordered : -ordered
}

/** @internal */
export const select = (query: HookQuery, hooks: Iterable<HookRecord>): ReadonlyArray<HookRecord> => {
  const selected: Array<HookRecord> = []
  for (const hook of hooks) {
    if (matches(query, hook)) selected.push(hook)
  }
  selected.sort(compare(query))
  return selected.slice(query.offset, query.offset + query.limit)
}
