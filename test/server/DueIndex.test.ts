import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { type DueEntry, DueIndex } from "../../src/server/internal/dueIndex.js"

const At = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 50 }))
const HookId = Schema.String.check(Schema.isUUID())

const Entry = Schema.Union([
  Schema.Struct({ at: At, hookId: HookId, kind: Schema.Literal("attempt"), attempt: Schema.Literal(0) }),
  Schema.Struct({
    at: At,
    hookId: HookId,
    kind: Schema.Literal("deadline"),
    attempt: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 20 }))
  })
])

const entries = Schema.Array(Entry).check(Schema.isMaxLength(300))

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

  it.prop("popDue takes exactly what is due and leaves the rest", [entries, Schema.Int.check(Schema.isBetween({ minimum: -1, maximum: 51 }))], ([items, now]) => {
    const { index, pushed } = fill(items)
    const due = index.popDue(now)
    expect(due).toEqual(pushed.filter((entry) => entry.at <= now).sort((a, b) => a.at - b.at))
    expect(index.size).toBe(pushed.length - due.length)
    const next = index.nextAt()
    if (next !== undefined) expect(next).toBeGreaterThan(now)
  })
})
