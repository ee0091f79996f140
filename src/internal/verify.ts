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
import { makeDelivery } from "./delivery.js"
import { type DeliveryHeaders, deliveryHeaders, type HeadersInput, single } from "./headers.js"
import { computeDigest, digestEquals, digestFromHex } from "../protocol/signing.js"
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
  /** `Infinity` disables the window. */
  readonly toleranceMillis: number
  readonly nowMillis: number
}

const fail = (reason: PosthookError.SignatureFailure, message: string) =>
  Result.fail(new PosthookError.SignatureVerificationError({ reason, message }))

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
  for (let keyIndex = 0; keyIndex < keys.length; keyIndex++) {
    const expected = computeDigest(Redacted.value(keys[keyIndex]!), trimmed, input.body)
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
  const decodedPostAt = decodeUtc(postAt)
  const decodedCreatedAt = decodeUtc(createdAt)
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
    const decoded = typeof postedAt === "string" ? decodeUtc(postedAt) : undefined
    if (decoded === undefined) return undefined
    fields.postedAt = decoded
  }
  if (updatedAt !== undefined && updatedAt !== null) {
    // Equal texts decode to equal values: a hook not yet updated shares one.
    const decoded = updatedAt === createdAt
      ? decodedCreatedAt
      : typeof updatedAt === "string"
      ? decodeUtc(updatedAt)
      : undefined
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

const utf8 = new TextDecoder("utf-8", { fatal: true })

const parseJson = (body: Uint8Array): Result.Result<unknown, PosthookError.SignatureVerificationError> => {
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    return fail("InvalidBody", "body is not valid UTF-8")
  }
  try {
    return Result.succeed(JSON.parse(text))
  } catch {
    // The parser's message quotes the body: keep payloads out of errors and logs.
    return fail("InvalidBody", "body is not valid JSON")
  }
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

/**
 * Reads a verified request into a `Delivery`. Runs only after
 * {@link verifyAt} succeeded.
 *
 * @internal
 */
export const toDelivery = (
  verified: Verified
): Result.Result<Delivery<unknown>, PosthookError.SignatureVerificationError> =>
  Result.flatMap(parseJson(verified.body), (json) =>
    Result.flatMap(
      Result.mapError(decodeDeliveryFields(json), (error) =>
        new PosthookError.SignatureVerificationError({
          reason: "InvalidBody",
          message: `body is not a Posthook delivery: ${describeIssues(json, error)}`
        })),
      (fields) => {
        const headers = verified.headers
        const headerId = single(headers.id)
        if (fields.id !== undefined && headerId !== undefined && headerId !== fields.id) {
          return fail("InvalidBody", "Posthook-Id header does not match the id in the signed body")
        }
        const hookId = fields.id ?? headerId
        if (hookId === undefined) return fail("InvalidBody", "no hook id: the body has no id and Posthook-Id is missing")
        const delivery: Mutable<Omit<Delivery<unknown>, "ack" | "nack">> = {
          hookId,
          timestamp: verified.timestamp,
          path: fields.path,
          data: fields.data,
          postAt: fields.postAt,
          postedAt: fields.postedAt ?? DateTime.makeUnsafe(verified.timestamp * 1000),
          createdAt: fields.createdAt,
          updatedAt: fields.updatedAt ?? fields.createdAt,
          body: verified.body
        }
        // Callback URLs come in pairs (docs/protocol.md §2): one without the other is ignored.
        const ackUrl = single(headers.ackUrl)
        const nackUrl = single(headers.nackUrl)
        if (ackUrl !== undefined && nackUrl !== undefined) {
          delivery.ackUrl = ackUrl
          delivery.nackUrl = nackUrl
        }
        return Result.succeed(makeDelivery(delivery))
      }
    ))
