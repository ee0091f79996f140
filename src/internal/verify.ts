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
import { LastUtc } from "./utc.js"

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


// One date reader per field, remembering its last text: deliveries come in
// bursts that share times (see `LastUtc`).
const postAtField = new LastUtc()
const postedAtField = new LastUtc()
const createdAtField = new LastUtc()
const updatedAtField = new LastUtc()

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
