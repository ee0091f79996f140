/**
 * The receiving hot path has hand-written fast paths (delivery body decoding,
 * header reading, the single-signature header, no span under Effect's
 * built-in tracer). These properties pin them to the general code they
 * shortcut: same answers, same errors.
 */
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, DateTime, Duration, Effect, Exit, Redacted, Result, Schema, Tracer } from "effect"
import { createHmac } from "node:crypto"
import { Signatures } from "posthook-effect"
import { deliveryHeaders, fieldValues, headerValues } from "../src/internal/headers.js"
import { decodeDeliveryFields, DeliveryBody } from "../src/internal/verify.js"
import * as arb from "./utils/arbitraries.js"

const schemaDecode = Schema.decodeUnknownResult(DeliveryBody)

/** Field values that hit every branch: absent, null, wrong types, good and bad date strings. */
const fieldValue = arb.weighted(
  [4, arb.dateText],
  [1, Arbitrary.Constant(null)],
  [1, arb.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })],
  [1, arb.boolean],
  [1, arb.string],
  [1, Arbitrary.Constant({})]
)
const deliveryJson = arb.record(
  {
    id: fieldValue,
    path: arb.oneOf(arb.string, fieldValue),
    data: arb.jsonValue,
    postAt: fieldValue,
    postedAt: fieldValue,
    createdAt: fieldValue,
    updatedAt: fieldValue,
    extra: arb.jsonValue
  },
  []
)

/** Mostly well-formed deliveries, so the success path is exercised as much as the failures. */
const wellFormedFields = arb.record(
  {
    id: arb.oneOf(arb.uuid, Arbitrary.Constant(null)),
    path: arb.string,
    data: arb.jsonValue,
    postAt: arb.dateText,
    postedAt: arb.oneOf(arb.dateText, Arbitrary.Constant(null)),
    createdAt: arb.dateText,
    updatedAt: arb.oneOf(arb.dateText, Arbitrary.Constant(null)),
    extra: arb.jsonValue
  },
  ["path", "data", "postAt", "createdAt"]
)

/**
 * A third of them not yet updated (`updatedAt` is `createdAt`'s text): the
 * fast decoder has a branch of its own for that, which two independent date
 * texts would seldom reach.
 */
const wellFormedJson = arb.weighted(
  [2, wellFormedFields],
  [1, Arbitrary.map(wellFormedFields, (json) => ({ ...json, updatedAt: json.createdAt }))]
)

const comparable = (value: unknown): unknown =>
  DateTime.isDateTime(value)
    ? { dateTime: DateTime.toEpochMillis(value) }
    : typeof value === "object" && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).map(([key, field]) => [key, comparable(field)]))
    : value

/** The bodies the decoder property is checked on: well-formed, wrong in every field, and any JSON at all. */
const bodyJson = arb.weighted([4, wellFormedJson], [4, deliveryJson], [1, arb.jsonValue])

describe("receiving fast paths", () => {
  it.prop("the hand-written body decoder agrees with the DeliveryBody schema", {
    json: bodyJson
  }, ({ json }) => {
    const fast = decodeDeliveryFields(json)
    const reference = schemaDecode(json)
    expect(Result.isSuccess(fast)).toBe(Result.isSuccess(reference))
    if (Result.isSuccess(fast) && Result.isSuccess(reference)) {
      // `data` by identity: both pass it through, and a failure then prints a boolean, not the payload.
      const { data: fastData, ...fastFields } = fast.success
      const { data: referenceData, ...referenceFields } = reference.success
      expect(comparable(fastFields)).toEqual(comparable(referenceFields))
      expect(fastData === referenceData).toBe(true)
    }
    if (Result.isFailure(fast) && Result.isFailure(reference)) {
      expect(fast.failure.message).toBe(reference.failure.message)
    }
  }, { arbitrary: { runs: 500 } })

  /** Date texts in Posthook's form, every field from just below to just above its range. */
  const canonicalDate = Arbitrary.map(
    Arbitrary.all({
      year: arb.integer({ min: 0, max: 9999 }),
      month: arb.integer({ min: 0, max: 13 }),
      day: arb.weighted([3, arb.integer({ min: 26, max: 32 })], [1, arb.integer({ min: 0, max: 25 })]),
      hour: arb.integer({ min: 0, max: 24 }),
      minute: arb.integer({ min: 0, max: 60 }),
      second: arb.integer({ min: 0, max: 60 }),
      fraction: arb.constantFrom("", ".", ".5", ".05", ".123", ".1234", ".12a", "x")
    }),
    ({ day, fraction, hour, minute, month, second, year }) => {
      const pad = (value: number, width = 2) => String(value).padStart(width, "0")
      return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${fraction}Z`
    }
  )

  it.prop("the hand-written date reading agrees with the schema on texts in Posthook's form", {
    text: canonicalDate
  }, ({ text }) => {
    const json = { id: "h", path: "/p", data: null, postAt: text, createdAt: "2026-01-01T00:00:00Z" }
    const fast = decodeDeliveryFields(json)
    const reference = schemaDecode(json)
    expect(Result.isSuccess(fast)).toBe(Result.isSuccess(reference))
    if (Result.isSuccess(fast) && Result.isSuccess(reference)) {
      expect(DateTime.toEpochMillis(fast.success.postAt)).toBe(DateTime.toEpochMillis(reference.success.postAt))
    }
  }, { arbitrary: { runs: 2_000 } })

  it("the bodies that property is checked on hold successes as well as failures", () => {
    // Sampled here, not counted by the property: this test stands on its own, in any order or alone.
    const samples = Effect.runSync(Arbitrary.sampleEffect(bodyJson, { count: 500, seed: 20260101 }))
    const decoded = samples.filter((json) => Result.isSuccess(schemaDecode(json))).length
    expect(decoded).toBeGreaterThan(50)
    expect(samples.length - decoded).toBeGreaterThan(50)
  })

  it("a date text repeated from the last body decodes to the same instant; a bad one after it still fails", () => {
    const body = { id: "h", path: "/p", data: null, postAt: "2026-03-01T10:00:00Z", createdAt: "2026-01-01T00:00:00Z" }
    const postAtMillis = (json: unknown) => {
      const decoded = decodeDeliveryFields(json)
      return Result.isSuccess(decoded) ? DateTime.toEpochMillis(decoded.success.postAt) : "failed"
    }
    expect(postAtMillis(body)).toBe(Date.UTC(2026, 2, 1, 10))
    expect(postAtMillis({ ...body })).toBe(Date.UTC(2026, 2, 1, 10))
    expect(postAtMillis({ ...body, postAt: "2026-13-01T10:00:00Z" })).toBe("failed")
    expect(postAtMillis({ ...body, postAt: "2026-03-02T10:00:00Z" })).toBe(Date.UTC(2026, 2, 2, 10))
    expect(postAtMillis(body)).toBe(Date.UTC(2026, 2, 1, 10))
    expect(postAtMillis({ ...body, postAt: "2026-13-01T10:00:00Z" })).toBe("failed")
  })

  it.prop("deliveryHeaders reads what headerValues reads, from any record", {
    headers: arb.dictionary(
      arb.constantFrom(
        "posthook-timestamp",
        "Posthook-Timestamp",
        "POSTHOOK-SIGNATURE",
        "posthook-signature",
        "Posthook-Id",
        "posthook-ack-url",
        "Posthook-Nack-URL",
        "content-type",
        "x-posthook-id",
        "posthook-idx",
        // The Kelvin sign lower-cases to an ASCII "k": still the same header for `toLowerCase`.
        "Posthoo\u212A-Timestamp",
        "posthoo\u212A-id",
        "POSTHOOK-İD"
      ),
      arb.oneOf(
        arb.string,
        Arbitrary.array(arb.string, { maxLength: 3 }),
        Arbitrary.Constant(undefined)
      )
    )
  }, ({ headers }) => {
    const read = deliveryHeaders(headers)
    expect(fieldValues(read.timestamp)).toEqual(headerValues(headers, "posthook-timestamp"))
    expect(fieldValues(read.signature)).toEqual(headerValues(headers, "posthook-signature"))
    expect(fieldValues(read.id)).toEqual(headerValues(headers, "posthook-id"))
    expect(fieldValues(read.ackUrl)).toEqual(headerValues(headers, "posthook-ack-url"))
    expect(fieldValues(read.nackUrl)).toEqual(headerValues(headers, "posthook-nack-url"))
  })

  it("deliveryHeaders reads a Web Headers too", () => {
    const headers = new Headers({ "Posthook-Timestamp": "1", "posthook-signature": "v1,ab", "Posthook-Id": "h" })
    const read = deliveryHeaders(headers)
    expect(read).toEqual({ timestamp: "1", signature: "v1,ab", id: "h", ackUrl: undefined, nackUrl: undefined })
  })

  describe("the single v1 signature header", () => {
    const key = "ph_sk_fast"
    const body = new TextEncoder().encode(
      JSON.stringify({ id: "h1", path: "/p", data: null, postAt: "2026-01-01T00:00:00Z", createdAt: "2026-01-01T00:00:00Z" })
    )
    const timestamp = 1_767_225_600
    const hex = createHmac("sha256", key).update(`${timestamp}.`).update(body).digest("hex")
    const signatures = Signatures.fromKeys([Redacted.make(key)], { tolerance: "100000 days" })
    const verify = (signature: string) =>
      Effect.runSyncExit(
        signatures.verify(body, { "posthook-timestamp": String(timestamp), "posthook-signature": signature })
      )
    const reason = (exit: Exit.Exit<unknown, { readonly reason: string; readonly message: string }>) =>
      Exit.isSuccess(exit) ? "verified" : Exit.findErrorOption(exit).pipe(
        (error) => error._tag === "Some" ? error.value.message : "defect"
      )

    it("accepts the signature in upper case, as before", () => {
      expect(reason(verify(`v1,${hex.toUpperCase()}`))).toBe("verified")
    })

    it("a 64-character entry that is not all hex never matches, and counts as one signature", () => {
      const broken = `${hex.slice(0, 40)}zz${hex.slice(42)}`
      expect(reason(verify(`v1,${broken}`))).toBe("no signature matches: 1 signature(s) checked against 1 signing key(s)")
      expect(reason(verify(`v1,${hex.slice(0, 63)},`))).toBe(
        "no signature matches: 1 signature(s) checked against 1 signing key(s)"
      )
      expect(reason(verify(`v1,${hex.slice(0, 30)} ${hex.slice(30)}`))).toBe(
        "no signature matches: 1 signature(s) checked against 1 signing key(s)"
      )
    })
  })

  describe("spans", () => {
    const key = "ph_sk_span"
    const request = Effect.runSync(
      Signatures.signDelivery({ path: "/p", data: { n: 1 } }, { signingKey: key })
    )
    const signatures = Signatures.fromKeys([Redacted.make(key)], { tolerance: Duration.minutes(5) })

    /** Notes each span's name and lets Effect's own tracer make it. */
    const recordingTracer = (names: Array<string>) =>
      Tracer.make({
        span: (options) => {
          names.push(options.name)
          return Tracer.nativeTracer.span(options)
        }
      })

    it("with an exporting tracer installed, verify and parseDelivery each open their span", () => {
      const names: Array<string> = []
      const tracer = recordingTracer(names)
      const delivery = Effect.runSync(
        Effect.gen(function*() {
          yield* signatures.verify(request.body, request.headers)
          return yield* signatures.parseDelivery(request.body, request.headers)
        }).pipe(Effect.withTracer(tracer))
      )
      expect(delivery.path).toBe("/p")
      expect(names).toEqual(["Posthook.signatures.verify", "Posthook.signatures.parseDelivery"])
    })

    it("the span of a failed check records the failure", () => {
      const names: Array<string> = []
      const exit = Effect.runSyncExit(
        signatures.parseDelivery(request.body, { ...request.headers, "Posthook-Signature": "v1,00" }).pipe(
          Effect.withTracer(recordingTracer(names))
        )
      )
      expect(Exit.isFailure(exit)).toBe(true)
      expect(names).toEqual(["Posthook.signatures.parseDelivery"])
    })

    it("with tracing disabled, no span is opened", () => {
      const names: Array<string> = []
      Effect.runSync(
        signatures.parseDelivery(request.body, request.headers).pipe(
          Effect.withTracerEnabled(false),
          Effect.withTracer(recordingTracer(names))
        )
      )
      expect(names).toEqual([])
    })
  })
})
