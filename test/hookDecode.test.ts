/**
 * `get`, `list` and `listAll` decode the default hook (`data: unknown`) by
 * hand. These properties pin the hand-written decoder to the `Hook` schema it
 * shortcuts: whenever it answers, it answers exactly what the schema does,
 * and it never accepts what the schema refuses.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Result, Schema } from "effect"
import * as Arbitrary from "effect/Arbitrary"
import { Hook } from "posthook-effect"
import { decodeHookFast, fastArray, fastDecoderOf } from "../src/internal/hookDecode.js"
import { decodeUtc } from "../src/internal/utc.js"
import {
  boolean,
  constantFrom,
  dateText,
  double,
  integer,
  jsonValue,
  nat,
  oneOf,
  record,
  string,
  uuid,
  weighted
} from "./utils/arbitraries.js"

const DefaultHook = Hook.withData(Schema.Unknown)
const schemaDecode = Schema.decodeUnknownResult(DefaultHook)

/** Mostly one well-formed time, so the success path is exercised as much as the failures. */
const hookTime = weighted([3, Arbitrary.Constant("2026-06-15T10:00:00Z")], [1, dateText])
/** Values that hit every branch: absent, null, wrong types. */
const anyValue = oneOf(
  Arbitrary.Constant(undefined),
  Arbitrary.Constant(null),
  integer({ min: -1_000_000, max: 1_000_000 }),
  double,
  boolean,
  string,
  Arbitrary.Constant({})
)
const status = weighted([4, constantFrom("pending", "retry", "completed", "failed")], [1, anyValue])
const maybe = <A>(arbitrary: Arbitrary.Arbitrary<A>) => weighted([9, arbitrary], [1, anyValue])
/** An optional field: mostly a value of its type or `null`, rarely `undefined` (present but undefined). */
const optionalField = <A>(arbitrary: Arbitrary.Arbitrary<A>) =>
  weighted([6, arbitrary], [2, Arbitrary.Constant(null)], [1, Arbitrary.Constant(undefined)], [1, anyValue])

/** Mostly well-formed hooks (so success is exercised as much as failure), with unknown fields. */
const hookJson = record(
  {
    id: maybe(uuid),
    path: maybe(string),
    domain: optionalField(string),
    data: jsonValue,
    postAt: maybe(hookTime),
    status,
    postDurationSeconds: optionalField(double),
    attempts: optionalField(nat),
    failureError: optionalField(string),
    // Nested objects always go to the schema: present in a few cases only.
    sequenceData: weighted([1, Arbitrary.Constant({ sequenceID: "s" })], [4, Arbitrary.Constant(null)]),
    retryOverride: weighted([1, Arbitrary.Constant({ minRetries: 3 })], [4, Arbitrary.Constant(null)]),
    createdAt: maybe(hookTime),
    updatedAt: maybe(hookTime),
    tryAt: jsonValue
  },
  ["id", "path", "data", "postAt", "status", "createdAt", "updatedAt"]
)

const pad = (width: number) => (value: number) => String(value).padStart(width, "0")
/**
 * Times in the API's form (`YYYY-MM-DDTHH:MM:SS[.f…]Z`, the form `decodeUtc`
 * reads with `Date.parse`), with out-of-range parts (month 13, Feb 30, hour
 * 24, second 60) and up to twelve fraction digits, next to `dateText`'s
 * other forms.
 */
const apiTimeText = Arbitrary.map(
  Arbitrary.all([
    Arbitrary.map(integer({ min: 0, max: 9999 }), pad(4)),
    Arbitrary.map(integer({ min: 0, max: 13 }), pad(2)),
    Arbitrary.map(integer({ min: 0, max: 32 }), pad(2)),
    Arbitrary.map(integer({ min: 0, max: 25 }), pad(2)),
    Arbitrary.map(integer({ min: 0, max: 61 }), pad(2)),
    Arbitrary.map(integer({ min: 0, max: 61 }), pad(2)),
    weighted([2, Arbitrary.Constant("")], [3, Arbitrary.map(integer({ min: 0, max: 999_999_999_999 }), (n) => `.${n}`)])
  ]),
  ([year, month, day, hour, minute, second, fraction]) => `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}Z`
)
const schemaDecodeUtc = Schema.decodeUnknownResult(Schema.DateTimeUtcFromString)

describe("hand-written time decoding (decodeUtc)", () => {
  it.effect("gives what Schema.DateTimeUtcFromString gives, for API-form times and every other text", () =>
    Effect.gen(function*() {
      let decoded = 0
      const result = yield* Arbitrary.checkEffect(oneOf(apiTimeText, dateText), (text) =>
        Effect.try(() => {
          const fast = decodeUtc(text)
          const viaSchema = schemaDecodeUtc(text)
          expect(fast === undefined).toBe(Result.isFailure(viaSchema))
          if (fast !== undefined) {
            decoded++
            expect(fast.epochMilliseconds).toBe(Result.getOrThrow(viaSchema).epochMilliseconds)
          }
          return true
        }), { runs: 3000 })
      expect(Arbitrary.formatCheckFailure(result)).toBeUndefined()
      expect(decoded).toBeGreaterThan(300)
    }))

  it("impossible API-form dates and non-strings are refused, as by the schema", () => {
    expect(decodeUtc("2026-13-01T00:00:00Z")).toBeUndefined()
    expect(decodeUtc("2026-01-01T00:00:60Z")).toBeUndefined()
    expect(decodeUtc(1767225600000)).toBeUndefined()
    expect(decodeUtc("2026-06-15T10:05:00.123Z")?.epochMilliseconds).toBe(Date.UTC(2026, 5, 15, 10, 5, 0, 123))
  })
})

describe("hand-written Hook decoding", () => {
  it.effect("answers exactly what the Hook schema answers, or leaves the input to it", () =>
    Effect.gen(function*() {
      let fastAnswers = 0
      const result = yield* Arbitrary.checkEffect(hookJson, (json) =>
        Effect.try(() => {
          const fast = decodeHookFast(json)
          const viaSchema = schemaDecode(json)
          if (fast === undefined) return true
          fastAnswers++
          expect(Result.isSuccess(viaSchema)).toBe(true)
          expect(fast).toEqual(Result.getOrThrow(viaSchema))
          return true
        }), { runs: 2000 })
      expect(Arbitrary.formatCheckFailure(result)).toBeUndefined()
      // A decoder that always defers would pass the property: make sure it does answer.
      expect(fastAnswers).toBeGreaterThan(100)
    }))

  it("a typical hook: same value as the schema, `updatedAt` sharing `createdAt` when the texts are equal", () => {
    const json = {
      id: "7f1c0000-0000-4000-8000-000000000000",
      path: "/webhooks/user-created",
      data: { userId: "123" },
      postAt: "2026-06-15T10:00:00Z",
      status: "completed",
      postDurationSeconds: 0.12,
      attempts: 1,
      createdAt: "2026-06-15T09:55:00Z",
      updatedAt: "2026-06-15T09:55:00Z",
      wasNotified: true
    }
    const fast = decodeHookFast(json)
    expect(fast).toEqual(Result.getOrThrow(schemaDecode(json)))
    expect(fast?.updatedAt).toBe(fast?.createdAt)
    expect(decodeHookFast({ ...json, data: undefined, attempts: "1" })).toBeUndefined()
    const { data: _, ...withoutData } = json
    expect(decodeHookFast(withoutData)).toBeUndefined()
  })

  it("lists: every element or none; only the default data schema is registered", () => {
    const json = {
      id: "a",
      path: "/p",
      data: null,
      postAt: "2026-06-15T10:00:00Z",
      status: "pending",
      createdAt: "2026-06-15T09:55:00Z",
      updatedAt: "2026-06-15T09:56:00Z"
    }
    const decodeHooksFast = fastArray(decodeHookFast)
    expect(decodeHooksFast([json, json])).toEqual([decodeHookFast(json), decodeHookFast(json)])
    expect(decodeHooksFast([json, { ...json, status: "paused" }])).toBeUndefined()
    expect(decodeHooksFast({ 0: json })).toBeUndefined()
    expect(fastDecoderOf(DefaultHook)).toBe(decodeHookFast)
    expect(fastDecoderOf(Hook.withData(Schema.Struct({ userId: Schema.String })))).toBeUndefined()
    expect(fastDecoderOf(Hook.Hook)).toBeUndefined()
  })
})
