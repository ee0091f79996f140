import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import { type DueEntry, DueIndex } from "../../src/server/internal/dueIndex.js"

const entry: FastCheck.Arbitrary<DueEntry> = FastCheck.record({
  at: FastCheck.integer({ min: 0, max: 50 }),
  hookId: FastCheck.uuid(),
  deadlineOf: FastCheck.option(FastCheck.integer({ min: 1, max: 20 }), { nil: undefined })
}).map(({ at, deadlineOf, hookId }) =>
  deadlineOf === undefined
    ? { at, hookId, kind: "attempt", attempt: 0 }
    : { at, hookId, kind: "deadline", attempt: deadlineOf }
)

const entries = FastCheck.array(entry, { maxLength: 300 })

const fill = (items: ReadonlyArray<DueEntry>) => {
  const index = new DueIndex()
  for (const item of items) index.push(item)
  return { index, pushed: [...items] }
}

describe("DueIndex", () => {
  it.prop("pops by due time, first pushed first among equal times", [entries], ([items]) => {
    const { index, pushed } = fill(items)
    const popped: Array<DueEntry> = []
    for (let entry = index.pop(); entry !== undefined; entry = index.pop()) popped.push(entry)
    // A stable sort by time is exactly "earliest first, FIFO among ties".
    expect(popped).toEqual([...pushed].sort((a, b) => a.at - b.at))
    expect(index.size).toBe(0)
  })

  it.prop("popDue takes exactly what is due and leaves the rest", [entries, FastCheck.integer({ min: -1, max: 51 })], ([items, now]) => {
    const { index, pushed } = fill(items)
    const due = index.popDue(now)
    expect(due).toEqual(pushed.filter((entry) => entry.at <= now).sort((a, b) => a.at - b.at))
    expect(index.size).toBe(pushed.length - due.length)
    const next = index.nextAt()
    if (next !== undefined) expect(next).toBeGreaterThan(now)
  })
})
