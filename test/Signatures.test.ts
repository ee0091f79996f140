import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, DateTime, Duration, Effect, Exit, Layer, Redacted, Schema } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import { TestClock } from "effect/testing"
import { createHmac } from "node:crypto"
import { inspect } from "node:util"
import { Delivery, PosthookConfig, PosthookError, Signatures } from "posthook-effect"

const KEY = "ph_sk_test_current"
const NEXT_KEY = "ph_sk_test_next"
const NOW = 1_767_225_600 // 2026-01-01T00:00:00Z
const HOOK_ID = "0b6f1c7e-1a2b-4c3d-8e9f-0123456789ab"

/** An HMAC computed here, independently of the SDK's signer. */
const hmac = (key: string, timestamp: number | string, body: Uint8Array | string): string =>
  createHmac("sha256", key).update(`${timestamp}.`).update(body).digest("hex")

const deliveryJson = (fields: Record<string, unknown> = {}): string =>
  JSON.stringify({
    id: HOOK_ID,
    path: "/webhooks/user-created",
    postAt: "2025-12-31T23:55:00Z",
    postedAt: "2026-01-01T00:00:00Z",
    data: { userId: "123", event: "user.created" },
    createdAt: "2025-12-31T20:00:00Z",
    updatedAt: "2025-12-31T23:59:00Z",
    ...fields
  })

const headersFor = (
  body: Uint8Array | string,
  overrides: Record<string, string | undefined> = {},
  key: string = KEY,
  timestamp: number = NOW
): Record<string, string> => {
  const headers: Record<string, string | undefined> = {
    "content-type": "application/json",
    "posthook-id": HOOK_ID,
    "posthook-timestamp": String(timestamp),
    "posthook-signature": `v1,${hmac(key, timestamp, body)}`,
    ...overrides
  }
  const defined: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) defined[name] = value
  return defined
}

const signatures = Signatures.fromKeys([Redacted.make(KEY)])

/** Runs `effect` with the clock at `seconds` (Unix) plus `extraMillis`. */
const at = <A, E, R>(seconds: number, effect: Effect.Effect<A, E, R>, extraMillis = 0) =>
  Effect.andThen(TestClock.setTime(seconds * 1000 + extraMillis), effect)

/**
 * What a call came to, as a short text to assert on: "delivery", the failure's
 * reason (or tag) and message, or "defect".
 */
const outcomeOf = (
  exit: Exit.Exit<unknown, PosthookError.SignatureVerificationError | PosthookError.DeliveryDataError>
): string => {
  if (Exit.isSuccess(exit)) return "delivery"
  const error = Exit.findErrorOption(exit)
  if (error._tag === "None") return "defect"
  return `${error.value._tag === "DeliveryDataError" ? error.value._tag : error.value.reason}: ${error.value.message}`
}

// An unexpected success fails the test with a short marker, not a whole Delivery to format.
const failure = <A>(effect: Effect.Effect<A, PosthookError.SignatureVerificationError>) =>
  Effect.flip(Effect.as(effect, "verified, but a failure was expected"))

describe("Signatures.parseDelivery", () => {
  it.effect("verifies a body signed independently and reads every field", () =>
    Effect.gen(function*() {
      const body = deliveryJson()
      const delivery = yield* at(NOW, signatures.parseDelivery(body, headersFor(body)))
      expect(delivery.hookId).toBe(HOOK_ID)
      expect(delivery.timestamp).toBe(NOW)
      expect(delivery.path).toBe("/webhooks/user-created")
      expect(delivery.data).toEqual({ userId: "123", event: "user.created" })
      expect(DateTime.formatIso(delivery.postAt)).toBe("2025-12-31T23:55:00.000Z")
      expect(DateTime.formatIso(delivery.postedAt)).toBe("2026-01-01T00:00:00.000Z")
      expect(DateTime.formatIso(delivery.createdAt)).toBe("2025-12-31T20:00:00.000Z")
      expect(DateTime.formatIso(delivery.updatedAt)).toBe("2025-12-31T23:59:00.000Z")
      expect(DateTime.isDateTime(delivery.postAt) && DateTime.isUtc(delivery.postAt)).toBe(true)
      expect(new TextDecoder().decode(delivery.body)).toBe(body)
      expect(delivery.ackUrl).toBeUndefined()
      expect(delivery.nackUrl).toBeUndefined()
    }))

  it.effect("accepts the body as string, Uint8Array or Buffer", () =>
    Effect.gen(function*() {
      const body = deliveryJson()
      const headers = headersFor(body)
      for (const input of [body, new TextEncoder().encode(body), Buffer.from(body)]) {
        const delivery = yield* at(NOW, signatures.parseDelivery(input, headers))
        expect(delivery.hookId).toBe(HOOK_ID)
      }
    }))

  it.effect("accepts an ArrayBuffer, and from plain JavaScript any other view of the bytes", () =>
    Effect.gen(function*() {
      const body = deliveryJson()
      const headers = headersFor(body)
      const encoded = new TextEncoder().encode(body)
      const fromArrayBuffer = yield* at(NOW, signatures.parseDelivery(encoded.buffer, headers))
      expect(fromArrayBuffer.hookId).toBe(HOOK_ID)
      // An offset view into a larger buffer: exactly the viewed bytes are verified.
      const padded = new Uint8Array(encoded.byteLength + 8)
      padded.set(encoded, 4)
      const view: unknown = new DataView(padded.buffer, 4, encoded.byteLength)
      // @ts-expect-error a DataView is not a declared Body; plain JavaScript may pass one
      const fromView = yield* at(NOW, signatures.parseDelivery(view, headers))
      expect(fromView.hookId).toBe(HOOK_ID)
    }))

  it.effect("reads Web Headers, records in any case and Node's IncomingHttpHeaders", () =>
    Effect.gen(function*() {
      const body = deliveryJson()
      const lower = headersFor(body)
      const mixedCase = {
        "Posthook-Id": HOOK_ID,
        "POSTHOOK-TIMESTAMP": lower["posthook-timestamp"],
        "Posthook-Signature": lower["posthook-signature"]
      }
      const webHeaders = new Headers(lower)
      const nodeHeaders: Record<string, string | Array<string> | undefined> = {
        ...lower,
        "posthook-signature": ["v1,00", lower["posthook-signature"] ?? ""],
        "x-unrelated": undefined
      }
      for (const headers of [mixedCase, webHeaders, nodeHeaders]) {
        const delivery = yield* at(NOW, signatures.parseDelivery(body, headers))
        expect(delivery.hookId).toBe(HOOK_ID)
      }
    }))

  it.effect("accepts any one of several space-separated signatures", () =>
    Effect.gen(function*() {
      const body = deliveryJson()
      const signature = [
        `v1,${hmac("some other key", NOW, body)}`,
        `v0,${hmac(KEY, NOW, body)}`,
        `v1,${hmac(KEY, NOW, body)}`
      ].join(" ")
      const delivery = yield* at(NOW, signatures.parseDelivery(body, headersFor(body, { "posthook-signature": signature })))
      expect(delivery.hookId).toBe(HOOK_ID)
    }))

  it.effect("accepts headers folded with \", \" by a proxy", () =>
    Effect.gen(function*() {
      const body = deliveryJson()
      const folded = `v1,${hmac("other", NOW, body)}, v1,${hmac(KEY, NOW, body)}`
      const delivery = yield* at(NOW, signatures.parseDelivery(body, headersFor(body, { "posthook-signature": folded })))
      expect(delivery.hookId).toBe(HOOK_ID)
    }))

  it.effect("survives key rotation: any configured key may match", () =>
    Effect.gen(function*() {
      const rotating = yield* Signatures.make({ signingKey: [KEY, NEXT_KEY] })
      const body = deliveryJson()
      for (const key of [KEY, NEXT_KEY]) {
        const delivery = yield* at(NOW, rotating.parseDelivery(body, headersFor(body, {}, key)))
        expect(delivery.hookId).toBe(HOOK_ID)
      }
      const error = yield* failure(at(NOW, rotating.parseDelivery(body, headersFor(body, {}, "ph_sk_retired"))))
      expect(error.reason).toBe("NoMatchingSignature")
      expect(error.message).toBe("no signature matches: 1 signature(s) checked against 2 signing key(s)")
    }))

  it.effect("a per-call key replaces the service's keys", () =>
    Effect.gen(function*() {
      const body = deliveryJson()
      const headers = headersFor(body, {}, NEXT_KEY)
      const error = yield* failure(at(NOW, signatures.parseDelivery(body, headers)))
      expect(error.reason).toBe("NoMatchingSignature")
      const delivery = yield* at(NOW, signatures.parseDelivery(body, headers, { signingKey: NEXT_KEY }))
      expect(delivery.hookId).toBe(HOOK_ID)
    }))

  it.effect("sets ackUrl and nackUrl only when both headers are present", () =>
    Effect.gen(function*() {
      const body = deliveryJson()
      const both = yield* at(
        NOW,
        signatures.parseDelivery(
          body,
          headersFor(body, { "posthook-ack-url": "https://a.example/ack", "posthook-nack-url": "https://a.example/nack" })
        )
      )
      expect(both.ackUrl).toBe("https://a.example/ack")
      expect(both.nackUrl).toBe("https://a.example/nack")
      const onlyAck = yield* at(
        NOW,
        signatures.parseDelivery(body, headersFor(body, { "posthook-ack-url": "https://a.example/ack" }))
      )
      expect(onlyAck.ackUrl).toBeUndefined()
      expect(onlyAck.nackUrl).toBeUndefined()
      const error = yield* Effect.flip(onlyAck.ack()).pipe(Effect.provide(FetchHttpClient.layer))
      expect(error._tag).toBe("CallbackError")
      expect(error.message).toBe(
        `delivery ${HOOK_ID} has no ack URL: async hooks are not enabled for this project`
      )
    }))

  it.effect("falls back to the timestamp for postedAt and to createdAt for updatedAt", () =>
    Effect.gen(function*() {
      const body = deliveryJson({ postedAt: undefined, updatedAt: null })
      const delivery = yield* at(NOW, signatures.parseDelivery(body, headersFor(body)))
      expect(DateTime.toEpochMillis(delivery.postedAt)).toBe(NOW * 1000)
      expect(DateTime.formatIso(delivery.updatedAt)).toBe("2025-12-31T20:00:00.000Z")
    }))

  it.effect("takes the hook id from the header when the body has none, and refuses a mismatch", () =>
    Effect.gen(function*() {
      const noId = deliveryJson({ id: undefined })
      const delivery = yield* at(NOW, signatures.parseDelivery(noId, headersFor(noId)))
      expect(delivery.hookId).toBe(HOOK_ID)

      const body = deliveryJson()
      const mismatch = yield* failure(
        at(NOW, signatures.parseDelivery(body, headersFor(body, { "posthook-id": "someone-else" })))
      )
      expect(mismatch.reason).toBe("InvalidBody")
      expect(mismatch.message).toBe("Posthook-Id header does not match the id in the signed body")

      const neither = yield* failure(
        at(NOW, signatures.parseDelivery(noId, headersFor(noId, { "posthook-id": undefined })))
      )
      expect(neither.message).toBe("no hook id: the body has no id and Posthook-Id is missing")
    }))

  it.effect("ignores unknown body fields", () =>
    Effect.gen(function*() {
      const body = deliveryJson({ tryAt: "2026-01-01T00:00:00Z", wasNotified: true })
      const delivery = yield* at(NOW, signatures.parseDelivery(body, headersFor(body)))
      expect(delivery.path).toBe("/webhooks/user-created")
    }))
})

describe("Signatures failures", () => {
  const body = deliveryJson()
  const cases: ReadonlyArray<{
    readonly name: string
    readonly headers: Record<string, string>
    readonly body?: string | Uint8Array
    readonly reason: PosthookError.SignatureFailure
    readonly message: string
  }> = [
    {
      name: "missing timestamp",
      headers: headersFor(body, { "posthook-timestamp": undefined }),
      reason: "MissingHeader",
      message: "missing Posthook-Timestamp header"
    },
    {
      name: "missing signature",
      headers: headersFor(body, { "posthook-signature": undefined }),
      reason: "MissingHeader",
      message: "missing Posthook-Signature header"
    },
    {
      name: "fractional timestamp",
      headers: headersFor(body, { "posthook-timestamp": `${NOW}.5` }),
      reason: "InvalidTimestamp",
      message: `Posthook-Timestamp is not an integer Unix time: "${NOW}.5"`
    },
    {
      name: "negative timestamp",
      headers: headersFor(body, { "posthook-timestamp": "-1" }),
      reason: "InvalidTimestamp",
      message: "Posthook-Timestamp is not an integer Unix time: \"-1\""
    },
    {
      name: "empty timestamp",
      headers: headersFor(body, { "posthook-timestamp": "" }),
      reason: "InvalidTimestamp",
      message: "Posthook-Timestamp is not an integer Unix time: \"\""
    },
    {
      name: "no v1 entry",
      headers: headersFor(body, { "posthook-signature": `v0,${hmac(KEY, NOW, body)} garbage` }),
      reason: "NoMatchingSignature",
      message: "Posthook-Signature has no v1 signature"
    },
    {
      name: "wrong signature",
      headers: headersFor(body, {}, "ph_sk_wrong"),
      reason: "NoMatchingSignature",
      message: "no signature matches: 1 signature(s) checked against 1 signing key(s)"
    },
    {
      name: "signature over another timestamp",
      headers: headersFor(body, { "posthook-signature": `v1,${hmac(KEY, NOW - 1, body)}` }),
      reason: "NoMatchingSignature",
      message: "no signature matches: 1 signature(s) checked against 1 signing key(s)"
    },
    {
      name: "body not JSON",
      body: "{not json",
      headers: headersFor("{not json"),
      reason: "InvalidBody",
      message: "body is not valid JSON"
    },
    {
      name: "body not a delivery",
      body: "[1,2]",
      headers: headersFor("[1,2]"),
      reason: "InvalidBody",
      message: "body is not a Posthook delivery: not a JSON object"
    }
  ]

  for (const testCase of cases) {
    it.effect(`${testCase.name} → ${testCase.reason}`, () =>
      Effect.gen(function*() {
        const error = yield* failure(at(NOW, signatures.parseDelivery(testCase.body ?? body, testCase.headers)))
        expect(error).toBeInstanceOf(PosthookError.SignatureVerificationError)
        expect(error.code).toBe("signature_verification_error")
        expect(error.reason).toBe(testCase.reason)
        expect(error.message).toBe(testCase.message)
      }))
  }

  it.effect("a body that is not a delivery says which field is wrong", () =>
    Effect.gen(function*() {
      const wrong = deliveryJson({ postAt: "yesterday" })
      const error = yield* failure(at(NOW, signatures.parseDelivery(wrong, headersFor(wrong))))
      expect(error.reason).toBe("InvalidBody")
      expect(error.message).toBe(
        "body is not a Posthook delivery: postAt: Expected a valid UTC DateTime string"
      )
      const noPath = deliveryJson({ path: undefined })
      const missing = yield* failure(at(NOW, signatures.parseDelivery(noPath, headersFor(noPath))))
      expect(missing.message).toBe("body is not a Posthook delivery: path: Missing key")
    }))

  it.effect("a body that is not raw bytes (a parsed object, a number, null…) → InvalidBody, never a defect", () =>
    Effect.gen(function*() {
      const headers = headersFor(deliveryJson())
      const wrongBodies: ReadonlyArray<unknown> = [JSON.parse(deliveryJson()), [1, 2], 42, null, undefined, true, 10n]
      const outcomes: Array<string> = []
      for (const body of wrongBodies) {
        // @ts-expect-error what plain JavaScript (or a body already parsed by express.json()) passes
        const exit = yield* Effect.exit(at(NOW, signatures.parseDelivery(body, headers)))
        outcomes.push(outcomeOf(exit).slice(0, 60))
      }
      expect(outcomes.map((outcome) => outcome.slice(0, 20))).toEqual(wrongBodies.map(() => "InvalidBody: body is"))
      // @ts-expect-error as above
      const error = yield* failure(at(NOW, signatures.verify({ id: "x" }, headers)))
      expect(error.message).toBe(
        "body is an object, not the raw request bytes: pass the body exactly as received " +
          "(a string, Uint8Array, Buffer or ArrayBuffer), never parsed JSON"
      )
    }))

  it.effect("id, path or a date nested 5,000 to 50,000 levels deep → InvalidBody naming the field", () =>
    Effect.gen(function*() {
      const messages: Array<string> = []
      for (const depth of [5_000, 50_000]) {
        for (const field of ["id", "path", "postAt", "createdAt", "updatedAt"]) {
          for (const [open, close] of [["[", "]"], ["{\"a\":", "}"]]) {
            const nested = `${open!.repeat(depth)}1${close!.repeat(depth)}`
            const body = deliveryJson({ [field]: "NESTED" }).replace("\"NESTED\"", nested)
            const exit = yield* Effect.exit(at(NOW, signatures.parseDelivery(body, headersFor(body))))
            messages.push(outcomeOf(exit).slice(0, 120))
          }
        }
      }
      expect(new Set(messages)).toEqual(
        new Set([
          "InvalidBody: body is not a Posthook delivery: id: Expected string | null",
          "InvalidBody: body is not a Posthook delivery: path: Expected string",
          "InvalidBody: body is not a Posthook delivery: postAt: Expected string",
          "InvalidBody: body is not a Posthook delivery: createdAt: Expected string",
          "InvalidBody: body is not a Posthook delivery: updatedAt: Expected string | null"
        ])
      )
    }))

  it.effect("no signing key → NoSigningKey", () =>
    Effect.gen(function*() {
      const keyless = Signatures.fromKeys([])
      const error = yield* failure(at(NOW, keyless.parseDelivery(body, headersFor(body))))
      expect(error.reason).toBe("NoSigningKey")
      expect(error.message).toBe("no signing key configured: pass signingKey or set POSTHOOK_SIGNING_KEY")
      const delivery = yield* at(NOW, keyless.parseDelivery(body, headersFor(body), { signingKey: KEY }))
      expect(delivery.hookId).toBe(HOOK_ID)
    }))

  it.effect("the body is checked only after the signature", () =>
    Effect.gen(function*() {
      const error = yield* failure(at(NOW, signatures.parseDelivery("{not json", headersFor("{not json", {}, "x"))))
      expect(error.reason).toBe("NoMatchingSignature")
    }))

  it.effect("a parsed and re-serialised body no longer verifies", () =>
    Effect.gen(function*() {
      const spaced = `{ "id": "${HOOK_ID}", "path": "/p", "postAt": "2026-01-01T00:00:00Z", ` +
        `"createdAt": "2026-01-01T00:00:00Z", "data": { "b": 1, "a": 2 } }`
      const headers = headersFor(spaced)
      yield* at(NOW, signatures.parseDelivery(spaced, headers))
      const error = yield* failure(at(NOW, signatures.parseDelivery(JSON.stringify(JSON.parse(spaced)), headers)))
      expect(error.reason).toBe("NoMatchingSignature")
    }))
})

describe("Signatures tolerance window (TestClock)", () => {
  const body = deliveryJson()
  const headers = headersFor(body)

  it.effect("accepts exactly 300 s either way, rejects a millisecond more", () =>
    Effect.gen(function*() {
      yield* at(NOW + 300, signatures.parseDelivery(body, headers))
      yield* at(NOW - 300, signatures.parseDelivery(body, headers))

      const old = yield* failure(at(NOW + 300, signatures.parseDelivery(body, headers), 1))
      expect(old.reason).toBe("TimestampTooOld")
      expect(old.message).toBe("Posthook-Timestamp is too old: 300.001s in the past, tolerance 300s")

      const early = yield* failure(at(NOW - 300, signatures.parseDelivery(body, headers), -1))
      expect(early.reason).toBe("TimestampTooNew")
      expect(early.message).toBe("Posthook-Timestamp is too new: 300.001s in the future, tolerance 300s")
    }))

  it.effect("the window is checked before the signature", () =>
    Effect.gen(function*() {
      const forged = headersFor(body, {}, "ph_sk_forged")
      const error = yield* failure(at(NOW + 3600, signatures.parseDelivery(body, forged)))
      expect(error.reason).toBe("TimestampTooOld")
      expect(error.message).toBe("Posthook-Timestamp is too old: 3600s in the past, tolerance 300s")
    }))

  it.effect("per-call and per-service tolerance", () =>
    Effect.gen(function*() {
      yield* at(NOW + 600, signatures.parseDelivery(body, headers, { tolerance: "10 minutes" }))
      const error = yield* failure(at(NOW + 601, signatures.parseDelivery(body, headers, { tolerance: "10 minutes" })))
      expect(error.message).toBe("Posthook-Timestamp is too old: 601s in the past, tolerance 600s")

      const strict = yield* Signatures.make({ signingKey: KEY, tolerance: "30 seconds" })
      yield* at(NOW + 30, strict.parseDelivery(body, headers))
      const strictError = yield* failure(at(NOW + 31, strict.parseDelivery(body, headers)))
      expect(strictError.reason).toBe("TimestampTooOld")
    }))

  it.effect("an infinite tolerance disables the window", () =>
    Effect.gen(function*() {
      const delivery = yield* at(NOW + 10 * 365 * 86_400, signatures.parseDelivery(body, headers, { tolerance: Duration.infinity }))
      expect(delivery.hookId).toBe(HOOK_ID)
    }))
})

describe("Signatures raw bytes", () => {
  it.effect("non-ASCII UTF-8 verifies as sent and decodes", () =>
    Effect.gen(function*() {
      const body = deliveryJson({ data: { name: "Zoë 🎉 — 東京" } })
      const bytes = new TextEncoder().encode(body)
      const delivery = yield* at(NOW, signatures.parseDelivery(bytes, headersFor(bytes)))
      expect(delivery.data).toEqual({ name: "Zoë 🎉 — 東京" })
      expect(delivery.body).toEqual(bytes)
    }))

  it.effect("invalid UTF-8 verifies over the raw bytes; a string round trip does not", () =>
    Effect.gen(function*() {
      const json = new TextEncoder().encode(deliveryJson({ data: "XX" }))
      const at_ = new TextDecoder().decode(json).indexOf("XX")
      const bytes = new Uint8Array(json)
      bytes[at_] = 0xff
      bytes[at_ + 1] = 0xfe
      const headers = headersFor(bytes)

      const verified = yield* at(NOW, signatures.verify(bytes, headers))
      expect(verified.timestamp).toBe(NOW)
      expect(verified.body).toEqual(bytes)

      const parsed = yield* failure(at(NOW, signatures.parseDelivery(Buffer.from(bytes), headers)))
      expect(parsed.reason).toBe("InvalidBody")
      expect(parsed.message).toBe("body is not valid UTF-8")

      const roundTripped = new TextDecoder().decode(bytes)
      const lossy = yield* failure(at(NOW, signatures.verify(roundTripped, headers)))
      expect(lossy.reason).toBe("NoMatchingSignature")
    }))
})

describe("Signatures typed data", () => {
  const UserCreated = Schema.Struct({ userId: Schema.String, event: Schema.Literal("user.created") })
  const body = deliveryJson()

  it.effect("decodes data with a schema", () =>
    Effect.gen(function*() {
      const delivery = yield* at(NOW, signatures.parseDelivery(body, headersFor(body), { schema: UserCreated }))
      const userId: string = delivery.data.userId
      expect(userId).toBe("123")
    }))

  it.effect("a mismatch is a DeliveryDataError, not a signature failure", () =>
    Effect.gen(function*() {
      const other = deliveryJson({ data: { userId: 42 } })
      const error = yield* Effect.flip(
        at(NOW, signatures.parseDelivery(other, headersFor(other), { schema: UserCreated }))
      )
      expect(error._tag).toBe("DeliveryDataError")
      if (error._tag !== "DeliveryDataError") return
      expect(error.hookId).toBe(HOOK_ID)
      expect(error.message).toContain("delivery data does not match the schema")
      expect(error.message).toContain("[\"userId\"]")
    }))

  it.effect("a recursive schema over data nested too deep → DeliveryDataError, not a defect", () =>
    Effect.gen(function*() {
      interface Tree {
        readonly children: ReadonlyArray<Tree>
      }
      const Tree: Schema.Codec<Tree> = Schema.Struct({ children: Schema.Array(Schema.suspend(() => Tree)) })
      const depth = 50_000
      const data = `${"{\"children\":[".repeat(depth)}${"]}".repeat(depth)}`
      const deep = deliveryJson({ data: "NESTED" }).replace("\"NESTED\"", data)
      const exit = yield* Effect.exit(at(NOW, signatures.parseDelivery(deep, headersFor(deep), { schema: Tree })))
      expect(outcomeOf(exit).slice(0, 120)).toBe(
        "DeliveryDataError: delivery data could not be decoded with the schema (is it nested too deeply?)"
      )
      // The same schema still decodes shallow data.
      const shallow = deliveryJson({ data: { children: [{ children: [] }] } })
      const delivery = yield* at(NOW, signatures.parseDelivery(shallow, headersFor(shallow), { schema: Tree }))
      expect(delivery.data.children.length).toBe(1)
    }))

  it.effect("withSchema wraps a typed handler; ack/nack survive the decoding", () =>
    Effect.gen(function*() {
      const handler = Signatures.withSchema(
        UserCreated,
        (delivery) => Effect.succeed(delivery.data.userId === "123" ? Delivery.Result.ack() : Delivery.Result.nack())
      )
      const delivery = yield* at(NOW, signatures.parseDelivery(body, headersFor(body)))
      const result = yield* handler(delivery)
      expect(result._tag).toBe("Ack")
      const typed = yield* Signatures.decodeData(delivery, UserCreated)
      const error = yield* Effect.flip(typed.ack()).pipe(Effect.provide(FetchHttpClient.layer))
      expect(error._tag).toBe("CallbackError")
    }))
})

describe("Signatures construction", () => {
  it.effect("a tolerance that bypassed the types (plain JS, parsed config) fails make", () =>
    Effect.gen(function*() {
      const tolerance = JSON.parse("\"soon\"")
      const error = yield* Effect.flip(Signatures.make({ signingKey: KEY, tolerance }))
      expect(error._tag).toBe("ConfigError")
      expect(String(error)).toContain("invalid tolerance \"soon\"")
      for (const bypassed of [JSON.parse("300"), "-5 minutes"]) {
        const refused = yield* Effect.flip(Signatures.make({ signingKey: KEY, tolerance: bypassed }))
        expect(String(refused)).toContain(`invalid tolerance ${JSON.stringify(bypassed)}`)
      }
    }))

  it.effect("make fails at once without a key", () =>
    Effect.gen(function*() {
      for (const signingKey of ["", "   ", [], ["", " "], Redacted.make("")]) {
        const exit = yield* Effect.exit(Signatures.make({ signingKey }))
        expect(Exit.isFailure(exit)).toBe(true)
      }
    }))

  it("unsafeMake throws without a key and never shows the key", () => {
    expect(() => Signatures.unsafeMake("")).toThrow(/signing key is required/)
    const service = Signatures.unsafeMake({ signingKey: [KEY, NEXT_KEY] })
    expect(inspect(service, { depth: 10 })).not.toContain(KEY)
    expect(JSON.stringify(service)).not.toContain(KEY)
  })

  it.effect("layerConfig reads POSTHOOK_SIGNING_KEY (comma separated) and needs no API key", () =>
    Effect.gen(function*() {
      const provider = ConfigProvider.fromEnvRecord({ POSTHOOK_SIGNING_KEY: ` ${KEY} , ${NEXT_KEY},` })
      const layer = Signatures.layerConfig().pipe(Layer.provide(ConfigProvider.layer(provider)))
      const body = deliveryJson()
      for (const key of [KEY, NEXT_KEY]) {
        const delivery = yield* Effect.flatMap(
          Signatures.Signatures,
          (service) => at(NOW, service.parseDelivery(body, headersFor(body, {}, key)))
        ).pipe(Effect.provide(layer))
        expect(delivery.hookId).toBe(HOOK_ID)
      }
    }))

  it.effect("layerConfig fails to build when the variable is missing or holds no key", () =>
    Effect.gen(function*() {
      for (const env of [{}, { POSTHOOK_SIGNING_KEY: " , " }]) {
        const provider = ConfigProvider.fromEnvRecord(env)
        const exit = yield* Effect.exit(
          Layer.build(Signatures.layerConfig().pipe(Layer.provide(ConfigProvider.layer(provider)))).pipe(
            Effect.scoped
          )
        )
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit)) expect(String(exit.cause)).toContain("POSTHOOK_SIGNING_KEY")
      }
    }))

  it.effect("layerPosthookConfig uses the client's signing keys", () =>
    Effect.gen(function*() {
      const layer = Signatures.layerPosthookConfig.pipe(
        Layer.provide(PosthookConfig.layer({ apiKey: "pk_test", signingKey: NEXT_KEY }))
      )
      const body = deliveryJson()
      const delivery = yield* Effect.flatMap(
        Signatures.Signatures,
        (service) => at(NOW, service.parseDelivery(body, headersFor(body, {}, NEXT_KEY)))
      ).pipe(Effect.provide(layer))
      expect(delivery.hookId).toBe(HOOK_ID)
    }))

  it.effect("errors never carry the key", () =>
    Effect.gen(function*() {
      const body = deliveryJson()
      const errors = yield* Effect.all([
        failure(at(NOW, signatures.parseDelivery(body, headersFor(body, {}, "wrong")))),
        failure(at(NOW + 999, signatures.parseDelivery(body, headersFor(body)))),
        failure(at(NOW, signatures.parseDelivery("x", headersFor("x"))))
      ])
      for (const error of errors) {
        expect(`${error.message} ${inspect(error)} ${JSON.stringify(error)}`).not.toContain(KEY)
      }
    }))
})

describe("Signatures.sign", () => {
  it("matches an independent computation, one entry per key", () => {
    const body = deliveryJson()
    const headers = Signatures.sign(body, {
      signingKey: [KEY, NEXT_KEY],
      timestamp: NOW,
      hookId: HOOK_ID,
      ackUrl: "https://a/ack",
      nackUrl: "https://a/nack"
    })
    expect(headers).toEqual({
      "Content-Type": "application/json",
      "Posthook-Id": HOOK_ID,
      "Posthook-Timestamp": String(NOW),
      "Posthook-Signature": `v1,${hmac(KEY, NOW, body)} v1,${hmac(NEXT_KEY, NOW, body)}`,
      "Posthook-Ack-URL": "https://a/ack",
      "Posthook-Nack-URL": "https://a/nack"
    })
  })

  it("refuses a body that is not raw bytes with a TypeError naming its kind", () => {
    // @ts-expect-error a parsed object, as plain JavaScript could pass it
    expect(() => Signatures.sign({ id: "x" }, { signingKey: KEY, timestamp: NOW })).toThrow(
      "body is an object, not the raw request bytes"
    )
  })

  it.effect("signDelivery builds a request that verifies at the TestClock's time", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW * 1000 + 250)
      const request = yield* Signatures.signDelivery(
        { path: "/webhooks/x", data: { n: 1 } },
        { signingKey: KEY }
      )
      expect(request.headers["Posthook-Timestamp"]).toBe(String(NOW))
      const delivery = yield* signatures.parseDelivery(request.body, request.headers)
      expect(delivery.path).toBe("/webhooks/x")
      expect(delivery.data).toEqual({ n: 1 })
      expect(delivery.hookId).toBe(request.headers["Posthook-Id"])
    }))
})
