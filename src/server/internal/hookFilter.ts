/**
 * The meaning of a `HookFilter` / `HookQuery` as plain functions, used by the
 * memory store (and by tests as the reference the SQLite store must match).
 *
 * They read only the fields a filter or a sort names ({@link FilterView}), so
 * the memory store can run them on its compact records without building a
 * full `HookRecord` per stored hook.
 *
 * @internal
 */
import type { HookRecord } from "../HookRecord.js"
import type { HookFilter, HookQuery } from "../Store.js"

/** What filters and sorts read of a hook. @internal */
export type FilterView = Pick<HookRecord, "id" | "status" | "path" | "postAt" | "createdAt">

/** @internal */
export const matches = (filter: HookFilter, hook: FilterView): boolean =>
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
export const compare = (query: Pick<HookQuery, "sortBy" | "sortOrder">) => (a: FilterView, b: FilterView): number => {
  const key = query.sortBy === "postAt" ? a.postAt - b.postAt : a.createdAt - b.createdAt
  const ordered = key !== 0 ? key : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  return query.sortOrder === "ASC" ? ordered : -ordered
}

/** @internal */
export const select = <A extends FilterView>(query: HookQuery, hooks: Iterable<A>): ReadonlyArray<A> => {
  const selected: Array<A> = []
  for (const hook of hooks) {
    if (matches(query, hook)) selected.push(hook)
  }
  selected.sort(compare(query))
  return selected.slice(query.offset, query.offset + query.limit)
}
