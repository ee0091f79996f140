/**
 * The receiving hot path has hand-written fast paths (delivery body decoding,
 * header reading, the single-signature header, no span under Effect's
 * built-in tracer). These properties pin them to the general code they
 * shortcut: same answers, same errors.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, DateTime, DefaultServices, Duration, Effect, Either, Exit, FastCheck as fc, Redacted, Schema, Tracer } from "effect"
import { createHmac } from "node:crypto"
import { Signatures } from "posthook-effect"
import { deliveryHeaders, headerValues } from "../src/internal/headers.js"
import { decodeDeliveryFields, DeliveryBody } from "../src/internal/verify.js"
import { dateText } from "./utils/arbitraries.js"

const schemaDecode = Schema.decodeUnknownEither(DeliveryBody, { onExcessProperty: "ignore" })

/** Field values that hit every branch: absent, null, wrong types, good and bad date strings. */
const fieldValue = fc.oneof(
  { weight: 4, arbitrary: dateText },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.constant({}) }
)
const deliveryJson = fc.record(
  {
    id: fieldValue,
    path: fc.oneof(fc.string(), fieldValue),
    data: fc.jsonValue(),
    postAt: fieldValue,
    postedAt: fieldValue,
    createdAt: fieldValue,
    updatedAt: fieldValue,
    extra: fc.jsonValue()
  },
  { requiredKeys: [] }
)

/** Mostly well-formed deliveries, so the success path is exercised as much as the failures. */
const wellFormedJson = fc.record(
  {
    id: fc.oneof(fc.uuid(), fc.constant(null)),
    path: fc.string(),
    data: fc.jsonValue(),
    postAt: dateText,
    postedAt: fc.oneof(dateText, fc.constant(null)),
    createdAt: dateText,
    updatedAt: fc.oneof(dateText, fc.constant(null)),
    extra: fc.jsonValue()
  },
  { requiredKeys: ["path", "data", "postAt", "createdAt"] }
)

const comparable = (value: unknown): unknown =>
  DateTime.isDateTime(value)
    ? { dateTime: DateTime.toEpochMillis(value) }
    : typeof value === "object" && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).map(([key, field]) => [key, comparable(field)]))
    : value

let decodedOk = 0

describe("receiving fast paths", () => {
  it.prop("the hand-written body decoder agrees with the DeliveryBody schema", {
    json: fc.oneof(
      { weight: 4, arbitrary: wellFormedJson },
      { weight: 4, arbitrary: deliveryJson },
      { weight: 1, arbitrary: fc.jsonValue() }
    )
  }, ({ json }) => {
    const fast = decodeDeliveryFields(json)
    const reference = schemaDecode(json)
    if (Either.isRight(reference)) decodedOk++
    expect(Either.isRight(fast)).toBe(Either.isRight(reference))
    if (Either.isRight(fast) && Either.isRight(reference)) {
      expect(comparable(fast.right)).toEqual(comparable(reference.right))
    }
    if (Either.isLeft(fast) && Either.isLeft(reference)) {
      expect(fast.left.message).toBe(reference.left.message)
    }
  }, { fastCheck: { numRuns: 500 } })

  it("the decoder property above saw successes as well as failures", () => {
    expect(decodedOk).toBeGreaterThan(50)
  })

  it.prop("deliveryHeaders reads what headerValues reads, from any record", {
    headers: fc.dictionary(
      fc.constantFrom(
        "posthook-timestamp",
        "Posthook-Timestamp",
        "POSTHOOK-SIGNATURE",
        "posthook-signature",
        "Posthook-Id",
        "posthook-ack-url",
        "Posthook-Nack-URL",
        "content-type",
        "x-posthook-id",
        "posthook-idx"
      ),
      fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.constant(undefined))
    )
  }, ({ headers }) => {
    const read = deliveryHeaders(headers)
    expect(read.timestamp).toEqual(headerValues(headers, "posthook-timestamp"))
    expect(read.signature).toEqual(headerValues(headers, "posthook-signature"))
    expect(read.id).toEqual(headerValues(headers, "posthook-id"))
    expect(read.ackUrl).toEqual(headerValues(headers, "posthook-ack-url"))
    expect(read.nackUrl).toEqual(headerValues(headers, "posthook-nack-url"))
  })

  it("deliveryHeaders reads a Web Headers too", () => {
    const headers = new Headers({ "Posthook-Timestamp": "1", "posthook-signature": "v1,ab", "Posthook-Id": "h" })
    const read = deliveryHeaders(headers)
    expect(read).toEqual({ timestamp: ["1"], signature: ["v1,ab"], id: ["h"], ackUrl: [], nackUrl: [] })
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
      Exit.isSuccess(exit) ? "verified" : exit.cause._tag === "Fail" ? exit.cause.error.message : "defect"

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

    const native = Context.get(DefaultServices.liveServices, Tracer.Tracer)
    /** Notes each span's name and lets Effect's own tracer make it. */
    const recordingTracer = (names: Array<string>) =>
      Tracer.make({
        span: (name, parent, context, links, startTime, kind, options) => {
          names.push(name)
          return native.span(name, parent, context, links, startTime, kind, options)
        },
        context: (f) => f()
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
