/**
 * Hand-written decoding of the common `Hook` JSON, for the response paths that
 * decode many hooks (`get`, `list`, `listAll`). The Schema interpreter costs
 * more per hook than parsing its JSON; this checks the same rules field by
 * field and gives the same value, or `undefined` for anything it is not sure
 * of, and then the Schema decides (and words the error).
 *
 * Schemas opt in through a registry keyed by the schema itself, so the
 * transport and the pagination code can ask "is there a fast path for this
 * schema?" without knowing about hooks.
 *
 * @internal
 */
import type * as DateTime from "effect/DateTime"
import * as Predicate from "effect/Predicate"
import type * as Schema from "effect/Schema"
import type { Mutable } from "effect/Types"
import { LastUtc } from "./utc.js"

/** Decodes `input` to the schema's type, or `undefined` to leave it to the Schema. @internal */
export type FastDecoder<A> = (input: unknown) => A | undefined

const fastDecoders = new WeakMap<Schema.Top, FastDecoder<unknown>>()

/**
 * Registers `fast` as the fast path of `schema`. The caller vouches that
 * `fast` decodes to the schema's type (a generic schema such as
 * `Hook.withData(data)` cannot prove it for its `A` at the type level).
 *
 * @internal
 */
export const registerFastDecoder = (schema: Schema.Top, fast: FastDecoder<unknown>): void => {
  fastDecoders.set(schema, fast)
}

/**
 * The fast path registered for `schema`, if any.
 *
 * @internal
 */
export const fastDecoderOf = <A, I>(schema: Schema.Codec<A, I>): FastDecoder<A> | undefined => {
  const fast = fastDecoders.get(schema)
  // `registerFastDecoder` pairs each schema with a decoder to its own `A`.
  return fast as FastDecoder<A> | undefined
}

const isStatus = (value: unknown): value is "pending" | "retry" | "completed" | "failed" =>
  value === "pending" || value === "retry" || value === "completed" || value === "failed"

/** `Hook`'s `numberOrZero`: missing, `undefined` and `null` read as `0`. */
const numberOrZero = (value: unknown): number | undefined =>
  value === undefined || value === null ? 0 : typeof value === "number" ? value : undefined

/** The fields of `Hook.Hook` with `data: unknown`. */
export interface HookFields {
  readonly id: string
  readonly path: string
  readonly domain?: string
  readonly data: unknown
  readonly postAt: DateTime.Utc
  readonly status: "pending" | "retry" | "completed" | "failed"
  readonly postDurationSeconds: number
  readonly attempts: number
  readonly failureError?: string
  readonly createdAt: DateTime.Utc
  readonly updatedAt: DateTime.Utc
}

/**
 * The last time text of each field and its value. A page of `listAll` is
 * sorted by `postAt`, so hooks scheduled for one instant come one after the
 * other, and hooks created together share `createdAt`: a repeated text costs
 * a string comparison instead of a parse and a `DateTime`. The decoders run
 * synchronously, so module-wide readers are safe; each keeps one value.
 */
const postAtReader = new LastUtc()
const createdAtReader = new LastUtc()
const updatedAtReader = new LastUtc()

/**
 * One hook, as `Hook.withData(Schema.Unknown)` decodes it (unknown fields
 * ignored). Hooks with `sequenceData` or `retryOverride` go to the Schema.
 *
 * @internal
 */
export const decodeHookFast = (input: unknown): HookFields | undefined => {
  if (!Predicate.isObject(input) || !("data" in input)) return undefined
  const {
    attempts,
    createdAt,
    domain,
    failureError,
    id,
    path,
    postAt,
    postDurationSeconds,
    retryOverride,
    sequenceData,
    status,
    updatedAt
  } = input
  if (typeof id !== "string" || typeof path !== "string" || !isStatus(status)) return undefined
  // An exact, nullable optional key reads as absent when missing or `null`. Nested objects go
  // to the Schema; so does an optional key present with `undefined` (the schema's `optionalKey`s
  // refuse it; JSON never produces it). Each key is named where it is read: a lookup by a
  // constant name is cached per object shape, one by a variable key is not (~2 % of `listAll`).
  if (sequenceData !== null && (sequenceData !== undefined || "sequenceData" in input)) return undefined
  if (retryOverride !== null && (retryOverride !== undefined || "retryOverride" in input)) return undefined
  if (typeof domain !== "string" && domain !== null && (domain !== undefined || "domain" in input)) return undefined
  if (
    typeof failureError !== "string" && failureError !== null &&
    (failureError !== undefined || "failureError" in input)
  ) return undefined
  const duration = numberOrZero(postDurationSeconds)
  const attemptCount = numberOrZero(attempts)
  if (duration === undefined || attemptCount === undefined) return undefined
  const decodedPostAt = postAtReader.decode(postAt)
  const decodedCreatedAt = createdAtReader.decode(createdAt)
  // A hook not updated since it was created carries one text twice: one value serves both.
  const decodedUpdatedAt = updatedAt === createdAt ? decodedCreatedAt : updatedAtReader.decode(updatedAt)
  if (decodedPostAt === undefined || decodedCreatedAt === undefined || decodedUpdatedAt === undefined) return undefined
  const hook: Mutable<HookFields> = {
    id,
    path,
    data: input.data,
    postAt: decodedPostAt,
    status,
    postDurationSeconds: duration,
    attempts: attemptCount,
    createdAt: decodedCreatedAt,
    updatedAt: decodedUpdatedAt
  }
  if (typeof domain === "string") hook.domain = domain
  if (typeof failureError === "string") hook.failureError = failureError
  return hook
}

/**
 * The fast path of an array whose elements have `fast`: every element through
 * it, or `undefined` when one needs the Schema.
 *
 * @internal
 */
export const fastArray = <A>(fast: FastDecoder<A>): FastDecoder<ReadonlyArray<A>> => (input) => {
  if (!Array.isArray(input)) return undefined
  const decoded: Array<A> = new Array(input.length)
  for (let index = 0; index < input.length; index++) {
    const element = fast(input[index])
    if (element === undefined) return undefined
    decoded[index] = element
  }
  return decoded
}
