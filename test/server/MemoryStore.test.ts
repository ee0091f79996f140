/**
 * The memory store keeps fresh hooks (pending, never attempted) in a compact
 * form and builds the full record on every read. Whatever form a hook is kept
 * in, reads must give back exactly the record that was written, and queries
 * must answer as the plain filter functions do on the records themselves.
 */
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Effect, Option } from "effect"
import type { HookRecord } from "../../src/server/HookRecord.js"
import { matches, select } from "../../src/server/internal/hookFilter.js"
import { pendingRecord } from "../../src/server/internal/pendingRecord.js"
import * as MemoryStore from "../../src/server/MemoryStore.js"
import type { HookQuery } from "../../src/server/Store.js"
import { boolean, constantFrom, integer, jsonText, oneOf, weighted } from "../utils/arbitraries.js"

const NOW = Date.parse("2026-12-07T00:00:00Z")
const DAY = 86_400_000

const fresh = (id: string, createdAt: number, postAt: number, path = "/a"): HookRecord =>
  pendingRecord({ id, path, data: "{\"n\":1}", postAt, createdAt, retryOverride: null })

const idFor = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`

/** Times near now, and the ones the compact form cannot hold exactly. */
const time = oneOf(
  Arbitrary.map(integer({ min: -5, max: 5 }), (n) => NOW + n * 1000),
  Arbitrary.map(integer({ min: -5, max: 5 }), (n) => NOW + n * 1000 + 0.5),
  Arbitrary.map(integer({ min: 13, max: 400 }), (n) => NOW + n * DAY),
  constantFrom(0, -0, NOW - 40 * DAY, Number.MAX_SAFE_INTEGER)
)

/** Mostly fresh hooks; the rest differ from fresh in one field. */
const hookArbitrary = (id: string): Arbitrary.Arbitrary<HookRecord> =>
  Arbitrary.map(
    Arbitrary.all({
      createdAt: time,
      postAt: time,
      path: constantFrom("/a", "/b", "/c/d"),
      data: jsonText,
      variant: weighted(
        [6, Arbitrary.Constant("fresh")],
        [1, constantFrom("retry", "attempted", "override", "duration", "updated", "rescheduled", "failed")]
      ),
      flag: boolean
    }),
    ({ createdAt, postAt, path, data, variant, flag }): HookRecord => {
      const hook = { ...fresh(id, createdAt, postAt, path), data }
      switch (variant) {
        case "retry":
          return { ...hook, status: "retry", attempts: 1 }
        case "attempted":
          return { ...hook, attempts: flag ? 1 : -0, cycleStart: flag ? 0 : 1 }
        case "override":
          return {
            ...hook,
            retryOverride: { minRetries: 3, delaySecs: 10, strategy: "fixed", backoffFactor: 1, maxDelaySecs: 60, jitter: flag }
          }
        case "duration":
          return { ...hook, postDurationSeconds: flag ? 0.25 : -0 }
        case "updated":
          return { ...hook, updatedAt: createdAt + 1 }
        case "rescheduled":
          return { ...hook, nextAttemptAt: flag ? null : postAt + 1 }
        case "failed":
          return { ...hook, status: "failed", nextAttemptAt: null, failureError: "HTTP 500" }
        default:
          return hook
      }
    }
  )

const hooksArbitrary = Arbitrary.flatMap(
  integer({ min: 0, max: 20 }),
  (count) => Arbitrary.all(Array.from({ length: count }, (_, n) => hookArbitrary(idFor(n))))
)

const queryArbitrary: Arbitrary.Arbitrary<HookQuery> = Arbitrary.all({
  statuses: weighted([2, Arbitrary.Constant(undefined)], [1, constantFrom(["pending"], ["pending", "retry"], ["failed"])]),
  path: weighted([2, Arbitrary.Constant(undefined)], [1, constantFrom("/a", "/b")]),
  postAtFrom: weighted([3, Arbitrary.Constant(undefined)], [1, constantFrom(NOW, NOW + 2000)]),
  createdAtBefore: weighted([3, Arbitrary.Constant(undefined)], [1, constantFrom(NOW, NOW + 13 * DAY)]),
  sortBy: constantFrom("postAt", "createdAt"),
  sortOrder: constantFrom("ASC", "DESC"),
  limit: oneOf(Arbitrary.Constant(1000), integer({ min: 1, max: 10 })),
  offset: oneOf(Arbitrary.Constant(0), integer({ min: 0, max: 5 }))
})

describe("MemoryStore", () => {
  it.effect("reads give back exactly what was written, and queries answer as the filter functions do", () =>
    Effect.gen(function*() {
      const samples = yield* Arbitrary.sampleEffect(
        Arbitrary.all([hooksArbitrary, Arbitrary.array(queryArbitrary, { maxLength: 6 })]),
        { count: 80, seed: 20261207 }
      )
      for (const [hooks, queries] of samples) {
        const store = yield* MemoryStore.make
        for (const hook of hooks) yield* store.insertHook(hook)
        for (const hook of hooks) expect(yield* store.getHook(hook.id)).toEqual(Option.some(hook))
        expect(yield* store.activeHooks).toEqual(
          hooks.filter((hook) => hook.status === "pending" || hook.status === "retry")
        )
        for (const query of queries) {
          expect(yield* store.listHooks(query)).toEqual(select(query, hooks))
          expect(yield* store.countHooks(query)).toBe(hooks.filter((hook) => matches(query, hook)).length)
          const ids = hooks.slice(0, 3).map((hook) => hook.id)
          expect(yield* store.countHooks({ ...query, ids })).toBe(
            hooks.filter((hook) => matches({ ...query, ids }, hook)).length
          )
        }
      }
    }))

  it.effect("a hook keeps its exact record when an update makes it fresh, or no longer fresh", () =>
    Effect.gen(function*() {
      const store = yield* MemoryStore.make
      const hook = fresh(idFor(1), NOW, NOW + DAY)
      yield* store.insertHook(hook)
      const stages: ReadonlyArray<HookRecord> = [
        { ...hook, inFlight: { attempt: 1, transport: "http", phase: "sending", startedAt: NOW + DAY, deadlineAt: null, connectionId: null }, nextAttemptAt: null },
        { ...hook, status: "retry", attempts: 1, nextAttemptAt: NOW + DAY + 5000, updatedAt: NOW + DAY },
        // A bulk replay starts a new cycle: pending again, but no longer fresh (attempts made).
        { ...hook, attempts: 1, cycleStart: 1, nextAttemptAt: NOW + 2 * DAY, updatedAt: NOW + 2 * DAY },
        fresh(idFor(1), NOW + 7, NOW + 7)
      ]
      for (const stage of stages) {
        yield* store.updateHook(stage)
        expect(yield* store.getHook(hook.id)).toEqual(Option.some(stage))
        expect(yield* store.listHooks({ sortBy: "postAt", sortOrder: "ASC", limit: 10, offset: 0 })).toEqual([stage])
      }
      expect(yield* store.deleteHook(hook.id)).toBe(true)
      expect(yield* store.countHooks({})).toBe(0)
    }))

  it.effect("counts and lists many fresh hooks created over time", () =>
    Effect.gen(function*() {
      const store = yield* MemoryStore.make
      const hooks = Array.from({ length: 500 }, (_, n) => fresh(idFor(n), NOW + n * 37, NOW + DAY - n * 11, `/p/${n % 7}`))
      for (const hook of hooks) yield* store.insertHook(hook)
      const query: HookQuery = { path: "/p/3", sortBy: "postAt", sortOrder: "ASC", limit: 20, offset: 3 }
      expect(yield* store.listHooks(query)).toEqual(select(query, hooks))
      expect(yield* store.countHooks({ statuses: ["pending"], postAtBefore: NOW + DAY - 2000 })).toBe(
        hooks.filter((hook) => hook.postAt < NOW + DAY - 2000).length
      )
    }))
})
