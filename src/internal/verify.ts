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
import {
  type DeliveryHeaders,
  deliveryHeaders,
  type HeaderField,
  fieldValues,
  type HeadersInput,
  single
} from "./headers.js"
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

const failure = (reason: PosthookError.SignatureFailure, message: string) =>
  new PosthookError.SignatureVerificationError({ reason, message })

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
export const notRawBytesError = (body: unknown): PosthookError.SignatureVerificationError =>
  failure("InvalidBody", notRawBytesMessage(body))

/** Attacker-controlled text, shortened and quoted before it goes into a message. */
const quote = (value: string): string => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)

const seconds = (millis: number): string => `${Number((millis / 1000).toFixed(3))}s`

const DIGIT_0 = 48

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
 * The digest of the usual `Posthook-Signature`, a single `v1,<64 hex digits>`,
 * decoded without tokenising: a hex decode that yields 32 bytes from 64
 * characters proves they were all hex digits. `undefined` for any other
 * header (then {@link signatureDigests} reads it).
 */
const singleSignatureDigest = (field: HeaderField): Buffer | undefined => {
  if (typeof field !== "string" || field.length !== 67 || !field.startsWith("v1,")) return undefined
  const digest = Buffer.from(field.slice(3), "hex")
  return digest.byteLength === 32 ? digest : undefined
}

/**
 * The digests of the `v1` signatures in `Posthook-Signature` values, and how
 * many `v1` entries there were (valid hex or not).
 */
const signatureDigests = (
  values: ReadonlyArray<string>
): { readonly candidates: number; readonly digests: ReadonlyArray<Buffer> } => {
  const candidates = v1Signatures(values)
  const digests: Array<Buffer> = []
  for (let index = 0; index < candidates.length; index++) {
    const digest = digestFromHex(candidates[index]!)
    if (digest !== undefined) digests.push(digest)
  }
  return { candidates: candidates.length, digests }
}

/**
 * The Unix seconds `text` writes when it is 1 to 12 ASCII digits and nothing
 * else (what Posthook sends), or -1: then the text is trimmed and checked
 * against {@link INTEGER}, as before this shortcut. Either way the value is
 * exact: 12 digits are far below 2^53.
 */
const plainSeconds = (text: string): number => {
  const length = text.length
  if (length === 0 || length > 12) return -1
  let value = 0
  for (let index = 0; index < length; index++) {
    const digit = text.charCodeAt(index) - DIGIT_0
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  return value
}

/** The digest the key at `keyIndex` gives `"<timestamp>." ++ body`. */
const expectedDigest = (input: VerifyInput, keyIndex: number, timestampText: string): Buffer =>
  computeDigest(
    input.hmacKeys === undefined ? Redacted.value(input.keys[keyIndex]!) : input.hmacKeys[keyIndex]!,
    timestampText,
    input.body
  )

/** Whether one of the keys gives this digest (the usual single signature: no array around it). */
const signedWith = (input: VerifyInput, timestampText: string, digest: Buffer): boolean => {
  for (let keyIndex = 0; keyIndex < input.keys.length; keyIndex++) {
    if (digestEquals(expectedDigest(input, keyIndex, timestampText), digest)) return true
  }
  return false
}

/** Whether one of the keys gives one of these digests. */
const signedWithAny = (input: VerifyInput, timestampText: string, digests: ReadonlyArray<Buffer>): boolean => {
  for (let keyIndex = 0; keyIndex < input.keys.length; keyIndex++) {
    const expected = expectedDigest(input, keyIndex, timestampText)
    for (let index = 0; index < digests.length; index++) {
      if (digestEquals(expected, digests[index]!)) return true
    }
  }
  return false
}

const noMatch = (input: VerifyInput, candidates: number) =>
  failure(
    "NoMatchingSignature",
    `no signature matches: ${candidates} signature(s) checked against ${input.keys.length} signing key(s)`
  )

/**
 * Checks the headers, the timestamp window and the signature: what was
 * verified, or the error. Never throws. Straight-line code without a
 * `Result` around it, allocating little beyond what it returns: it runs once
 * per delivery, and its wrappers were a visible share of a 1 KB delivery's
 * cost.
 *
 * @internal
 */
export const verifyAt = (input: VerifyInput): Verified | PosthookError.SignatureVerificationError => {
  if (input.keys.length === 0) {
    return failure("NoSigningKey", "no signing key configured: pass signingKey or set POSTHOOK_SIGNING_KEY")
  }
  const headers = deliveryHeaders(input.headers)
  const rawTimestamp = single(headers.timestamp)
  if (rawTimestamp === undefined) return failure("MissingHeader", "missing Posthook-Timestamp header")
  const signatureField = headers.signature
  if (signatureField === undefined) return failure("MissingHeader", "missing Posthook-Signature header")

  let timestampText = rawTimestamp
  let timestamp = plainSeconds(rawTimestamp)
  if (timestamp < 0) {
    timestampText = rawTimestamp.trim()
    if (!INTEGER.test(timestampText)) {
      return failure("InvalidTimestamp", `Posthook-Timestamp is not an integer Unix time: ${quote(rawTimestamp)}`)
    }
    timestamp = Number(timestampText)
  }
  const driftMillis = input.nowMillis - timestamp * 1000
  if (driftMillis > input.toleranceMillis) {
    return failure(
      "TimestampTooOld",
      `Posthook-Timestamp is too old: ${seconds(driftMillis)} in the past, tolerance ${seconds(input.toleranceMillis)}`
    )
  }
  if (-driftMillis > input.toleranceMillis) {
    return failure(
      "TimestampTooNew",
      `Posthook-Timestamp is too new: ${seconds(-driftMillis)} in the future, tolerance ${
        seconds(input.toleranceMillis)
      }`
    )
  }

  const digest = singleSignatureDigest(signatureField)
  if (digest !== undefined) {
    return signedWith(input, timestampText, digest)
      ? { timestamp, body: input.body, headers }
      : noMatch(input, 1)
  }
  const { candidates, digests } = signatureDigests(fieldValues(signatureField))
  if (candidates === 0) return failure("NoMatchingSignature", "Posthook-Signature has no v1 signature")
  return signedWithAny(input, timestampText, digests)
    ? { timestamp, body: input.body, headers }
    : noMatch(input, candidates)
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


/** The digit `text` holds at `index`, or a number above 9 (as an unsigned value) for any other character. */
const digitAt = (text: string, index: number): number => text.charCodeAt(index) - DIGIT_0

/** Whether `digit` (from {@link digitAt}) is not 0 to 9: a character code below `0` wraps around to a large number. */
const notDigit = (digit: number): boolean => (digit >>> 0) > 9

const isLeapYear = (year: number): boolean => (year & 3) === 0 && (year % 100 !== 0 || year % 400 === 0)

/** Days in each month of a common year, 1-based. */
const MONTH_DAYS: ReadonlyArray<number> = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Days of a common year before the first of each month, 1-based. */
const DAYS_BEFORE_MONTH: ReadonlyArray<number> = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]

/** Days from the proleptic Gregorian 0000-01-01 to 1970-01-01. */
const EPOCH_DAYS = 719_528

/**
 * Epoch milliseconds of the form Posthook writes, `YYYY-MM-DDTHH:MM:SS` with
 * an optional `.f`, `.ff` or `.fff` and a final `Z`, every field in its
 * calendar range; `undefined` for any other text (then {@link decodeUtc}, the
 * Schema's own decoding, decides). Read digit by digit, in straight-line code:
 * `DateTime.make` runs three regular expressions and `Date` parsing per text,
 * as much as the rest of the delivery's fields together, and this runs four
 * times per delivery.
 */
const canonicalUtcMillis = (text: string): number | undefined => {
  const length = text.length
  if (
    (length !== 20 && (length < 22 || length > 24)) || text.charCodeAt(length - 1) !== 90 /* Z */ ||
    text.charCodeAt(4) !== 45 /* - */ || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ || text.charCodeAt(16) !== 58
  ) return undefined
  const y0 = digitAt(text, 0)
  const y1 = digitAt(text, 1)
  const y2 = digitAt(text, 2)
  const y3 = digitAt(text, 3)
  const mo0 = digitAt(text, 5)
  const mo1 = digitAt(text, 6)
  const d0 = digitAt(text, 8)
  const d1 = digitAt(text, 9)
  const h0 = digitAt(text, 11)
  const h1 = digitAt(text, 12)
  const mi0 = digitAt(text, 14)
  const mi1 = digitAt(text, 15)
  const s0 = digitAt(text, 17)
  const s1 = digitAt(text, 18)
  if (
    notDigit(y0) || notDigit(y1) || notDigit(y2) || notDigit(y3) || notDigit(mo0) || notDigit(mo1) ||
    notDigit(d0) || notDigit(d1) || notDigit(h0) || notDigit(h1) || notDigit(mi0) || notDigit(mi1) ||
    notDigit(s0) || notDigit(s1)
  ) return undefined
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3
  const month = mo0 * 10 + mo1
  const day = d0 * 10 + d1
  const hour = h0 * 10 + h1
  const minute = mi0 * 10 + mi1
  const second = s0 * 10 + s1
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined
  const leap = isLeapYear(year)
  if (day > (month === 2 && leap ? 29 : MONTH_DAYS[month]!)) return undefined
  let millis = 0
  if (length > 20) {
    if (text.charCodeAt(19) !== 46 /* . */) return undefined
    for (let index = 20; index < length - 1; index++) {
      const digit = digitAt(text, index)
      if (notDigit(digit)) return undefined
      millis = millis * 10 + digit
    }
    millis = length === 22 ? millis * 100 : length === 23 ? millis * 10 : millis
  }
  // Whole years (with the leap days before this one), then the months and days of this one.
  const before = year - 1
  const days = year * 365 + Math.floor(before / 4) - Math.floor(before / 100) + Math.floor(before / 400) - EPOCH_DAYS +
    DAYS_BEFORE_MONTH[month]! + (leap && month > 2 ? 1 : 0) + day
  return days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis
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
 * One date field of the delivery body, remembering the last text it decoded
 * and the value it gave (as the WebSocket listener does for its frames).
 * Deliveries come in bursts that share times: every hook scheduled for one
 * instant has the same `postAt`, every hook created by one batch the same
 * `createdAt`, and every delivery sent in one second the same `postedAt`. A
 * repeated text then costs one string comparison instead of reading and
 * checking twenty characters and building the value; a new text costs that
 * comparison more than before. Sharing the value is safe: a `DateTime.Utc`
 * is immutable. Only texts that decoded are kept, so a bad text is checked
 * (and fails) every time.
 */
class DateField {
  private text: string | undefined = undefined
  private utc: DateTime.Utc | undefined = undefined
  decode(value: unknown): DateTime.Utc | undefined {
    if (this.text !== undefined && value === this.text) return this.utc
    const utc = decodeDeliveryUtc(value)
    if (utc !== undefined && typeof value === "string") {
      this.text = value
      this.utc = utc
    }
    return utc
  }
}

const postAtField = new DateField()
const postedAtField = new DateField()
const createdAtField = new DateField()
const updatedAtField = new DateField()

/**
 * The fields of a delivery body as the hot path reads them: every key
 * present (`undefined` where the body has none), so every value has one
 * shape and reading it stays monomorphic.
 */
interface BodyFields {
  readonly id: string | undefined
  readonly path: string
  readonly data: unknown
  readonly postAt: DateTime.Utc
  readonly postedAt: DateTime.Utc | undefined
  readonly createdAt: DateTime.Utc
  readonly updatedAt: DateTime.Utc | undefined
}

/**
 * {@link DeliveryBody}'s decoding for the common case, written by hand: the
 * Schema interpreter costs more than verifying the signature of a 1 KB body.
 * Gives the same fields the Schema would, or `undefined` for anything it is
 * not sure of (then the Schema decides and words the error).
 */
const decodeDeliveryBodyFast = (json: unknown): BodyFields | undefined => {
  if (!Predicate.isObject(json)) return undefined
  const body = json
  const { id, path, postAt, postedAt, createdAt, updatedAt } = body
  if (typeof path !== "string" || typeof postAt !== "string" || typeof createdAt !== "string") return undefined
  if (!("data" in body)) return undefined
  if (id !== undefined && id !== null && typeof id !== "string") return undefined
  const decodedPostAt = postAtField.decode(postAt)
  const decodedCreatedAt = createdAtField.decode(createdAt)
  if (decodedPostAt === undefined || decodedCreatedAt === undefined) return undefined
  let decodedPostedAt: DateTime.Utc | undefined
  if (postedAt !== undefined && postedAt !== null) {
    decodedPostedAt = postedAtField.decode(postedAt)
    if (decodedPostedAt === undefined) return undefined
  }
  let decodedUpdatedAt: DateTime.Utc | undefined
  if (updatedAt !== undefined && updatedAt !== null) {
    // Equal texts decode to equal values: a hook not yet updated shares one.
    decodedUpdatedAt = updatedAt === createdAt ? decodedCreatedAt : updatedAtField.decode(updatedAt)
    if (decodedUpdatedAt === undefined) return undefined
  }
  return {
    id: typeof id === "string" ? id : undefined,
    path,
    data: body.data,
    postAt: decodedPostAt,
    postedAt: decodedPostedAt,
    createdAt: decodedCreatedAt,
    updatedAt: decodedUpdatedAt
  }
}

/** @internal */
export const decodeDeliveryFields = (json: unknown): Result.Result<DeliveryFields, Schema.SchemaError> => {
  const fast = decodeDeliveryBodyFast(json)
  if (fast === undefined) return decodeDeliveryBody(json)
  // The Schema's shape: an optional field that is absent has no key.
  const fields: Mutable<DeliveryFields> = {
    path: fast.path,
    data: fast.data,
    postAt: fast.postAt,
    createdAt: fast.createdAt
  }
  if (fast.id !== undefined) fields.id = fast.id
  if (fast.postedAt !== undefined) fields.postedAt = fast.postedAt
  if (fast.updatedAt !== undefined) fields.updatedAt = fast.updatedAt
  return Result.succeed(fields)
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
  failure("InvalidBody", `body is not a Posthook delivery: ${describeIssues(json, error)}`)

/**
 * Reads a verified request into a `Delivery`, or the error. Runs only after
 * {@link verifyAt} succeeded. Straight-line code without a `Result` around
 * it: it runs once per delivery, and its own allocations were a visible
 * share of a 1 KB delivery's cost.
 */
const deliveryOf = (verified: Verified): Delivery<unknown> | PosthookError.SignatureVerificationError => {
  let text: string
  try {
    text = utf8.decode(verified.body)
  } catch {
    return failure("InvalidBody", "body is not valid UTF-8")
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    // The parser's message quotes the body: keep payloads out of errors and logs.
    return failure("InvalidBody", "body is not valid JSON")
  }
  let fields: BodyFields | DeliveryFields | undefined = decodeDeliveryBodyFast(json)
  if (fields === undefined) {
    const decoded = decodeDeliveryBody(json)
    if (Result.isFailure(decoded)) return notADelivery(json, decoded.failure)
    fields = decoded.success
  }
  const headers = verified.headers
  const headerId = single(headers.id)
  if (fields.id !== undefined && headerId !== undefined && headerId !== fields.id) {
    return failure("InvalidBody", "Posthook-Id header does not match the id in the signed body")
  }
  const hookId = fields.id ?? headerId
  if (hookId === undefined) return failure("InvalidBody", "no hook id: the body has no id and Posthook-Id is missing")
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
    // Whole seconds: `fromEpochSeconds` is exact here, and skips the `Date` that `makeUnsafe` builds.
    postedAt: fields.postedAt ?? DateTime.fromEpochSeconds(verified.timestamp),
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
  return delivery
}

/**
 * {@link verifyAt}, then the body read into a `Delivery`, in one call: the
 * delivery, or the first error.
 *
 * @internal
 */
export const parseAt = (input: VerifyInput): Delivery<unknown> | PosthookError.SignatureVerificationError => {
  const verified = verifyAt(input)
  return verified instanceof PosthookError.SignatureVerificationError ? verified : deliveryOf(verified)
}
