import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Stream } from "effect"
import * as Arbitrary from "effect/Arbitrary"
import * as Pagination from "../src/internal/pagination.js"
import { integer } from "./utils/arbitraries.js"

describe("pagination.step (pure)", () => {
  const entry = (id: string, postAt: string): Pagination.PageEntry<string> => ({ item: id, id, postAt })

  it("moves the cursor to the postAt before the trailing run and skips the run", () => {
    const step = Pagination.step(
      Pagination.initialCursor(undefined),
      [entry("a", "t1"), entry("b", "t2"), entry("c", "t3"), entry("d", "t3")],
      4
    )
    const next = Option.getOrThrow(step.next)
    expect(next.after).toBe("t2")
    expect(next.skip).toBe(2)
    expect([...next.seen]).toEqual(["c", "d"])
  })

  it("keeps the cursor and grows the offset when the whole page shares one postAt", () => {
    const step = Pagination.step(
      { after: "t0", skip: 3, seen: new Set(["x", "y", "z"]), lastPostAt: "t1" },
      [entry("a", "t1"), entry("b", "t1")],
      2
    )
    const next = Option.getOrThrow(step.next)
    expect(next).toEqual({ after: "t0", skip: 5, seen: new Set(["x", "y", "z", "a", "b"]), lastPostAt: "t1" })
  })

  it("moves the cursor to the previous page's last postAt when a new run fills the page", () => {
    const step = Pagination.step(
      { after: "t0", skip: 3, seen: new Set(["x", "y", "z"]), lastPostAt: "t1" },
      [entry("a", "t2"), entry("b", "t2")],
      2
    )
    const next = Option.getOrThrow(step.next)
    expect(next).toEqual({ after: "t1", skip: 2, seen: new Set(["a", "b"]), lastPostAt: "t2" })
  })

  it("drops entries already seen in the window and ends on a short page", () => {
    const step = Pagination.step(
      { after: "t0", skip: 1, seen: new Set(["a"]), lastPostAt: "t1" },
      [entry("a", "t1"), entry("b", "t2")],
      3
    )
    expect(step.emit.map((e) => e.id)).toEqual(["b"])
    expect(Option.isNone(step.next)).toBe(true)
  })
})

/**
 * A model of the API's cursor paging: hooks sorted by (postAt, id),
 * `postAtAfter` exclusive, then `offset` and `limit`.
 */
const simulatedPage = (
  all: ReadonlyArray<Pagination.PageEntry<string>>,
  cursor: Pagination.Cursor,
  limit: number
): ReadonlyArray<Pagination.PageEntry<string>> =>
  all
    .filter((entry) => cursor.after === undefined || entry.postAt > cursor.after)
    .slice(cursor.skip, cursor.skip + limit)

describe("pagination against a model of the API", () => {
  it.effect.prop(
    "yields every hook exactly once, in order, for any runs of equal postAt and any page size",
    [
      Arbitrary.array(integer({ min: 1, max: 40 }), { minLength: 0, maxLength: 12 }),
      integer({ min: 1, max: 15 })
    ],
    ([runs, pageSize]) =>
      Effect.gen(function*() {
        // Fixed-width timestamps, so string order is time order (as in the model).
        const all = runs.flatMap((size, run) =>
          Array.from({ length: size }, (_, index) => {
            const id = `r${String(run).padStart(2, "0")}-${String(index).padStart(2, "0")}`
            return { item: id, id, postAt: `2026-06-15T10:00:00.000${String(run).padStart(3, "0")}Z` }
          })
        )
        let requests = 0
        const listed = yield* Stream.runCollect(Pagination.paginate({
          initial: Pagination.initialCursor(undefined),
          pageSize,
          fetchPage: (cursor) =>
            Effect.sync(() => {
              requests++
              return simulatedPage(all, cursor, pageSize)
            }),
          onStall: () => "stalled"
        }))
        expect(listed).toEqual(all.map((entry) => entry.id))
        // Never more requests than pages plus one per run (each run may cost one restart).
        expect(requests).toBeLessThanOrEqual(Math.ceil(all.length / pageSize) + runs.length + 1)
      })
  )

  it.effect("a naive exclusive cursor would lose hooks here (the model is strict enough to catch it)", () =>
    Effect.gen(function*() {
      const all = Array.from({ length: 5 }, (_, index) => ({ item: `h${index}`, id: `h${index}`, postAt: "t1" }))
      const first = simulatedPage(all, Pagination.initialCursor(undefined), 2)
      const naiveNext = simulatedPage(all, { ...Pagination.initialCursor(first[1]?.postAt) }, 2)
      expect(naiveNext).toEqual([])
      const listed = yield* Stream.runCollect(Pagination.paginate({
        initial: Pagination.initialCursor(undefined),
        pageSize: 2,
        fetchPage: (cursor) => Effect.succeed(simulatedPage(all, cursor, 2)),
        onStall: () => "stalled"
      }))
      expect(listed.length).toBe(5)
    }))
})
