/**
 * Behaviour pins for the performance work on the REST path (issue 14): each
 * shortcut gives what the code it replaced gave. No timing here.
 *
 * - `encodeSchedule` / `validateScheduleBody` as plain code: the same result,
 *   field and message as the `Result.gen` version they replaced (kept below as
 *   the reference) for generated inputs, invalid ones included.
 * - `withSpanLean`: the span, its parent, its attributes and the stack frames
 *   that `Effect.withSpan` gives.
 * - the hook decoder's shared date readers: repeated texts decode to equal
 *   values, and a bad text after a good one is still refused.
 * - `schedule` with the default `data: unknown` skips the schema pass and sends
 *   what an explicit `Schema.Unknown` sends.
 * - the paging rule drops the ids already seen, compared one by one when few,
 *   looked up in the set when many.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, DateTime, Duration, Effect, Exit, Option, References, Result, Schema, Tracer } from "effect"
import * as Predicate from "effect/Predicate"
import { Hooks } from "posthook-effect"
import { decodeHookFast } from "../src/internal/hookDecode.js"
import * as Pagination from "../src/internal/pagination.js"
import { withSpanLean } from "../src/internal/transport.js"
import {
  type Checked,
  invalid,
  normalizeRfc3339,
  toUtcString,
  validateLocalDateTime,
  validateTimeZone
} from "../src/protocol/calendar.js"
import * as Rules from "../src/protocol/schedule.js"
import { layerWithClient, Reply, TestApiServer, wireHook } from "./utils/TestApiServer.js"
import { recordingTracer } from "./utils/tracing.js"

// ---------------------------------------------------------------------------
// The reference: the Result.gen implementation the plain code replaced
// ---------------------------------------------------------------------------

const referenceJsonProblem = (field: string, value: unknown): string | undefined => {
  const ancestors = new Set<object>()
  const keys: Array<string | number> = []
  const at = (): string =>
    keys.reduce<string>((path, key) => path + (typeof key === "number" ? `[${key}]` : `.${key}`), field)
  const scalar = (value: unknown): string | undefined => {
    const problem = typeof value === "number"
      ? Number.isFinite(value) ? undefined : `is ${value}, which JSON cannot represent`
      : typeof value === "bigint"
      ? "is a BigInt, which JSON cannot represent (send it as a string)"
      : typeof value === "function"
      ? "is a function"
      : typeof value === "symbol"
      ? "is a symbol"
      : typeof value === "undefined"
      ? "is undefined"
      : undefined
    return problem === undefined ? undefined : `${at()} ${problem}`
  }
  const walk = (value: unknown, depth: number): string | undefined => {
    if (typeof value !== "object" || value === null) return scalar(value)
    if (Predicate.hasProperty(value, "toJSON") && typeof value.toJSON === "function") {
      let replaced: unknown
      try {
        replaced = value.toJSON()
      } catch {
        return `${at()}.toJSON() threw`
      }
      return typeof replaced !== "object" || replaced === null ? scalar(replaced) : walkObject(replaced, depth)
    }
    return walkObject(value, depth)
  }
  const walkEntry = (key: string | number, entry: unknown, depth: number) => {
    keys.push(key)
    const problem = walk(entry, depth)
    keys.pop()
    return problem
  }
  const walkObject = (value: object, depth: number): string | undefined => {
    if (value instanceof Map || value instanceof Set) {
      return `${at()} is a ${value instanceof Map ? "Map" : "Set"}, which JSON.stringify turns into {}`
    }
    if (ancestors.has(value)) return `${at()} refers back to itself (a cycle)`
    if (depth >= Rules.MAX_DATA_DEPTH) {
      return `${field} nests arrays and objects more than ${Rules.MAX_DATA_DEPTH} levels deep`
    }
    ancestors.add(value)
    try {
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) {
          const problem = walkEntry(index, value[index], depth + 1)
          if (problem !== undefined) return problem
        }
        return undefined
      }
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue
        const entry: unknown = Reflect.get(value, key)
        if (entry === undefined) continue
        const problem = walkEntry(key, entry, depth + 1)
        if (problem !== undefined) return problem
      }
      return undefined
    } finally {
      ancestors.delete(value)
    }
  }
  return walk(value, 0)
}

const referenceValidateJson = (field: string, value: unknown) => {
  const problem = referenceJsonProblem(field, value)
  return problem === undefined
    ? Result.succeed(value)
    : invalid(field, `${field} must be JSON-serialisable: ${problem}`)
}

const MODES = ["postIn", "postAt", "postAtLocal"] as const

const referenceValidateBody = (input: unknown): Checked<Rules.ScheduleBody> =>
  Result.gen(function*() {
    if (!Predicate.isObject(input)) return yield* invalid("body", "the body must be a JSON object")
    const path = yield* Rules.validatePath("path", input.path)
    const given = MODES.filter((mode) => input[mode] !== undefined && input[mode] !== null)
    if (given.length === 0) {
      return yield* invalid("postIn", "exactly one of postIn, postAt or postAtLocal is required")
    }
    if (given.length > 1) {
      return yield* invalid(
        given[1] ?? "postIn",
        `${given.join(" and ")} were both given: exactly one of postIn, postAt or postAtLocal is allowed`
      )
    }
    const hasTimezone = input.timezone !== undefined && input.timezone !== null
    const mode = given[0]
    let timing: Pick<Rules.ScheduleBody, "postIn" | "postAt" | "postAtLocal" | "timezone">
    if (mode === "postIn") {
      if (typeof input.postIn !== "string") return yield* invalid("postIn", "postIn must be a duration string")
      timing = { postIn: yield* Rules.encodePostIn(input.postIn) }
    } else if (mode === "postAt") {
      if (typeof input.postAt !== "string") return yield* invalid("postAt", "postAt must be an RFC 3339 string")
      timing = { postAt: yield* normalizeRfc3339("postAt", input.postAt) }
    } else {
      if (!hasTimezone) {
        return yield* invalid("timezone", "postAtLocal needs a timezone, an IANA zone such as \"America/New_York\"")
      }
      timing = {
        postAtLocal: yield* validateLocalDateTime("postAtLocal", input.postAtLocal),
        timezone: yield* validateTimeZone("timezone", input.timezone)
      }
    }
    if (hasTimezone && mode !== "postAtLocal") return yield* invalid("timezone", "timezone goes with postAtLocal only")
    const retryOverride = input.retryOverride === undefined || input.retryOverride === null
      ? undefined
      : yield* Rules.validateRetryOverride(input.retryOverride)
    const hasData = "data" in input
    if (hasData) yield* referenceValidateJson("data", input.data)
    return {
      path,
      ...(hasData ? { data: input.data } : {}),
      ...timing,
      ...(retryOverride === undefined ? {} : { retryOverride })
    }
  })

const referenceEncode = (input: Rules.ScheduleInput): Checked<Rules.ScheduleBody> =>
  Result.gen(function*() {
    const postIn = input.postIn === undefined ? undefined : yield* Rules.encodePostIn(input.postIn)
    const postAt = input.postAt === undefined ? undefined : yield* toUtcString("postAt", input.postAt)
    if ("data" in input && input.data === undefined) {
      return yield* invalid("data", "data is undefined: leave the field out, or pass null")
    }
    const body = yield* referenceValidateBody({
      ...input,
      ...(postIn === undefined ? {} : { postIn }),
      ...(postAt === undefined ? {} : { postAt })
    })
    if ("data" in body) yield* Rules.validateDataSize("data", body.data)
    return body
  })

// ---------------------------------------------------------------------------
// Generated inputs: every field absent, valid, invalid or of the wrong type
// ---------------------------------------------------------------------------

/** A small deterministic generator (the same inputs on every run). */
const generator = (seed: number) => {
  let state = seed
  return <A>(values: ReadonlyArray<A>): A => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648
    // The high bits: the low bits of this generator repeat with short periods.
    return values[Math.floor((state / 2_147_483_648) * values.length)]!
  }
}

const ABSENT = Symbol("absent")
const cycle: Record<string, unknown> = { a: 1 }
cycle.self = cycle
const fieldValues: Readonly<Record<string, ReadonlyArray<unknown>>> = {
  path: [
    "/x",
    "/x",
    "x",
    "/a\nb",
    `/${"a".repeat(2048)}`,
    `/${"a".repeat(2047)}`,
    "/café",
    5,
    null,
    undefined,
    ABSENT
  ],
  postIn: [
    ABSENT,
    ABSENT,
    "5m",
    "1h30m",
    "0s",
    "366d",
    "",
    "5x",
    Duration.seconds(30),
    Duration.millis(1500),
    Duration.infinity,
    Duration.days(400),
    300,
    null,
    undefined
  ],
  postAt: [
    ABSENT,
    ABSENT,
    ABSENT,
    "2026-06-15T10:00:00Z",
    "2026-06-15T12:00:00+02:00",
    "2026-06-15t10:00:00.123456z",
    "2026-02-30T10:00:00Z",
    "soon",
    new Date(0),
    new Date(Number.NaN),
    new Date(Date.UTC(10_000, 0, 1)),
    DateTime.makeUnsafe(0),
    5,
    null,
    undefined
  ],
  postAtLocal: [ABSENT, ABSENT, ABSENT, "2026-03-01T09:00:00", "2026-02-30T09:00:00", "9am", 5, null, undefined],
  timezone: [ABSENT, ABSENT, "America/New_York", "america/new_york", "Mars/Base", "+05:00", 5, null, undefined],
  retryOverride: [
    ABSENT,
    ABSENT,
    null,
    undefined,
    "often",
    { minRetries: 1, delaySecs: 5, strategy: "fixed" },
    { minRetries: 0, delaySecs: 5, strategy: "fixed" },
    { minRetries: 1, delaySecs: 5, strategy: "exponential", maxDelaySecs: 60 },
    { minRetries: 1, delaySecs: 5, strategy: "exponential" }
  ],
  data: [
    ABSENT,
    ABSENT,
    undefined,
    null,
    5,
    { userId: "123" },
    { a: undefined },
    [1, undefined],
    [[[1]]],
    { n: Number.NaN },
    { big: 1n },
    { f: () => 1 },
    { s: Symbol("s") },
    cycle,
    new Map(),
    { set: new Set() },
    { at: new Date(0) },
    { bad: { toJSON: () => { throw new Error("no") } } },
    "x".repeat(70_000),
    "é".repeat(30_000)
  ],
  extra: [ABSENT, 1]
}

const generatedInputs = (count: number, seed: number): Array<Record<string, unknown>> => {
  const pick = generator(seed)
  return Array.from({ length: count }, () => {
    const input: Record<string, unknown> = {}
    for (const [key, values] of Object.entries(fieldValues)) {
      const value = pick(values)
      if (value !== ABSENT) input[key] = value
    }
    return input
  })
}

/** The same success (deeply, and as JSON on the wire) or the same error (tag, field, message). */
const expectSameResult = (
  actual: Checked<Rules.ScheduleBody>,
  expected: Checked<Rules.ScheduleBody>
) => {
  if (Result.isSuccess(expected)) {
    expect(Result.isSuccess(actual)).toBe(true)
    if (Result.isSuccess(actual)) {
      expect(actual.success).toEqual(expected.success)
      expect(JSON.stringify(actual.success)).toBe(JSON.stringify(expected.success))
    }
  } else {
    const error = Result.isFailure(actual) ? actual.failure : undefined
    // Compared field by field: `toEqual` on two errors looks at little more than their class.
    expect([error?._tag, error?.field, error?.message]).toEqual([
      expected.failure._tag,
      expected.failure.field,
      expected.failure.message
    ])
  }
}

describe("schedule validation as plain code", () => {
  // `fromJavaScript`-style inputs: what an untyped caller can pass.
  const inputs = generatedInputs(4000, 20_261_207)

  it("encodeSchedule gives the reference's body or error for every generated input", () => {
    const outcomes = new Set<string>()
    for (const input of inputs) {
      const expected = referenceEncode(input as never)
      outcomes.add(Result.isSuccess(expected) ? "success" : expected.failure.message.replace(/"[^"]*"|\d+/g, ""))
      expectSameResult(Rules.encodeSchedule(input as never), expected)
    }
    // The inputs reach the success path and most of the rules.
    expect(outcomes.has("success")).toBe(true)
    expect(outcomes.size).toBeGreaterThan(25)
  })

  it("validateScheduleBody gives the reference's body or error for every generated input", () => {
    for (const input of [...inputs, null, [], 5, "body"]) {
      expectSameResult(Rules.validateScheduleBody(input), referenceValidateBody(input))
    }
  })

  it("validateJson words every problem as before", () => {
    for (const value of fieldValues.data!) {
      const actual = Rules.validateJson("data", value)
      const expected = referenceValidateJson("data", value)
      expect(Result.isFailure(actual) ? actual.failure.message : "ok").toBe(
        Result.isFailure(expected) ? expected.failure.message : "ok"
      )
    }
  })

  it("a valid body keeps its field order on the wire: path, data, timing, retryOverride", () => {
    const body = Result.getOrThrow(Rules.encodeSchedule({
      retryOverride: { minRetries: 2, delaySecs: 5, strategy: "fixed" },
      timezone: "america/new_york",
      postAtLocal: "2026-03-01T09:00:00",
      data: { a: 1 },
      path: "/x"
    }))
    expect(Object.keys(body)).toEqual(["path", "data", "postAtLocal", "timezone", "retryOverride"])
    expect(body.timezone).toBe("America/New_York")
  })
})

// ---------------------------------------------------------------------------
// withSpanLean
// ---------------------------------------------------------------------------

/** What code inside a span sees: its parent span's name and the stack frames' names. */
const observe = Effect.gen(function*() {
  const parent = yield* Effect.currentParentSpan
  const frames: Array<string> = []
  for (let frame = yield* References.CurrentStackFrame; frame !== undefined; frame = frame.parent) {
    frames.push(frame.name)
  }
  return { parent: parent._tag === "Span" ? parent.name : "external", frames }
}).pipe(Effect.withSpan("inner", undefined, { captureStackTrace: false }))

type Wrap = <A, E>(effect: Effect.Effect<A, E>, name: string, options: Tracer.SpanOptionsNoTrace) => Effect.Effect<A, E>

const viaWithSpan: Wrap = (effect, name, options) =>
  Effect.withSpan(effect, name, { ...options, captureStackTrace: false })

/** Runs `wrap` twice nested around `body` with a recording tracer; what the spans and the body saw. */
const traced = <A, E>(wrap: Wrap, body: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const { spans, tracer } = yield* recordingTracer
    const exit = yield* Effect.exit(
      wrap(wrap(body, "Posthook.http POST", { kind: "client", attributes: { "url.path": "/v1/hooks" } }), "outer", {
        attributes: { "posthook.path": "/x" }
      }).pipe(Effect.withTracer(tracer))
    )
    const after = yield* References.CurrentStackFrame
    return {
      exit,
      after,
      spans: spans.map((span) => ({
        name: span.name,
        kind: span.kind,
        parent: Option.match(span.parent, {
          onNone: () => "root",
          onSome: (parent) => parent._tag === "Span" ? parent.name : "external"
        }),
        attributes: Object.fromEntries(span.attributes),
        ended: span.status._tag === "Ended",
        failed: span.status._tag === "Ended" && Exit.isFailure(span.status.exit)
      }))
    }
  })

describe("withSpanLean", () => {
  it.effect("gives the spans, parents, attributes and stack frames of Effect.withSpan", () =>
    Effect.gen(function*() {
      const lean = yield* traced(withSpanLean, observe)
      const standard = yield* traced(viaWithSpan, observe)
      expect(lean.spans).toEqual(standard.spans)
      expect(lean.spans.map((span) => [span.name, span.parent])).toEqual([
        ["outer", "root"],
        ["Posthook.http POST", "outer"],
        ["inner", "Posthook.http POST"]
      ])
      expect(Exit.isSuccess(lean.exit) && lean.exit.value).toEqual(Exit.isSuccess(standard.exit) && standard.exit.value)
      expect(Exit.isSuccess(lean.exit) && lean.exit.value.frames).toEqual(["inner", "Posthook.http POST", "outer"])
      // The frames are popped again once the spans end.
      expect(lean.after).toBe(standard.after)
    }))

  it.effect("ends the spans as failed and reports the failure as Effect.withSpan does", () =>
    Effect.gen(function*() {
      const failing = Effect.fail("refused")
      const lean = yield* traced(withSpanLean, failing)
      const standard = yield* traced(viaWithSpan, failing)
      expect(lean.spans).toEqual(standard.spans)
      expect(lean.spans.every((span) => span.ended && span.failed)).toBe(true)
      expect(Exit.isFailure(lean.exit) && Cause.pretty(lean.exit.cause)).toBe(
        Exit.isFailure(standard.exit) && Cause.pretty(standard.exit.cause)
      )
    }))
})

// ---------------------------------------------------------------------------
// Hook decoding with shared date readers
// ---------------------------------------------------------------------------

describe("decodeHookFast date readers", () => {
  const hook = (fields: Record<string, unknown>) => ({
    id: "h",
    path: "/x",
    data: null,
    postAt: "2026-06-15T10:05:00Z",
    status: "pending",
    createdAt: "2026-06-15T10:00:00Z",
    updatedAt: "2026-06-15T10:01:00Z",
    ...fields
  })

  it("a repeated text decodes to the same instant; a bad text after a good one is still refused", () => {
    const first = decodeHookFast(hook({}))
    const second = decodeHookFast(hook({ id: "h2" }))
    expect(first && DateTime.formatIso(first.postAt)).toBe("2026-06-15T10:05:00.000Z")
    expect(second && DateTime.formatIso(second.postAt)).toBe("2026-06-15T10:05:00.000Z")
    expect(second && DateTime.formatIso(second.updatedAt)).toBe("2026-06-15T10:01:00.000Z")
    expect(decodeHookFast(hook({ postAt: "2026-13-01T10:05:00Z" }))).toBeUndefined()
    expect(decodeHookFast(hook({ createdAt: "yesterday" }))).toBeUndefined()
    expect(decodeHookFast(hook({ updatedAt: 5 }))).toBeUndefined()
    const third = decodeHookFast(hook({ postAt: "2026-06-15T10:06:00Z" }))
    expect(third && DateTime.formatIso(third.postAt)).toBe("2026-06-15T10:06:00.000Z")
  })

  it("optional keys: missing or null read as absent; present with undefined or a wrong type goes to the Schema", () => {
    expect(decodeHookFast(hook({ domain: null, failureError: null, sequenceData: null, retryOverride: null })))
      .toBeDefined()
    for (const key of ["domain", "failureError", "sequenceData", "retryOverride"]) {
      expect(decodeHookFast(hook({ [key]: undefined }))).toBeUndefined()
      expect(decodeHookFast(hook({ [key]: 5 }))).toBeUndefined()
    }
    expect(decodeHookFast(hook({ domain: "example.com", failureError: "HTTP 500" }))).toMatchObject({
      domain: "example.com",
      failureError: "HTTP 500"
    })
  })
})

// ---------------------------------------------------------------------------
// schedule without a data schema
// ---------------------------------------------------------------------------

describe("Hooks.schedule with the default data schema", () => {
  it.effect("sends and returns what an explicit Schema.Unknown does; data: undefined is still refused", () =>
    Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const data = { userId: "123", at: new Date(0), nested: [1, { b: null }] }
      const answer = wireHook({ id: "h1", data })
      yield* server.enqueue(Reply.data(answer, 201), Reply.data(answer, 201))
      const implicit = yield* hooks.schedule({ path: "/x", postIn: "5m", data })
      const explicit = yield* hooks.schedule({ path: "/x", postIn: "5m", data, dataSchema: Schema.Unknown })
      const [first, second] = yield* server.requests
      expect(first?.json).toEqual(second?.json)
      expect(first?.json).toEqual({ path: "/x", postIn: "5m", data: JSON.parse(JSON.stringify(data)) })
      expect(implicit).toEqual(explicit)
      const refused = yield* Effect.flip(hooks.schedule({ path: "/x", postIn: "5m", data: undefined }))
      expect(refused._tag === "ValidationError" && refused.field).toBe("data")
      expect((yield* server.requests).length).toBe(2)
    }).pipe(Effect.provide(layerWithClient())))
})

// ---------------------------------------------------------------------------
// Paging: ids already seen are dropped, few or many
// ---------------------------------------------------------------------------

describe("pagination.step drops seen ids", () => {
  const entry = (id: string, postAt: string): Pagination.PageEntry<string> => ({ item: id, id, postAt })
  const page = Array.from({ length: 20 }, (_, index) => entry(`id-${index}`, `t${Math.floor(index / 4)}`))

  for (const seenCount of [0, 1, 8, 9, 20]) {
    it(`with ${seenCount} seen ids, keeping the page's order`, () => {
      // Seen ids spread over the page, plus ids that are not on it.
      const seen = new Set([
        ...page.filter((_, index) => index % 2 === 0).slice(0, seenCount).map((e) => e.id),
        "elsewhere-1",
        "elsewhere-2"
      ].slice(0, seenCount))
      const step = Pagination.step({ after: "t0", skip: 0, seen, lastPostAt: "t0" }, page, 20)
      expect(step.emit.map((e) => e.id)).toEqual(page.filter((e) => !seen.has(e.id)).map((e) => e.id))
      expect(step.emit.length).toBe(20 - [...seen].filter((id) => id.startsWith("id-")).length)
    })
  }
})
