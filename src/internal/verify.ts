/**
 * Delivery verification (docs/protocol.md §2) as pure functions of their inputs and
 * the current time, so every check can be tested without a clock or a server.
 * The order of the checks is the protocol's: headers, timestamp, tolerance,
 * signature, and only then the body.
 *
 * @internal
 */
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import * as SchemaIssue from "effect/SchemaIssue"
import type { Mutable } from "effect/Types"
import type { Delivery } from "../Delivery.js"
import * as PosthookError from "../PosthookError.js"
import { callbacksOf } from "./delivery.js"
import { type DeliveryHeaders, deliveryHeaders, type HeadersInput, single } from "./headers.js"
import { computeDigest, digestEquals, digestFromHex, type HmacKey } from "../protocol/signing.js"
import { decodeUtc } from "./utc.js"

/** What a signature check established about a request. @internal */
export interface Verified {
  /** Unix seconds from `Posthook-Timestamp`, now known to be authentic. */
  readonly timestamp: number
  /** The raw body, exactly as received. */
  readonly body: Uint8Array
  /** The request's delivery headers, read once. */
  readonly headers: DeliveryHeaders
}

/** @internal */
export interface VerifyInput {
  readonly body: Uint8Array
  readonly headers: HeadersInput
  readonly keys: ReadonlyArray<Redacted.Redacted<string>>
  /** `keys` prepared once by `prepareHmacKey`, index for index; absent for keys given per call. */
  readonly hmacKeys?: ReadonlyArray<HmacKey> | undefined
  /** `Infinity` disables the window. */
  readonly toleranceMillis: number
  readonly nowMillis: number
}

const fail = (reason: PosthookError.SignatureFailure, message: string) =>
  Result.fail(new PosthookError.SignatureVerificationError({ reason, message }))

const encoder = new TextEncoder()

const isArrayBuffer = (value: object): value is ArrayBuffer | SharedArrayBuffer => {
  // The tag, not `instanceof`: a buffer from another realm (a `vm` context, a worker's transfer) counts too.
  const tag = Object.prototype.toString.call(value)
  return tag === "[object ArrayBuffer]" || tag === "[object SharedArrayBuffer]"
}

/**
 * The bytes of a body given in any raw form: a string (as its UTF-8 bytes), a
 * `Uint8Array` / `Buffer`, any other view of bytes, or an `ArrayBuffer`.
 * `undefined` for anything else (a parsed JSON object, a number, `null`):
 * such a body can be neither signed nor verified.
 *
 * @internal
 */
export const rawBytes = (body: unknown): Uint8Array | undefined => {
  if (typeof body === "string") return encoder.encode(body)
  if (body instanceof Uint8Array) return body
  if (typeof body !== "object" || body === null) return undefined
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
  return isArrayBuffer(body) ? new Uint8Array(body) : undefined
}

const kindOf = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : typeof value

/**
 * What a caller passing something other than raw bytes is told (a
 * programming error, e.g. a body already parsed by `express.json()`). Names
 * the kind of value, never its content.
 *
 * @internal
 */
export const notRawBytesMessage = (body: unknown): string =>
  `body is ${kindOf(body)}, not the raw request bytes: pass the body exactly as received ` +
  "(a string, Uint8Array, Buffer or ArrayBuffer), never parsed JSON"

/** @internal */
export const notRawBytes = (body: unknown): Result.Result<never, PosthookError.SignatureVerificationError> =>
  fail("InvalidBody", notRawBytesMessage(body))

/** Attacker-controlled text, shortened and quoted before it goes into a message. */
const quote = (value: string): string => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)

const seconds = (millis: number): string => `${Number((millis / 1000).toFixed(3))}s`

// At most 12 digits: any larger value is past the last instant a `Date` can hold.
const INTEGER = /^\d{1,12}$/

/**
 * The `v1` signatures of a `Posthook-Signature` header, lower-cased. Entries
 * are separated by spaces; a trailing comma is dropped because servers fold
 * repeated headers with `", "`. Other versions are ignored.
 *
 * @internal
 */
export const v1Signatures = (values: ReadonlyArray<string>): ReadonlyArray<string> => {
  const signatures: Array<string> = []
  for (const value of values) {
    for (const token of value.split(/\s+/)) {
      const entry = token.endsWith(",") ? token.slice(0, -1) : token
      if (entry.startsWith("v1,") && entry.length > 3) signatures.push(entry.slice(3).toLowerCase())
    }
  }
  return signatures
}

/**
 * The digests of the `v1` signatures in `Posthook-Signature` values, and how
 * many `v1` entries there were (valid hex or not). The usual header, a single
 * `v1,<64 hex digits>`, is decoded without tokenising: a hex decode that
 * yields 32 bytes from 64 characters proves they were all hex digits.
 */
const signatureDigests = (
  values: ReadonlyArray<string>
): { readonly candidates: number; readonly digests: ReadonlyArray<Buffer> } => {
  if (values.length === 1) {
    const value = values[0]!
    if (value.length === 67 && value.startsWith("v1,")) {
      const digest = Buffer.from(value.slice(3), "hex")
      if (digest.byteLength === 32) return { candidates: 1, digests: [digest] }
    }
  }
  const candidates = v1Signatures(values)
  const digests: Array<Buffer> = []
  for (let index = 0; index < candidates.length; index++) {
    const digest = digestFromHex(candidates[index]!)
    if (digest !== undefined) digests.push(digest)
  }
  return { candidates: candidates.length, digests }
}

/**
 * Checks the headers, the timestamp window and the signature. Never throws.
 *
 * @internal
 */
export const verifyAt = (input: VerifyInput): Result.Result<Verified, PosthookError.SignatureVerificationError> => {
  if (input.keys.length === 0) {
    return fail("NoSigningKey", "no signing key configured: pass signingKey or set POSTHOOK_SIGNING_KEY")
  }
  const headers = deliveryHeaders(input.headers)
  const rawTimestamp = single(headers.timestamp)
  if (rawTimestamp === undefined) return fail("MissingHeader", "missing Posthook-Timestamp header")
  const signatureValues = headers.signature
  if (signatureValues.length === 0) return fail("MissingHeader", "missing Posthook-Signature header")

  const trimmed = rawTimestamp.trim()
  if (!INTEGER.test(trimmed)) {
    return fail("InvalidTimestamp", `Posthook-Timestamp is not an integer Unix time: ${quote(rawTimestamp)}`)
  }
  const timestamp = Number(trimmed)
  const driftMillis = input.nowMillis - timestamp * 1000
  if (driftMillis > input.toleranceMillis) {
    return fail(
      "TimestampTooOld",
      `Posthook-Timestamp is too old: ${seconds(driftMillis)} in the past, tolerance ${seconds(input.toleranceMillis)}`
    )
  }
  if (-driftMillis > input.toleranceMillis) {
    return fail(
      "TimestampTooNew",
      `Posthook-Timestamp is too new: ${seconds(-driftMillis)} in the future, tolerance ${
        seconds(input.toleranceMillis)
      }`
    )
  }

  const { candidates, digests } = signatureDigests(signatureValues)
  if (candidates === 0) {
    return fail("NoMatchingSignature", "Posthook-Signature has no v1 signature")
  }
  const keys = input.keys
  const hmacKeys = input.hmacKeys
  for (let keyIndex = 0; keyIndex < keys.length; keyIndex++) {
    const key = hmacKeys === undefined ? Redacted.value(keys[keyIndex]!) : hmacKeys[keyIndex]!
    const expected = computeDigest(key, trimmed, input.body)
    for (let index = 0; index < digests.length; index++) {
      if (digestEquals(expected, digests[index]!)) return Result.succeed({ timestamp, body: input.body, headers })
    }
  }
  return fail(
    "NoMatchingSignature",
    `no signature matches: ${candidates} signature(s) checked against ${input.keys.length} signing key(s)`
  )
}

/** A field that may be absent or `null`; both decode to an absent key. */
const optionalNullable = <S extends Schema.Top>(schema: S) =>
  Schema.optionalKey(Schema.NullOr(schema)).pipe(
    Schema.decodeTo(Schema.optionalKey(Schema.toType(schema)), {
      decode: SchemaGetter.transformOptional(Option.filter(Predicate.isNotNull)),
      encode: SchemaGetter.passthroughSupertype()
    })
  )

/**
 * The delivery body of docs/protocol.md §2. Unknown fields are ignored. `postedAt`
 * and `updatedAt` may be absent (the WebSocket frame makes them optional
 * too); `id` may be absent when the `Posthook-Id` header carries it.
 *
 * @internal
 */
export const DeliveryBody = Schema.Struct({
  id: optionalNullable(Schema.String),
  path: Schema.String,
  data: Schema.Unknown,
  postAt: Schema.DateTimeUtcFromString,
  postedAt: optionalNullable(Schema.DateTimeUtcFromString),
  createdAt: Schema.DateTimeUtcFromString,
  updatedAt: optionalNullable(Schema.DateTimeUtcFromString)
})

// Unknown fields are ignored: Schema 4's default for `onExcessProperty`.
const decodeDeliveryBody = Schema.decodeUnknownResult(DeliveryBody)

type DeliveryFields = typeof DeliveryBody.Type

const DIGIT_0 = 48

/** The number written by the two ASCII digits at `from`, or -1 if either is not a digit. */
const twoDigits = (text: string, from: number): number => {
  const tens = text.charCodeAt(from) - DIGIT_0
  const units = text.charCodeAt(from + 1) - DIGIT_0
  return tens >= 0 && tens <= 9 && units >= 0 && units <= 9 ? tens * 10 + units : -1
}

/** The number written by the `count` ASCII digits at `from`, or -1 if one is not a digit. */
const digitsAt = (text: string, from: number, count: number): number => {
  let value = 0
  for (let index = from; index < from + count; index++) {
    const digit = text.charCodeAt(index) - DIGIT_0
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  return value
}

const isLeapYear = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeapYear(year) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31

/** Days from 1970-01-01 to a proleptic Gregorian date (month 1–12), for any year. */
const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

/**
 * Epoch milliseconds of the form Posthook writes, `YYYY-MM-DDTHH:MM:SS` with
 * an optional `.f`, `.ff` or `.fff` and a final `Z`, every field in its
 * calendar range; `undefined` for any other text (then {@link decodeUtc}, the
 * Schema's own decoding, decides). Read digit by digit: `DateTime.make` runs
 * three regular expressions and `Date` parsing per text, as much as the rest
 * of the delivery's fields together.
 */
const canonicalUtcMillis = (text: string): number | undefined => {
  const length = text.length
  if (
    (length !== 20 && (length < 22 || length > 24)) || text.charCodeAt(length - 1) !== 90 /* Z */ ||
    text.charCodeAt(4) !== 45 /* - */ || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ || text.charCodeAt(16) !== 58
  ) return undefined
  const century = twoDigits(text, 0)
  const yearOfCentury = twoDigits(text, 2)
  const year = century * 100 + yearOfCentury
  const month = twoDigits(text, 5)
  const day = twoDigits(text, 8)
  const hour = twoDigits(text, 11)
  const minute = twoDigits(text, 14)
  const second = twoDigits(text, 17)
  if (
    century < 0 || yearOfCentury < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) ||
    hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59
  ) return undefined
  let millis = 0
  if (length > 20) {
    if (text.charCodeAt(19) !== 46 /* . */) return undefined
    const fraction = digitsAt(text, 20, length - 21)
    if (fraction < 0) return undefined
    millis = length === 22 ? fraction * 100 : length === 23 ? fraction * 10 : fraction
  }
  return daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis
}

/**
 * {@link decodeUtc} (what `Schema.DateTimeUtcFromString` gives), with the
 * texts Posthook writes read by {@link canonicalUtcMillis}.
 */
const decodeDeliveryUtc = (value: unknown): DateTime.Utc | undefined => {
  if (typeof value !== "string") return undefined
  const millis = canonicalUtcMillis(value)
  if (millis === undefined) return decodeUtc(value)
  // `fromEpochSeconds` builds the value without going through a `Date`; kept only where it is exact.
  const utc = DateTime.fromEpochSeconds(millis / 1000)
  return utc.epochMilliseconds === millis ? utc : DateTime.makeUnsafe(millis)
}

/**
 * {@link DeliveryBody}'s decoding for the common case, written by hand: the
 * Schema interpreter costs more than verifying the signature of a 1 KB body.
 * Gives the same fields the Schema would, or `undefined` for anything it is
 * not sure of (then the Schema decides and words the error).
 */
const decodeDeliveryBodyFast = (json: unknown): DeliveryFields | undefined => {
  if (!Predicate.isObject(json)) return undefined
  const body = json
  const { id, path, postAt, postedAt, createdAt, updatedAt } = body
  if (typeof path !== "string" || typeof postAt !== "string" || typeof createdAt !== "string") return undefined
  if (!("data" in body)) return undefined
  if (id !== undefined && id !== null && typeof id !== "string") return undefined
  const decodedPostAt = decodeDeliveryUtc(postAt)
  const decodedCreatedAt = decodeDeliveryUtc(createdAt)
  if (decodedPostAt === undefined || decodedCreatedAt === undefined) return undefined
  const fields: {
    id?: string
    path: string
    data: unknown
    postAt: DateTime.Utc
    postedAt?: DateTime.Utc
    createdAt: DateTime.Utc
    updatedAt?: DateTime.Utc
  } = { path, data: body.data, postAt: decodedPostAt, createdAt: decodedCreatedAt }
  if (typeof id === "string") fields.id = id
  if (postedAt !== undefined && postedAt !== null) {
    const decoded = decodeDeliveryUtc(postedAt)
    if (decoded === undefined) return undefined
    fields.postedAt = decoded
  }
  if (updatedAt !== undefined && updatedAt !== null) {
    // Equal texts decode to equal values: a hook not yet updated shares one.
    const decoded = updatedAt === createdAt
      ? decodedCreatedAt
      : decodeDeliveryUtc(updatedAt)
    if (decoded === undefined) return undefined
    fields.updatedAt = decoded
  }
  return fields
}

/** @internal */
export const decodeDeliveryFields = (json: unknown): Result.Result<DeliveryFields, Schema.SchemaError> => {
  const fast = decodeDeliveryBodyFast(json)
  return fast === undefined ? decodeDeliveryBody(json) : Result.succeed(fast)
}

const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()

/** One entry per wrong field (`postAt: Expected a valid UTC DateTime string`). */
const describeIssues = (json: unknown, error: Schema.SchemaError): string => {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return "not a JSON object"
  return formatIssues(error.issue).issues
    .map((issue) => {
      const path = issue.path?.map((segment) => typeof segment === "object" ? String(segment.key) : String(segment))
      return path === undefined || path.length === 0 ? issue.message : `${path.join(".")}: ${issue.message}`
    })
    .join("; ")
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

const notADelivery = (json: unknown, error: Schema.SchemaError) =>
  fail("InvalidBody", `body is not a Posthook delivery: ${describeIssues(json, error)}`)

/**
 * Reads a verified request into a `Delivery`. Runs only after
 * {@link verifyAt} succeeded. Straight-line code, one `Result` at the end:
 * it runs once per delivery, and its own allocations were a visible share of
 * a 1 KB delivery's cost.
 *
 * @internal
 */
export const toDelivery = (
  verified: Verified
): Result.Result<Delivery<unknown>, PosthookError.SignatureVerificationError> => {
  let text: string
  try {
    text = utf8.decode(verified.body)
  } catch {
    return fail("InvalidBody", "body is not valid UTF-8")
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    // The parser's message quotes the body: keep payloads out of errors and logs.
    return fail("InvalidBody", "body is not valid JSON")
  }
  let fields = decodeDeliveryBodyFast(json)
  if (fields === undefined) {
    const decoded = decodeDeliveryBody(json)
    if (Result.isFailure(decoded)) return notADelivery(json, decoded.failure)
    fields = decoded.success
  }
  const headers = verified.headers
  const headerId = single(headers.id)
  if (fields.id !== undefined && headerId !== undefined && headerId !== fields.id) {
    return fail("InvalidBody", "Posthook-Id header does not match the id in the signed body")
  }
  const hookId = fields.id ?? headerId
  if (hookId === undefined) return fail("InvalidBody", "no hook id: the body has no id and Posthook-Id is missing")
  // Callback URLs come in pairs (docs/protocol.md §2): one without the other is ignored.
  const ackHeader = single(headers.ackUrl)
  const nackHeader = single(headers.nackUrl)
  const paired = ackHeader !== undefined && nackHeader !== undefined
  const { ack, nack } = callbacksOf(hookId, paired ? ackHeader : undefined, paired ? nackHeader : undefined)
  // One object literal in the shape `makeDelivery` gives, not a copy of one.
  const delivery: Mutable<Delivery<unknown>> = {
    hookId,
    timestamp: verified.timestamp,
    path: fields.path,
    data: fields.data,
    postAt: fields.postAt,
    postedAt: fields.postedAt ?? DateTime.makeUnsafe(verified.timestamp * 1000),
    createdAt: fields.createdAt,
    updatedAt: fields.updatedAt ?? fields.createdAt,
    body: verified.body,
    ack,
    nack
  }
  if (paired) {
    delivery.ackUrl = ackHeader
    delivery.nackUrl = nackHeader
  }
  return Result.succeed(delivery)
}
