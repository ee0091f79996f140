/**
 * `get`, `list` and `listAll` decode the default hook (`data: unknown`) by
 * hand. These properties pin the hand-written decoder to the `Hook` schema it
 * shortcuts: whenever it answers, it answers exactly what the schema does,
 * and it never accepts what the schema refuses.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import { Hook } from "posthook-effect"
import { decodeHookFast, decodeHooksFast, fastDecoderOf } from "../src/internal/hookDecode.js"
import { dateText } from "./utils/arbitraries.js"

const DefaultHook = Hook.withData(Schema.Unknown)
const schemaDecode = Schema.decodeUnknownEither(DefaultHook, { onExcessProperty: "ignore" })

/** Mostly one well-formed time, so the success path is exercised as much as the failures. */
const hookTime = fc.oneof({ weight: 3, arbitrary: fc.constant("2026-06-15T10:00:00Z") }, { weight: 1, arbitrary: dateText })
/** Values that hit every branch: absent, null, wrong types. */
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.string(),
  fc.constant({})
)
const status = fc.oneof({ weight: 4, arbitrary: fc.constantFrom("pending", "retry", "completed", "failed") }, {
  weight: 1,
  arbitrary: anyValue
})
const maybe = <A>(arbitrary: fc.Arbitrary<A>) => fc.oneof({ weight: 9, arbitrary }, { weight: 1, arbitrary: anyValue })
/** An optional field: mostly a value of its type or `null`, rarely `undefined` (present but undefined). */
const optionalField = <A>(arbitrary: fc.Arbitrary<A>) =>
  fc.oneof({ weight: 6, arbitrary }, { weight: 2, arbitrary: fc.constant(null) }, {
    weight: 1,
    arbitrary: fc.constant(undefined)
  }, { weight: 1, arbitrary: anyValue })

/** Mostly well-formed hooks (so success is exercised as much as failure), with unknown fields. */
const hookJson = fc.record(
  {
    id: maybe(fc.uuid()),
    path: maybe(fc.string()),
    domain: optionalField(fc.string()),
    data: fc.jsonValue(),
    postAt: maybe(hookTime),
    status,
    postDurationSeconds: optionalField(fc.double()),
    attempts: optionalField(fc.nat()),
    failureError: optionalField(fc.string()),
    // Nested objects always go to the schema: present in a few cases only.
    sequenceData: fc.oneof({ weight: 1, arbitrary: fc.constant({ sequenceID: "s" }) }, {
      weight: 4,
      arbitrary: fc.constant(null)
    }),
    retryOverride: fc.oneof({ weight: 1, arbitrary: fc.constant({ minRetries: 3 }) }, {
      weight: 4,
      arbitrary: fc.constant(null)
    }),
    createdAt: maybe(hookTime),
    updatedAt: maybe(hookTime),
    tryAt: fc.jsonValue()
  },
  { requiredKeys: ["id", "path", "data", "postAt", "status", "createdAt", "updatedAt"] }
)

describe("hand-written Hook decoding", () => {
  it("answers exactly what the Hook schema answers, or leaves the input to it", () => {
    let fastAnswers = 0
    fc.assert(
      fc.property(hookJson, (json) => {
        const fast = decodeHookFast(json)
        const viaSchema = schemaDecode(json)
        if (fast === undefined) return
        fastAnswers++
        expect(Either.isRight(viaSchema)).toBe(true)
        expect(fast).toEqual(Either.getOrThrow(viaSchema))
      }),
      { numRuns: 2000 }
    )
    // A decoder that always defers would pass the property: make sure it does answer.
    expect(fastAnswers).toBeGreaterThan(100)
  })

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
    expect(fast).toEqual(Either.getOrThrow(schemaDecode(json)))
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
    expect(decodeHooksFast([json, json])?.length).toBe(2)
    expect(decodeHooksFast([json, { ...json, status: "paused" }])).toBeUndefined()
    expect(decodeHooksFast({ 0: json })).toBeUndefined()
    expect(fastDecoderOf(DefaultHook)).toBe(decodeHookFast)
    expect(fastDecoderOf(Hook.withData(Schema.Struct({ userId: Schema.String })))).toBeUndefined()
    expect(fastDecoderOf(Hook.Hook)).toBeUndefined()
  })
})
