/**
 * The two stores must mean the same thing: every query of random hooks
 * answers the same from SQLite as from the in-memory store (the reference).
 */
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Effect, Option } from "effect"
import type { AttemptRecord, HookRecord } from "../../src/server/HookRecord.js"
import * as MemoryStore from "../../src/server/MemoryStore.js"
import * as SqliteStore from "../../src/server/SqliteStore.js"
import type { HookQuery } from "../../src/server/Store.js"
import { boolean, constantFrom, integer, jsonText, oneOf, weighted } from "../utils/arbitraries.js"

const STATUSES = ["pending", "retry", "completed", "failed"] as const
const PATHS = ["/a", "/b", "/c/d"] as const
const BASE = Date.parse("2026-06-01T00:00:00Z")

/** A random subset of `values`, in their order, at most `maxLength` long. */
const subarray = <A>(values: ReadonlyArray<A>, maxLength = values.length) =>
  Arbitrary.map(
    Arbitrary.all(values.map(() => boolean)),
    (picked) => values.filter((_, index) => picked[index]).slice(0, maxLength)
  )

const hookArbitrary = (id: string) =>
  Arbitrary.map(
    Arbitrary.all({
      path: constantFrom(...PATHS),
      status: constantFrom(...STATUSES),
      // Few distinct times, so ties on the sort key are common.
      postAt: Arbitrary.map(integer({ min: 0, max: 5 }), (n) => BASE + n * 1000),
      createdAt: Arbitrary.map(integer({ min: 0, max: 5 }), (n) => BASE - n * 1000),
      attempts: integer({ min: 0, max: 4 }),
      data: jsonText,
      withOverride: boolean,
      inFlight: boolean
    }),
    (fields): HookRecord => ({
      id,
      path: fields.path,
      data: fields.data,
      postAt: fields.postAt,
      status: fields.status,
      attempts: fields.attempts,
      cycleStart: 0,
      nextAttemptAt: fields.status === "pending" || fields.status === "retry" ? fields.postAt : null,
      inFlight: fields.inFlight
        ? {
          attempt: fields.attempts,
          transport: "http",
          phase: "awaiting_callback",
          startedAt: fields.postAt,
          deadlineAt: fields.postAt + 300_000,
          connectionId: null
        }
        : null,
      failureError: fields.status === "failed" ? "HTTP 500" : null,
      retryOverride: fields.withOverride
        ? { minRetries: 3, delaySecs: 10, strategy: "exponential", backoffFactor: 1.5, maxDelaySecs: 600, jitter: true }
        : null,
      postDurationSeconds: 0.25,
      createdAt: fields.createdAt,
      updatedAt: fields.createdAt
    })
  )

const idFor = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`

const hooksArbitrary = Arbitrary.flatMap(
  integer({ min: 0, max: 25 }),
  (count) => Arbitrary.all(Array.from({ length: count }, (_, n) => hookArbitrary(idFor(n))))
)

/** Set in one query out of four: several filters at once rarely leave anything to compare. */
const optional = <A>(arbitrary: Arbitrary.Arbitrary<A>): Arbitrary.Arbitrary<A | undefined> =>
  weighted([3, Arbitrary.Constant(undefined)], [1, arbitrary])

const time = (min: number, max: number) => Arbitrary.map(integer({ min, max }), (n) => BASE + n * 1000)

const queryArbitrary: Arbitrary.Arbitrary<HookQuery> = Arbitrary.all({
  statuses: optional(subarray(STATUSES)),
  path: optional(constantFrom(...PATHS)),
  ids: optional(subarray(Array.from({ length: 25 }, (_, n) => idFor(n)), 6)),
  postAtFrom: optional(time(0, 5)),
  postAtAfter: optional(time(-1, 5)),
  postAtBefore: optional(time(0, 6)),
  createdAtAfter: optional(time(-6, 0)),
  createdAtBefore: optional(time(-5, 1)),
  idContains: optional(constantFrom("0001", "00000000000", "zz")),
  sortBy: constantFrom("postAt", "createdAt"),
  sortOrder: constantFrom("ASC", "DESC"),
  limit: oneOf(Arbitrary.Constant(1000), integer({ min: 1, max: 30 })),
  offset: oneOf(Arbitrary.Constant(0), integer({ min: 0, max: 10 }))
})

describe("stores", () => {
  it.effect("SQLite answers every query exactly as the memory store does", () =>
    Effect.gen(function*() {
      const samples = yield* Arbitrary.sampleEffect(
        Arbitrary.all([hooksArbitrary, Arbitrary.array(queryArbitrary, { maxLength: 8 })]),
        { count: 60, seed: 20260601 }
      )
      let compared = 0
      let informative = 0
      for (const [hooks, queries] of samples) {
        const memory = yield* MemoryStore.make
        const sqlite = yield* SqliteStore.make(":memory:")
        for (const hook of hooks) {
          yield* memory.insertHook(hook)
          yield* sqlite.insertHook(hook)
        }
        expect(yield* sqlite.activeHooks).toEqual(expect.arrayContaining([...(yield* memory.activeHooks)]))
        for (const query of queries) {
          const expected = yield* memory.listHooks(query)
          expect(yield* sqlite.listHooks(query)).toEqual(expected)
          compared += 1
          if (expected.length > 1) informative += 1
          expect(yield* sqlite.countHooks(query)).toBe(yield* memory.countHooks(query))
        }
        for (const hook of hooks) {
          expect(yield* sqlite.getHook(hook.id)).toEqual(Option.some(hook))
        }
      }
      // The samples must exercise ordering, not just agree on empty answers.
      expect(informative).toBeGreaterThan(compared / 4)
    }))

  for (const [name, open] of [["memory", () => MemoryStore.make], ["sqlite", () => SqliteStore.make(":memory:")]] as const) {
    it.effect(`${name}: updates, deletes (with attempts), quota usage and settings`, () =>
      Effect.gen(function*() {
        const store = yield* open()
        const [hook] = yield* Arbitrary.sampleEffect(hookArbitrary(idFor(1)), { count: 1, seed: 7 })
        if (hook === undefined) return yield* Effect.die(new Error("no sample"))
        yield* store.insertHook(hook)
        yield* store.updateHook({ ...hook, status: "completed", attempts: 9 })
        expect(Option.map(yield* store.getHook(hook.id), (found) => [found.status, found.attempts])).toEqual(
          Option.some(["completed", 9])
        )
        const attempt = (n: number): AttemptRecord => ({
          hookId: hook.id,
          attempt: n,
          transport: "http",
          startedAt: BASE + n,
          finishedAt: null,
          durationMs: null,
          outcome: "in_flight",
          error: null,
          request: { url: "http://127.0.0.1:3000/a", connectionId: null, headers: { "Posthook-Id": hook.id }, body: "{}" },
          response: null
        })
        yield* store.putAttempt(attempt(1))
        yield* store.putAttempt(attempt(2))
        yield* store.putAttempt({ ...attempt(1), outcome: "failed", response: { status: 500, headers: {}, body: "" } })
        expect((yield* store.listAttempts({ hookId: hook.id })).map((record) => [record.attempt, record.outcome]))
          .toEqual([[1, "failed"], [2, "in_flight"]])
        expect((yield* store.listAttempts({ limit: 1 })).map((record) => record.attempt)).toEqual([2])
        expect(Option.map(yield* store.getAttempt(hook.id, 1), (record) => record.response?.status)).toEqual(
          Option.some(500)
        )
        expect(yield* store.deleteHook(hook.id)).toBe(true)
        expect(yield* store.deleteHook(hook.id)).toBe(false)
        expect(yield* store.listAttempts({ hookId: hook.id })).toEqual([])
        expect(yield* store.getHook(hook.id)).toEqual(Option.none())

        expect([yield* store.addUsage("2026-06"), yield* store.addUsage("2026-06"), yield* store.addUsage("2026-07")])
          .toEqual([1, 2, 1])
        expect(yield* store.usage("2026-06")).toBe(2)
        expect(yield* store.usage("2026-08")).toBe(0)
        expect(yield* store.setting("secret", () => "first")).toBe("first")
        expect(yield* store.setting("secret", () => "second")).toBe("first")
      }))
  }

  it.effect("SqliteStore reports a useful error when the file cannot be opened", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(SqliteStore.make("/dev/null/not-a-directory/dev.db")))
      expect(error._tag).toBe("StoreError")
      expect(error.operation).toBe("open")
    }))
})
