import { describe, expect, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Result, Schema, SchemaGetter, Stream } from "effect"
import * as Arbitrary from "effect/Arbitrary"
import { Hooks, PosthookError } from "posthook-effect"
import * as PostDuration from "../src/protocol/duration.js"
import * as Calendar from "../src/protocol/calendar.js"
import * as Rules from "../src/protocol/schedule.js"
import { date, integer, jsonValue } from "./utils/arbitraries.js"
import { layerWithClient, TestApiServer } from "./utils/TestApiServer.js"

/**
 * What an untyped (JavaScript) caller might pass. The types of `schedule`
 * already refuse most of these; the runtime checks are for callers the
 * compiler never saw.
 */
const fromJavaScript = (params: Record<string, unknown>): Hooks.ScheduleParams => params as never

const cycle: Record<string, unknown> = { a: 1 }
cycle.self = cycle

/** `levels` arrays (or objects) nested in one another around `1`: `nested(2, "array")` is `[[1]]`. */
const nested = (levels: number, kind: "array" | "object"): unknown => {
  let value: unknown = 1
  for (let level = 0; level < levels; level++) value = kind === "array" ? [value] : { a: value }
  return value
}

/** [description, params, field at fault, part of the message] */
const invalidSchedules: ReadonlyArray<readonly [string, Record<string, unknown>, string, string]> = [
  ["no scheduling mode", { path: "/x" }, "postIn", "exactly one of postIn, postAt or postAtLocal is required"],
  ["postIn and postAt", { path: "/x", postIn: "5m", postAt: "2026-06-15T10:00:00Z" }, "postAt", "were both given"],
  [
    "postAt and postAtLocal",
    { path: "/x", postAt: "2026-06-15T10:00:00Z", postAtLocal: "2026-06-15T10:00:00", timezone: "UTC" },
    "postAtLocal",
    "postAt and postAtLocal were both given"
  ],
  [
    "all three modes",
    { path: "/x", postIn: "5m", postAt: "2026-06-15T10:00:00Z", postAtLocal: "2026-06-15T10:00:00", timezone: "UTC" },
    "postAt",
    "postIn and postAt and postAtLocal"
  ],
  ["Effect-style duration string", { path: "/x", postIn: "5 minutes" }, "postIn", "invalid duration"],
  ["empty duration", { path: "/x", postIn: "" }, "postIn", "invalid duration"],
  ["zero duration", { path: "/x", postIn: "0s" }, "postIn", "shorter than the minimum"],
  ["duration over 365d", { path: "/x", postIn: "366d" }, "postIn", "longer than the maximum"],
  ["units out of order", { path: "/x", postIn: "5m1h" }, "postIn", "invalid duration"],
  ["fractional duration", { path: "/x", postIn: "1.5h" }, "postIn", "invalid duration"],
  ["negative duration", { path: "/x", postIn: "-5m" }, "postIn", "invalid duration"],
  ["Duration not whole seconds", { path: "/x", postIn: Duration.millis(1500) }, "postIn", "whole seconds"],
  ["Duration zero", { path: "/x", postIn: Duration.zero }, "postIn", "at least 1 second"],
  ["Duration over 365 days", { path: "/x", postIn: Duration.days(366) }, "postIn", "at most 365 days"],
  ["Duration infinity", { path: "/x", postIn: Duration.infinity }, "postIn", "finite"],
  ["postIn of another type", { path: "/x", postIn: 300 }, "postIn", "finite Effect Duration"],
  ["postAt on Feb 30", { path: "/x", postAt: "2026-02-30T10:00:00Z" }, "postAt", "not a valid date"],
  ["postAt without offset", { path: "/x", postAt: "2026-06-15T10:00:00" }, "postAt", "not an RFC 3339 time"],
  ["postAt with a space", { path: "/x", postAt: "2026-06-15 10:00:00Z" }, "postAt", "not an RFC 3339 time"],
  ["postAt as prose", { path: "/x", postAt: "tomorrow" }, "postAt", "not an RFC 3339 time"],
  ["postAt 24:00", { path: "/x", postAt: "2026-06-15T24:00:00Z" }, "postAt", "not a valid date"],
  ["postAt offset hours 24", { path: "/x", postAt: "2026-06-15T10:00:00+24:00" }, "postAt", "invalid UTC offset"],
  ["invalid Date", { path: "/x", postAt: new Date(Number.NaN) }, "postAt", "invalid Date"],
  ["postAt of another type", { path: "/x", postAt: 1_750_000_000 }, "postAt", "must be a Date"],
  [
    "postAtLocal with Z",
    { path: "/x", postAtLocal: "2026-03-01T09:00:00Z", timezone: "UTC" },
    "postAtLocal",
    "without offset"
  ],
  [
    "postAtLocal with offset",
    { path: "/x", postAtLocal: "2026-03-01T09:00:00-05:00", timezone: "America/New_York" },
    "postAtLocal",
    "without offset"
  ],
  ["postAtLocal date only", { path: "/x", postAtLocal: "2026-03-01", timezone: "UTC" }, "postAtLocal", "YYYY-MM-DD"],
  [
    "postAtLocal impossible time",
    { path: "/x", postAtLocal: "2026-03-01T25:00:00", timezone: "UTC" },
    "postAtLocal",
    "not a valid date"
  ],
  [
    "unknown time zone",
    { path: "/x", postAtLocal: "2026-03-01T09:00:00", timezone: "Mars/Olympus_Mons" },
    "timezone",
    "not a known IANA time zone"
  ],
  [
    "offset as time zone",
    { path: "/x", postAtLocal: "2026-03-01T09:00:00", timezone: "+05:00" },
    "timezone",
    "IANA time zone"
  ],
  ["empty time zone", { path: "/x", postAtLocal: "2026-03-01T09:00:00", timezone: "" }, "timezone", "IANA"],
  ["postAtLocal without timezone", { path: "/x", postAtLocal: "2026-03-01T09:00:00" }, "timezone", "needs a timezone"],
  ["timezone with postIn", { path: "/x", postIn: "5m", timezone: "UTC" }, "timezone", "postAtLocal only"],
  ["timezone alone", { path: "/x", timezone: "UTC" }, "postIn", "exactly one"],
  ["path without slash", { path: "webhooks/x", postIn: "5m" }, "path", "starting with \"/\""],
  ["empty path", { path: "", postIn: "5m" }, "path", "starting with \"/\""],
  ["URL as path", { path: "https://example.com/x", postIn: "5m" }, "path", "starting with \"/\""],
  ["path not a string", { path: 42, postIn: "5m" }, "path", "starting with \"/\""],
  ["path with CR/LF", { path: "/a\r\nX-Injected: 1", postIn: "5m" }, "path", "control character U+000D at index 2"],
  ["path with NUL", { path: "/a\u0000b", postIn: "5m" }, "path", "control character U+0000"],
  ["path with a tab", { path: "/a\tb", postIn: "5m" }, "path", "control character U+0009"],
  ["path with an escape code", { path: "/\u001b[2J\u001b[31mred", postIn: "5m" }, "path", "U+001B"],
  ["path with DEL", { path: "/a\u007f", postIn: "5m" }, "path", "U+007F"],
  ["path with a C1 control (CSI)", { path: "/a\u009b31m", postIn: "5m" }, "path", "U+009B"],
  ["path over 2,048 characters", { path: `/${"a".repeat(2048)}`, postIn: "5m" }, "path", "the limit is 2048"],
  [
    "data nested 10,000 arrays deep",
    { path: "/x", postIn: "5m", data: nested(10_000, "array") },
    "data",
    "more than 1000 levels deep"
  ],
  [
    "data nested 10,000 objects deep",
    { path: "/x", postIn: "5m", data: nested(10_000, "object") },
    "data",
    "more than 1000 levels deep"
  ],
  [
    "data nested 1,001 levels deep",
    { path: "/x", postIn: "5m", data: { list: nested(1000, "array") } },
    "data",
    "more than 1000 levels deep"
  ],
  ["BigInt data", { path: "/x", postIn: "5m", data: 10n }, "data", "BigInt"],
  ["nested BigInt", { path: "/x", postIn: "5m", data: { a: [1, { b: 2n }] } }, "data", "data.a[1].b is a BigInt"],
  ["cyclic data", { path: "/x", postIn: "5m", data: cycle }, "data", "cycle"],
  ["function data", { path: "/x", postIn: "5m", data: () => 1 }, "data", "is a function"],
  ["nested function", { path: "/x", postIn: "5m", data: { f: () => 1 } }, "data", "data.f is a function"],
  ["symbol data", { path: "/x", postIn: "5m", data: { s: Symbol("s") } }, "data", "symbol"],
  ["NaN data", { path: "/x", postIn: "5m", data: { n: Number.NaN } }, "data", "NaN"],
  ["Infinity data", { path: "/x", postIn: "5m", data: [Infinity] }, "data", "Infinity"],
  ["Map data", { path: "/x", postIn: "5m", data: new Map([["a", 1]]) }, "data", "Map"],
  ["Set data", { path: "/x", postIn: "5m", data: { s: new Set([1]) } }, "data", "Set"],
  ["undefined data", { path: "/x", postIn: "5m", data: undefined }, "data", "data is undefined"],
  ["undefined in an array", { path: "/x", postIn: "5m", data: [1, undefined] }, "data", "data[1] is undefined"]
]

const retry = { minRetries: 5, delaySecs: 10, strategy: "fixed" }
const exponential = { minRetries: 5, delaySecs: 10, strategy: "exponential", maxDelaySecs: 600 }

/** [description, retryOverride, field at fault] */
const invalidRetryOverrides: ReadonlyArray<readonly [string, unknown, string]> = [
  ["not an object", "fast", "retryOverride"],
  ["minRetries 0", { ...retry, minRetries: 0 }, "retryOverride.minRetries"],
  ["minRetries 16", { ...retry, minRetries: 16 }, "retryOverride.minRetries"],
  ["minRetries 2.5", { ...retry, minRetries: 2.5 }, "retryOverride.minRetries"],
  ["minRetries missing", { delaySecs: 10, strategy: "fixed" }, "retryOverride.minRetries"],
  ["delaySecs 4", { ...retry, delaySecs: 4 }, "retryOverride.delaySecs"],
  ["delaySecs 61", { ...retry, delaySecs: 61 }, "retryOverride.delaySecs"],
  ["delaySecs as string", { ...retry, delaySecs: "10" }, "retryOverride.delaySecs"],
  ["unknown strategy", { ...retry, strategy: "linear" }, "retryOverride.strategy"],
  ["backoffFactor 1.0", { ...exponential, backoffFactor: 1.0 }, "retryOverride.backoffFactor"],
  ["backoffFactor 4.5", { ...exponential, backoffFactor: 4.5 }, "retryOverride.backoffFactor"],
  ["backoffFactor with fixed", { ...retry, backoffFactor: 2 }, "retryOverride.backoffFactor"],
  ["maxDelaySecs with fixed", { ...retry, maxDelaySecs: 600 }, "retryOverride.maxDelaySecs"],
  ["exponential without maxDelaySecs", { ...retry, strategy: "exponential" }, "retryOverride.maxDelaySecs"],
  ["maxDelaySecs 59", { ...exponential, maxDelaySecs: 59 }, "retryOverride.maxDelaySecs"],
  ["maxDelaySecs 3601", { ...exponential, maxDelaySecs: 3601 }, "retryOverride.maxDelaySecs"],
  ["jitter not a boolean", { ...retry, jitter: "yes" }, "retryOverride.jitter"]
]

const expectInvalid = <A>(result: Result.Result<A, { readonly field: string; readonly message: string }>) => {
  if (Result.isSuccess(result)) throw new Error(`expected a ValidationError, got ${JSON.stringify(result.success)}`)
  return result.failure
}

describe("schedule validation (pure)", () => {
  for (const [description, params, field, message] of invalidSchedules) {
    it(`refuses ${description}`, () => {
      const error = expectInvalid(Rules.encodeSchedule(fromJavaScript(params)))
      expect(error.field).toBe(field)
      expect(error.message).toContain(message)
    })
  }

  for (const [description, retryOverride, field] of invalidRetryOverrides) {
    it(`refuses a retry override with ${description}`, () => {
      const error = expectInvalid(Rules.encodeSchedule(fromJavaScript({ path: "/x", postIn: "5m", retryOverride })))
      expect(error.field).toBe(field)
    })
  }

  it("accepts the boundaries of every retry range", () => {
    for (
      const override of [
        { minRetries: 1, delaySecs: 5, strategy: "fixed", jitter: false },
        { minRetries: 15, delaySecs: 60, strategy: "fixed" },
        { minRetries: 1, delaySecs: 5, strategy: "exponential", backoffFactor: 1.1, maxDelaySecs: 60 },
        { minRetries: 15, delaySecs: 60, strategy: "exponential", backoffFactor: 4.0, maxDelaySecs: 3600, jitter: true }
      ] as const
    ) {
      const body = Rules.encodeSchedule({ path: "/x", postIn: "5m", retryOverride: override })
      expect(Result.getOrThrow(body).retryOverride).toEqual(override)
    }
  })

  it("accepts data JSON can carry; drops undefined properties as JSON does", () => {
    const shared = { n: 1 }
    const data = { a: shared, b: shared, d: new Date("2026-06-15T10:00:00Z"), u: undefined, nested: [null, true, "s"] }
    const body = Result.getOrThrow(Rules.encodeSchedule({ path: "/x", postIn: "5m", data }))
    expect(JSON.parse(JSON.stringify(body))).toEqual({
      path: "/x",
      postIn: "5m",
      data: { a: { n: 1 }, b: { n: 1 }, d: "2026-06-15T10:00:00.000Z", nested: [null, true, "s"] }
    })
    expect(Result.isSuccess(Rules.encodeSchedule({ path: "/x", postIn: "5m", data: null }))).toBe(true)
    expect("data" in Result.getOrThrow(Rules.encodeSchedule({ path: "/x", postIn: "5m" }))).toBe(false)
  })

  it("accepts data nested 1,000 levels deep and a path of 2,048 characters", () => {
    expect(Result.isSuccess(Rules.encodeSchedule({ path: "/x", postIn: "5m", data: nested(1000, "array") }))).toBe(true)
    expect(Result.isSuccess(Rules.encodeSchedule({ path: "/x", postIn: "5m", data: nested(999, "object") }))).toBe(true)
    expect(Result.isSuccess(Rules.encodeSchedule({ path: `/${"a".repeat(2047)}`, postIn: "5m" }))).toBe(true)
    // Non-ASCII is not a control character: it is percent-encoded on the way out.
    expect(Result.isSuccess(Rules.encodeSchedule({ path: "/café/✓/\u00a0", postIn: "5m" }))).toBe(true)
  })

  it("calls toJSON once per value, as JSON.stringify does (no endless chain of toJSON results)", () => {
    let calls = 0
    class Endless {
      toJSON(): Endless {
        calls++
        return new Endless()
      }
    }
    expect(Result.isSuccess(Rules.validateJson("data", { endless: new Endless() }))).toBe(true)
    expect(calls).toBe(1)
    const body = Rules.encodeSchedule({ path: "/x", postIn: "5m", data: { endless: new Endless() } })
    expect(JSON.stringify(Result.getOrThrow(body).data)).toBe("{\"endless\":{}}")
  })

  describe("the 64 KB data limit (UTF-8 bytes of the JSON, as the API counts them)", () => {
    // JSON.stringify of a string adds its two quotes.
    const ascii = (bytes: number) => "a".repeat(bytes - 2)
    /** The error for `data`; on acceptance, a short failure (not 64 KB of body). */
    const refusedData = (data: unknown) => {
      const result = Rules.encodeSchedule({ path: "/x", postIn: "5m", data })
      if (Result.isSuccess(result)) throw new Error("expected a ValidationError: the data was accepted")
      return result.failure
    }

    it("accepts data of exactly 65,536 bytes", () => {
      expect(Result.isSuccess(Rules.encodeSchedule({ path: "/x", postIn: "5m", data: ascii(65_536) }))).toBe(true)
      expect(Result.isSuccess(Rules.encodeSchedule({ path: "/x", postIn: "5m", data: "é".repeat(32_767) }))).toBe(true)
    })

    it("refuses one byte more with a ValidationError on data naming the size and the limit", () => {
      const error = refusedData(ascii(65_537))
      expect(error).toBeInstanceOf(PosthookError.ValidationError)
      expect(error.field).toBe("data")
      expect(error.message).toBe("data is too large: its JSON is 65537 bytes, the limit is 65536 bytes (64 KB)")
    })

    it("counts bytes, not characters: 2-byte é and 4-byte emoji", () => {
      // Under 33,000 UTF-16 code units of JSON each, but 65,537 and 65,538 bytes.
      for (const data of [{ text: "é".repeat(32_763) }, "😀".repeat(16_384)]) {
        const json = JSON.stringify(data)
        expect(json.length).toBeLessThan(65_536)
        expect(Buffer.byteLength(json, "utf8")).toBeGreaterThan(65_536)
        const error = refusedData(data)
        expect(error.message).toContain(`its JSON is ${Buffer.byteLength(json, "utf8")} bytes`)
      }
    })
  })

  it("normalises times: offsets to UTC with every fractional digit kept; lower-case t/z", () => {
    const cases = [
      ["2026-06-15t10:00:00z", "2026-06-15T10:00:00Z"],
      ["2026-06-15T10:00:00.123456789Z", "2026-06-15T10:00:00.123456789Z"],
      ["2026-06-15T12:30:00.000001+02:30", "2026-06-15T10:00:00.000001Z"],
      ["2026-01-01T01:00:00+05:00", "2025-12-31T20:00:00Z"],
      ["2026-06-15T10:00:00-00:00", "2026-06-15T10:00:00Z"]
    ] as const
    for (const [input, expected] of cases) expect(Result.getOrThrow(Calendar.toUtcString("postAt", input))).toBe(expected)
    const zoned = DateTime.makeZonedUnsafe(Date.UTC(2026, 0, 1, 12), { timeZone: "Asia/Tokyo" })
    expect(Result.getOrThrow(Calendar.toUtcString("postAt", zoned))).toBe("2026-01-01T12:00:00Z")
    expect(Calendar.formatUtc(Date.UTC(2026, 0, 1, 0, 0, 0, 7))).toBe("2026-01-01T00:00:00.007Z")
    // A fractional millisecond (from a TestClock moved by a jittered delay) is dropped, not printed.
    expect(Calendar.formatUtc(Date.UTC(2026, 0, 1, 0, 0, 0, 247) + 0.44)).toBe("2026-01-01T00:00:00.247Z")
    expect(Calendar.formatUtc(Date.UTC(2026, 0, 1) - 0.5)).toBe("2025-12-31T23:59:59.999Z")
  })

  it("the server-side validator refuses bodies that are not objects and drops unknown fields", () => {
    expect(expectInvalid(Rules.validateScheduleBody([])).field).toBe("body")
    const body = Result.getOrThrow(Rules.validateScheduleBody({ path: "/x", postIn: "5m", extra: 1 }))
    expect(body).toEqual({ path: "/x", postIn: "5m" })
    // JSON null counts as absent for optional fields.
    const withNulls = Rules.validateScheduleBody({ path: "/x", postIn: "5m", postAt: null, retryOverride: null })
    expect(Result.getOrThrow(withNulls)).toEqual({ path: "/x", postIn: "5m" })
  })

  it.prop(
    "whole-second Durations round-trip through the duration grammar",
    [integer({ min: 1, max: PostDuration.MAX_SECONDS })],
    ([seconds]) => {
      const encoded = Result.getOrThrow(Rules.encodePostIn(Duration.seconds(seconds)))
      expect(Result.getOrThrow(PostDuration.parseSeconds(encoded))).toBe(seconds)
    }
  )

  it.prop(
    "Dates are sent as the same instant in UTC",
    [date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("9999-12-31T00:00:00Z") })],
    ([date]) => {
      const encoded = Result.getOrThrow(Calendar.toUtcString("postAt", date))
      expect(encoded.endsWith("Z")).toBe(true)
      expect(Date.parse(encoded)).toBe(date.getTime())
    }
  )

  it.prop(
    "offset strings keep their instant and their fractional digits",
    [
      date({ min: new Date("1971-01-01T00:00:00Z"), max: new Date("9998-12-31T00:00:00Z") }),
      integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
      // Up to nine fractional digits.
      Arbitrary.map(Arbitrary.array(integer({ min: 0, max: 9 }), { maxLength: 9 }), (digits) => digits.join(""))
    ],
    ([date, offsetMinutes, digits]) => {
      const local = new Date(date.getTime() - date.getMilliseconds() + offsetMinutes * 60_000).toISOString().slice(0, 19)
      const sign = offsetMinutes < 0 ? "-" : "+"
      const magnitude = Math.abs(offsetMinutes)
      const offset = `${sign}${String(Math.floor(magnitude / 60)).padStart(2, "0")}:${String(magnitude % 60).padStart(2, "0")}`
      const fraction = digits === "" ? "" : `.${digits}`
      const encoded = Result.getOrThrow(Calendar.toUtcString("postAt", `${local}${fraction}${offset}`))
      expect(encoded).toBe(`${new Date(date.getTime() - date.getMilliseconds()).toISOString().slice(0, 19)}${fraction}Z`)
    }
  )

  it.prop("any JSON value is accepted as data", [jsonValue], ([value]) => {
    expect(Result.isSuccess(Rules.validateJson("data", value))).toBe(true)
  })
})

describe("list, bulk and id validation (pure)", () => {
  const listCases: ReadonlyArray<readonly [string, Hooks.ListParams, string]> = [
    ["limit 0", { limit: 0 }, "limit"],
    ["limit 1001", { limit: 1001 }, "limit"],
    ["limit 1.5", { limit: 1.5 }, "limit"],
    ["offset -1", { offset: -1 }, "offset"],
    ["status", fromUntypedList({ status: "lost" }), "status"],
    ["sortBy", fromUntypedList({ sortBy: "id" }), "sortBy"],
    ["sortOrder", fromUntypedList({ sortOrder: "asc" }), "sortOrder"],
    ["postAtAfter", { postAtAfter: "yesterday" }, "postAtAfter"],
    ["createdAtBefore", { createdAtBefore: new Date(Number.NaN) }, "createdAtBefore"]
  ]
  for (const [description, input, field] of listCases) {
    it(`list refuses ${description}`, () => {
      expect(expectInvalid(Rules.encodeListQuery(input)).field).toBe(field)
    })
  }

  const range = { startTime: "2026-02-01T00:00:00Z", endTime: "2026-02-22T00:00:00Z", limit: 10 }
  const bulkCases: ReadonlyArray<
    readonly [string, Result.Result<unknown, { readonly field: string; readonly message: string }>, string]
  > = [
    ["no ids", Rules.encodeBulkByIds([]), "hookIDs"],
    ["1001 ids", Rules.encodeBulkByIds(Array.from({ length: 1001 }, (_, i) => `id-${i}`)), "hookIDs"],
    ["an empty id", Rules.encodeBulkByIds(["a", ""]), "hookIDs[1]"],
    ["limit 0", Rules.encodeBulkFilter({ ...range, limit: 0 }), "limit"],
    ["limit 1001", Rules.encodeBulkFilter({ ...range, limit: 1001 }), "limit"],
    ["start after end", Rules.encodeBulkFilter({ ...range, startTime: "2026-03-01T00:00:00Z" }), "endTime"],
    ["a bad time", Rules.encodeBulkFilter({ ...range, endTime: "soon" }), "endTime"],
    ["endpointKey without slash", Rules.encodeBulkFilter({ ...range, endpointKey: "webhooks/x" }), "endpointKey"],
    ["endpointKey with a line break", Rules.encodeBulkFilter({ ...range, endpointKey: "/a\nb" }), "endpointKey"],
    ["an empty sequenceId", Rules.encodeBulkFilter({ ...range, sequenceId: "" }), "sequenceID"],
    ["ids and a filter", Rules.validateBulkBody({ hookIDs: ["a"], ...range }), "hookIDs"],
    ["a filter without limit", Rules.validateBulkBody({ startTime: range.startTime, endTime: range.endTime }), "limit"]
  ]
  for (const [description, result, field] of bulkCases) {
    it(`bulk refuses ${description}`, () => {
      expect(expectInvalid(result).field).toBe(field)
    })
  }

  it("bulk accepts 1000 ids and the limits 1 and 1000", () => {
    expect(Result.isSuccess(Rules.encodeBulkByIds(Array.from({ length: 1000 }, (_, i) => `id-${i}`)))).toBe(true)
    expect(Result.isSuccess(Rules.encodeBulkFilter({ ...range, limit: 1 }))).toBe(true)
    expect(Result.isSuccess(Rules.encodeBulkFilter({ ...range, limit: 1000 }))).toBe(true)
  })

  it("the server-side list query validator applies the same rules to strings", () => {
    expect(Result.getOrThrow(Rules.validateListQuery({
      status: "failed",
      limit: "50",
      offset: "0",
      postAtAfter: "2026-06-15T12:00:00.123456+02:00",
      sortBy: "postAt",
      sortOrder: "DESC",
      unknown: "ignored"
    }))).toEqual({
      status: "failed",
      limit: 50,
      offset: 0,
      postAtBefore: undefined,
      postAtAfter: "2026-06-15T10:00:00.123456Z",
      createdAtBefore: undefined,
      createdAtAfter: undefined,
      sortBy: "postAt",
      sortOrder: "DESC"
    })
    for (
      const [query, field] of [
        [{ limit: "0" }, "limit"],
        [{ limit: "1001" }, "limit"],
        [{ limit: "ten" }, "limit"],
        [{ offset: "-1" }, "offset"],
        [{ status: "lost" }, "status"],
        [{ sortOrder: "asc" }, "sortOrder"],
        [{ createdAtAfter: "2026-02-30T00:00:00Z" }, "createdAtAfter"]
      ] as const
    ) expect(expectInvalid(Rules.validateListQuery(query)).field).toBe(field)
  })

  it("ids must be non-empty strings", () => {
    expect(expectInvalid(Rules.validateHookId("")).field).toBe("id")
  })
})

function fromUntypedList(params: Record<string, unknown>): Hooks.ListParams {
  return params as never
}

describe("nothing is sent when validation fails", () => {
  it.effect("every invalid schedule is refused with a ValidationError before any request", () =>
    Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const cases = [
        ...invalidSchedules.map(([, params, field]) => [params, field] as const),
        ...invalidRetryOverrides.map(([, retryOverride, field]) =>
          [{ path: "/x", postIn: "5m", retryOverride }, field] as const
        )
      ]
      for (const [params, field] of cases) {
        const error = yield* Effect.flip(hooks.schedule(fromJavaScript(params)))
        expect(error._tag).toBe("ValidationError")
        if (error._tag === "ValidationError") expect(error.field).toBe(field)
      }
      expect(yield* server.requests).toEqual([])
    }).pipe(Effect.provide(layerWithClient())))

  it.effect("invalid get / list / listAll / delete / bulk calls send nothing", () =>
    Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const range = { startTime: "2026-02-01T00:00:00Z", endTime: "2026-02-22T00:00:00Z", limit: 10 }
      const failures = [
        yield* Effect.flip(hooks.get("")),
        yield* Effect.flip(hooks.delete("")),
        yield* Effect.flip(hooks.list({ limit: 5000 })),
        yield* Effect.flip(Stream.runDrain(hooks.listAll({ pageSize: 0 }))),
        yield* Effect.flip(Stream.runDrain(hooks.listAll({ pageSize: 1001 }))),
        yield* Effect.flip(Stream.runDrain(hooks.listAll({ postAtAfter: "2026-13-01T00:00:00Z" }))),
        yield* Effect.flip(hooks.bulk.retry([])),
        yield* Effect.flip(hooks.bulk.replay(["a", ""])),
        yield* Effect.flip(hooks.bulk.cancel(Array.from({ length: 1001 }, (_, i) => `id-${i}`))),
        yield* Effect.flip(hooks.bulk.retryByFilter({ ...range, limit: 0 })),
        yield* Effect.flip(hooks.bulk.replayByFilter({ ...range, endpointKey: "nope" })),
        yield* Effect.flip(hooks.bulk.cancelByFilter({ ...range, startTime: "2027-01-01T00:00:00Z" }))
      ]
      expect(failures.map((error) => error._tag)).toEqual(Array(failures.length).fill("ValidationError"))
      expect(yield* server.requests).toEqual([])
    }).pipe(Effect.provide(layerWithClient())))

  it.effect("a data schema that cannot encode the data is a ValidationError on data", () =>
    Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const error = yield* Effect.flip(hooks.schedule({
        path: "/x",
        postIn: "5m",
        data: { n: -1 },
        dataSchema: Schema.Struct({ n: Schema.Number.check(Schema.isGreaterThan(0)) })
      }))
      expect(error._tag).toBe("ValidationError")
      if (error._tag === "ValidationError") expect(error.field).toBe("data")
      expect(yield* server.requests).toEqual([])
    }).pipe(Effect.provide(layerWithClient())))

  it.effect("data over 64 KB is refused before any request (the server would answer 413)", () =>
    Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const error = yield* Effect.flip(hooks.schedule({ path: "/x", postIn: "5m", data: { blob: "x".repeat(70_000) } }))
      expect(error._tag).toBe("ValidationError")
      if (error._tag === "ValidationError") {
        expect(error.field).toBe("data")
        expect(error.message).toContain("the limit is 65536 bytes")
      }
      expect(yield* server.requests).toEqual([])
    }).pipe(Effect.provide(layerWithClient())))

  it.effect("an asynchronous data schema still encodes the data and decodes the answer", () =>
    Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      // Async both ways: the SDK's synchronous encode / decode cannot run it and must fall back.
      const Later = Schema.String.pipe(Schema.decodeTo(Schema.String, {
        decode: SchemaGetter.transformEffect((value: string) => Effect.promise(() => Promise.resolve(value.toUpperCase()))),
        encode: SchemaGetter.transformEffect((value: string) => Effect.promise(() => Promise.resolve(value.toLowerCase())))
      }))
      const hook = yield* hooks.schedule({
        path: "/x",
        postIn: "5m",
        data: { name: "ADA" },
        dataSchema: Schema.Struct({ name: Later })
      })
      expect(hook.data).toEqual({ name: "ADA" })
      const server = yield* TestApiServer
      const [request] = yield* server.requests
      expect(request?.json).toMatchObject({ data: { name: "ada" } })
    }).pipe(Effect.provide(layerWithClient())))

  it("the types refuse two modes, a timezone without postAtLocal, and no mode", () => {
    const typed: ReadonlyArray<Hooks.ScheduleParams> = [
      // @ts-expect-error two modes
      { path: "/x", postIn: "5m", postAt: "2026-06-15T10:00:00Z" },
      // @ts-expect-error timezone goes with postAtLocal only
      { path: "/x", postIn: "5m", timezone: "UTC" },
      // @ts-expect-error a scheduling mode is required
      { path: "/x" },
      // @ts-expect-error postAtLocal needs a timezone
      { path: "/x", postAtLocal: "2026-03-01T09:00:00" }
    ]
    for (const params of typed) expect(Result.isFailure(Rules.encodeSchedule(params))).toBe(true)
  })
})
