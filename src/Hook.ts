/**
 * The data model of the REST API (docs/protocol.md §1.2): hooks, retry overrides,
 * quota information and bulk results, as `Schema`s.
 *
 * Decoding ignores unknown fields (servers add some, e.g. `tryAt`) and turns
 * `null` optional fields into absent ones.
 *
 * @since 0.1.0
 */
import type * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import { decodeHookFast, registerFastDecoder } from "./internal/hookDecode.js"

/**
 * A hook's delivery state: `pending` (also while in flight), `retry` (an
 * attempt failed, more will follow), `completed`, `failed` (retries spent).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Hook } from "posthook-effect"
 *
 * const status = Schema.decodeUnknownSync(Hook.HookStatus)("failed")
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const HookStatus = Schema.Literals(["pending", "retry", "completed", "failed"])

/**
 * The status of a hook.
 *
 * @example
 * ```ts
 * import type { Hook } from "posthook-effect"
 *
 * const isFinished = (status: Hook.HookStatus): boolean => status === "completed" || status === "failed"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type HookStatus = typeof HookStatus.Type

/**
 * How the delay between retries grows.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Hook } from "posthook-effect"
 *
 * const strategy = Schema.decodeUnknownSync(Hook.RetryStrategy)("exponential")
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const RetryStrategy = Schema.Literals(["fixed", "exponential"])

/**
 * How the delay between retries grows.
 *
 * @example
 * ```ts
 * import type { Hook } from "posthook-effect"
 *
 * const strategy: Hook.RetryStrategy = "exponential"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type RetryStrategy = typeof RetryStrategy.Type

/**
 * An optional key whose `null` reads as absent (servers send `null` for unset
 * fields): `{ key?: A }` on the decoded side, `{ key?: A | null }` on the wire.
 */
const optional = <S extends Schema.Top>(schema: S) =>
  Schema.optionalKey(Schema.NullOr(schema)).pipe(
    Schema.decodeTo(Schema.optionalKey(Schema.toType(schema)), {
      decode: SchemaGetter.transformOptional(Option.filter(Predicate.isNotNull)),
      encode: SchemaGetter.passthroughSupertype()
    })
  )

/** A number that is `0` when missing, `undefined` or `null`. */
const numberOrZero = Schema.optional(Schema.NullOr(Schema.Number)).pipe(
  Schema.decodeTo(Schema.Number, {
    decode: SchemaGetter.transformOptional((value) =>
      value.pipe(Option.filter(Predicate.isNotNullish), Option.orElseSome(() => 0))
    ),
    encode: SchemaGetter.required()
  })
)

/**
 * A per-hook retry policy overriding the project's default (docs/protocol.md §1.1):
 * `minRetries` 1–15, `delaySecs` 5–60, `strategy`, `backoffFactor` 1.1–4.0
 * (exponential only, default 2.0), `maxDelaySecs` 60–3600 (required for
 * exponential), `jitter` (0–25 % random extra delay).
 *
 * @example
 * ```ts
 * import { Hook } from "posthook-effect"
 *
 * const retryOverride: Hook.RetryOverride = {
 *   minRetries: 10,
 *   delaySecs: 15,
 *   strategy: "exponential",
 *   backoffFactor: 2,
 *   maxDelaySecs: 3600,
 *   jitter: true
 * }
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const RetryOverride = Schema.Struct({
  minRetries: Schema.Number,
  delaySecs: Schema.Number,
  strategy: RetryStrategy,
  backoffFactor: optional(Schema.Number),
  maxDelaySecs: optional(Schema.Number),
  jitter: optional(Schema.Boolean)
})

/**
 * A per-hook retry policy, decoded.
 *
 * @example
 * ```ts
 * import type { Hook } from "posthook-effect"
 *
 * const retryOverride: Hook.RetryOverride = { minRetries: 3, delaySecs: 10, strategy: "fixed" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOverride extends Schema.Schema.Type<typeof RetryOverride> {}

/**
 * Sequence information, present on hooks created by a Posthook sequence.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Hook } from "posthook-effect"
 *
 * const sequence = Schema.decodeUnknownSync(Hook.SequenceData)({ sequenceID: "seq-1", stepName: "welcome" })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const SequenceData = Schema.Struct({
  sequenceID: Schema.String,
  stepName: Schema.String,
  sequenceLastRunAt: optional(Schema.String)
})

/**
 * The sequence a hook was scheduled by, decoded.
 *
 * @example
 * ```ts
 * import type { Hook } from "posthook-effect"
 *
 * const describe = (sequence: Hook.SequenceData): string => `${sequence.sequenceID}: ${sequence.stepName}`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface SequenceData extends Schema.Schema.Type<typeof SequenceData> {}

/**
 * The wire schema of a hook. Times decode to `DateTime.Utc`; `data` stays
 * `unknown` (decode it with your own schema, or pass `dataSchema` to the
 * calls that return hooks).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Hook } from "posthook-effect"
 *
 * const hook = Schema.decodeUnknownSync(Hook.Hook)({
 *   id: "7f1c…",
 *   path: "/webhooks/x",
 *   data: { userId: "123" },
 *   postAt: "2026-06-15T10:00:00Z",
 *   status: "pending",
 *   postDurationSeconds: 0,
 *   attempts: 0,
 *   createdAt: "2026-06-15T09:55:00Z",
 *   updatedAt: "2026-06-15T09:55:00Z"
 * })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const Hook = Schema.Struct({
  id: Schema.String,
  path: Schema.String,
  domain: optional(Schema.String),
  data: Schema.Unknown,
  postAt: Schema.DateTimeUtcFromString,
  status: HookStatus,
  postDurationSeconds: numberOrZero,
  attempts: numberOrZero,
  failureError: optional(Schema.String),
  sequenceData: optional(SequenceData),
  retryOverride: optional(RetryOverride),
  createdAt: Schema.DateTimeUtcFromString,
  updatedAt: Schema.DateTimeUtcFromString
})

/**
 * The hook schema with a schema of your own for `data`, so a hook's payload
 * decodes to your type (and a payload of the wrong shape fails to decode).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Hook } from "posthook-effect"
 *
 * const UserCreated = Schema.Struct({ userId: Schema.String })
 * const UserCreatedHook = Hook.withData(UserCreated)
 *
 * const hook = Schema.decodeUnknownSync(UserCreatedHook)({
 *   id: "7f1c…",
 *   path: "/webhooks/user-created",
 *   data: { userId: "123" },
 *   postAt: "2026-06-15T10:00:00Z",
 *   status: "pending",
 *   createdAt: "2026-06-15T09:55:00Z",
 *   updatedAt: "2026-06-15T09:55:00Z"
 * })
 * console.log(hook.data.userId) // "123"
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const withData = <A, I>(data: Schema.Codec<A, I>): WithData<A, I> => {
  // One schema per data schema: a new Struct per call would make every
  // request compile its decoder again (the parser memoises by AST).
  const cached = withDataCache.get(data)
  if (cached !== undefined) return cached as WithData<A, I>
  const made = Schema.Struct({ ...Hook.fields, data })
  withDataCache.set(data, made)
  // The SDK's default (`data: unknown`) decodes by hand; other data schemas need the interpreter.
  if (data === Schema.Unknown) registerFastDecoder(made, decodeHookFast)
  return made
}

type WithData<A, I> = Schema.Struct<Omit<typeof Hook.fields, "data"> & { readonly data: Schema.Codec<A, I> }>

const withDataCache = new WeakMap<Schema.Top, Schema.Top>()

/**
 * A hook as returned by the API. `Data` is the type of its payload.
 *
 * @example
 * ```ts
 * import type { Hook } from "posthook-effect"
 *
 * const describe = (hook: Hook.Hook<{ readonly userId: string }>): string =>
 *   `${hook.id} → ${hook.path} for user ${hook.data.userId}`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Hook<Data = unknown> = Omit<Schema.Schema.Type<typeof Hook>, "data"> & { readonly data: Data }

/**
 * The monthly hook quota, read from the `Posthook-HookQuota-*` headers of a
 * schedule response.
 *
 * @example
 * ```ts
 * import { DateTime } from "effect"
 * import type { Hook } from "posthook-effect"
 *
 * const describe = (quota: Hook.QuotaInfo) =>
 *   `${quota.remaining}/${quota.limit} left until ${DateTime.formatIso(quota.resetsAt)}`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface QuotaInfo {
  readonly limit: number
  readonly usage: number
  readonly remaining: number
  readonly resetsAt: DateTime.Utc
}

/**
 * A hook just scheduled, with the quota information the response carried
 * (`Option.none()` when the server sent no quota headers).
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { Hooks } from "posthook-effect"
 *
 * const program = Effect.gen(function* () {
 *   const hooks = yield* Hooks.Hooks
 *   const hook = yield* hooks.schedule({ path: "/test", postIn: "5m" })
 *   if (Option.isSome(hook.quota)) yield* Effect.log(`remaining: ${hook.quota.value.remaining}`)
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ScheduledHook<Data = unknown> = Hook<Data> & { readonly quota: Option.Option<QuotaInfo> }

/**
 * The answer of a bulk action.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Hook } from "posthook-effect"
 *
 * const result = Schema.decodeUnknownSync(Hook.BulkActionResult)({ affected: 3 })
 * console.log(result.affected) // 3
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const BulkActionResult = Schema.Struct({ affected: Schema.Number })

/**
 * The answer of a bulk action, decoded.
 *
 * @example
 * ```ts
 * import type { Hook } from "posthook-effect"
 *
 * const report = (result: Hook.BulkActionResult): string => `${result.affected} hooks affected`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface BulkActionResult extends Schema.Schema.Type<typeof BulkActionResult> {}
