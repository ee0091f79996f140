/**
 * Verifying delivered hooks (docs/protocol.md §2) and signing test deliveries.
 *
 * `Signatures` needs only signing keys, never an API key, so a receive-only
 * app runs without one. Several keys are accepted at once (current and next)
 * so a receiver survives key rotation.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
// `Result` is effect's success-or-failure value here; a handler's answer is a `DeliveryResult`.
import type { Delivery, Result as DeliveryResult } from "./Delivery.js"
import * as PosthookConfig from "./PosthookConfig.js"
import * as PosthookError from "./PosthookError.js"
import { makeDelivery } from "./internal/delivery.js"
import type * as Headers from "./internal/headers.js"
import { prepareHmacKey, signatureHeader, splitSigningKeys } from "./protocol/signing.js"
import { untraced } from "./internal/tracing.js"
import * as internal from "./internal/verify.js"
import { configError, pointerError } from "./internal/configError.js"

/**
 * Request headers as any server framework gives them: a Web `Headers`, a
 * plain record (any case) or Node's `IncomingHttpHeaders`.
 *
 * @example
 * ```ts
 * import type { Signatures } from "posthook-effect"
 *
 * const headers: Signatures.HeadersInput = { "posthook-timestamp": "1767225600" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type HeadersInput = Headers.HeadersInput

/**
 * A raw request body: a string, a `Uint8Array`, a Node `Buffer` or an
 * `ArrayBuffer` (what `request.arrayBuffer()` gives). Always the body as
 * received, never a parsed and re-serialised object: anything else fails with
 * reason `InvalidBody`.
 *
 * @example
 * ```ts
 * import { Signatures } from "posthook-effect"
 *
 * const body: Signatures.Body = new TextEncoder().encode("{}")
 * const headers = Signatures.sign(body, { signingKey: "ph_sk_test", timestamp: 1767225600 })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Body = string | Uint8Array | ArrayBuffer

/**
 * One signing key or several (current and next, while rotating).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Signatures } from "posthook-effect"
 *
 * const signingKey: Signatures.SigningKeys = [Redacted.make("ph_sk_current"), "ph_sk_next"]
 * const SignaturesLive = Signatures.layer({ signingKey })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type SigningKeys = PosthookConfig.Secret | ReadonlyArray<PosthookConfig.Secret>

/**
 * How far `Posthook-Timestamp` may be from now, in either direction: a
 * `Duration` or a string such as `"10 minutes"`. Plain numbers are refused on
 * purpose (Effect reads them as milliseconds; Posthook's SDKs as seconds).
 *
 * @example
 * ```ts
 * import { Signatures } from "posthook-effect"
 *
 * const tolerance: Signatures.Tolerance = "10 minutes"
 * const SignaturesLive = Signatures.layer({ signingKey: "ph_sk_...", tolerance })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Tolerance = Exclude<Duration.Input, number | bigint>

/**
 * The default tolerance: 5 minutes.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { Signatures } from "posthook-effect"
 *
 * console.log(Duration.toSeconds(Signatures.DEFAULT_TOLERANCE)) // 300
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_TOLERANCE: Duration.Duration = Duration.minutes(5)

/**
 * Per-call options for {@link Service.verify} and {@link Service.parseDelivery}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Signatures } from "posthook-effect"
 *
 * const options: Signatures.VerifyOptions = { tolerance: "1 minute" }
 * const verify = (body: Uint8Array, headers: Signatures.HeadersInput) =>
 *   Effect.flatMap(Signatures.Signatures, (signatures) => signatures.verify(body, headers, options))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface VerifyOptions {
  /** Overrides the service's tolerance for this call. */
  readonly tolerance?: Tolerance | undefined
  /** Verifies with these keys instead of the service's. */
  readonly signingKey?: SigningKeys | undefined
}

/**
 * What {@link Service.verify} established: the authentic timestamp and the
 * raw body.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Signatures } from "posthook-effect"
 *
 * const sentAt = (body: Uint8Array, headers: Signatures.HeadersInput) =>
 *   Effect.flatMap(Signatures.Signatures, (signatures) => signatures.verify(body, headers)).pipe(
 *     Effect.map((verified: Signatures.Verified) => verified.timestamp)
 *   )
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Verified {
  /** Unix seconds from `Posthook-Timestamp`. */
  readonly timestamp: number
  /** The raw body, exactly as received. */
  readonly body: Uint8Array
}

/**
 * `parseDelivery`: without a schema `data` is `unknown`; with one it is
 * decoded, and a mismatch fails with a `DeliveryDataError` (the request was
 * authentic; its payload was not what the handler expects).
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Signatures } from "posthook-effect"
 *
 * const UserCreated = Schema.Struct({ userId: Schema.String })
 *
 * const parse = (body: Uint8Array, headers: Signatures.HeadersInput) =>
 *   Effect.gen(function* () {
 *     const signatures = yield* Signatures.Signatures
 *     const delivery = yield* signatures.parseDelivery(body, headers, { schema: UserCreated })
 *     return delivery.data.userId
 *   })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ParseDelivery {
  <A>(
    body: Body,
    headers: HeadersInput,
    options: VerifyOptions & { readonly schema: Schema.Decoder<A> }
  ): Effect.Effect<Delivery<A>, PosthookError.SignatureVerificationError | PosthookError.DeliveryDataError>
  (
    body: Body,
    headers: HeadersInput,
    options?: VerifyOptions
  ): Effect.Effect<Delivery<unknown>, PosthookError.SignatureVerificationError>
}

/**
 * The `Signatures` service.
 *
 * @example
 * ```ts
 * import { Signatures } from "posthook-effect"
 *
 * const service: Signatures.Service = Signatures.unsafeMake("ph_sk_...")
 * const verify = (body: string, headers: Signatures.HeadersInput) => service.verify(body, headers)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Checks headers, timestamp window and signature over the raw bytes; does
   * not look at the body. Time comes from Effect's `Clock`.
   */
  readonly verify: (
    body: Body,
    headers: HeadersInput,
    options?: VerifyOptions
  ) => Effect.Effect<Verified, PosthookError.SignatureVerificationError>
  /** {@link verify}, then parse the JSON body into a `Delivery`. */
  readonly parseDelivery: ParseDelivery
}

/**
 * Verifies and parses delivered hooks.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Signatures } from "posthook-effect"
 *
 * const receive = (body: Uint8Array, headers: Record<string, string>) =>
 *   Effect.gen(function* () {
 *     const signatures = yield* Signatures.Signatures
 *     const delivery = yield* signatures.parseDelivery(body, headers)
 *     yield* Effect.log(`hook ${delivery.hookId}: ${delivery.path}`)
 *   }).pipe(Effect.provide(Signatures.layer({ signingKey: "ph_sk_..." })))
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class Signatures extends Context.Service<Signatures, Service>()("posthook-effect/Signatures") {}

/**
 * Options for {@link make} and {@link layer}.
 *
 * @example
 * ```ts
 * import { Signatures } from "posthook-effect"
 *
 * const options: Signatures.Options = { signingKey: ["ph_sk_current", "ph_sk_next"], tolerance: "5 minutes" }
 * const SignaturesLive = Signatures.layer(options)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** One key, or several while rotating (any may match). */
  readonly signingKey: SigningKeys
  /** Defaults to {@link DEFAULT_TOLERANCE}. */
  readonly tolerance?: Tolerance | undefined
}

const toKeys = (input: SigningKeys | undefined): ReadonlyArray<Redacted.Redacted<string>> => {
  if (input === undefined) return []
  const list: ReadonlyArray<PosthookConfig.Secret> = typeof input === "string" || Redacted.isRedacted(input)
    ? [input]
    : input
  return list
    .map((key) => Redacted.isRedacted(key) ? key : Redacted.make(key))
    .filter((key) => Redacted.value(key).trim().length > 0)
}

const invalidTolerance = (tolerance: unknown): TypeError =>
  new TypeError(`invalid tolerance ${JSON.stringify(tolerance)}: use a Duration or a string like "5 minutes"`)

/**
 * A tolerance given where the types were bypassed (`"soon"`, a number from
 * plain JavaScript) is a programming error: it throws, naming the value, rather
 * than silently falling back to a default window. So is a negative one, which
 * no timestamp could satisfy.
 */
const decodeTolerance = (tolerance: Tolerance): Duration.Duration => {
  // Numbers are excluded by the type; from plain JavaScript they would read as milliseconds.
  if (typeof tolerance === "number" || typeof tolerance === "bigint") throw invalidTolerance(tolerance)
  const duration = Option.getOrThrowWith(Duration.fromInput(tolerance), () => invalidTolerance(tolerance))
  if (Duration.isNegative(duration)) throw invalidTolerance(tolerance)
  return duration
}

// Capturing a stack per span costs more than verifying the signature.
const spanOptions = { captureStackTrace: false } as const

/** The time of the fiber's `Clock`, so `TestClock` controls the timestamp window. */
const nowOf = (fiber: Fiber.Fiber<unknown, unknown>): number => fiber.getRef(Clock.Clock).currentTimeMillisUnsafe()

/** A check run in its span, at the time of the span's fiber: only where a tracer can see it (see {@link untraced}). */
const inSpan = <A, E>(spanName: string, check: (nowMillis: number) => Effect.Effect<A, E>): Effect.Effect<A, E> =>
  Effect.withSpan(Effect.clockWith((clock) => check(clock.currentTimeMillisUnsafe())), spanName, spanOptions)

/**
 * A `Signatures` service over the given keys that never fails to build: with
 * no keys, every call without a per-call `signingKey` fails with reason
 * `NoSigningKey`. This is what the aggregate Posthook client uses, where a
 * signing key is optional; receivers should prefer {@link make}, which fails
 * at start-up.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Signatures } from "posthook-effect"
 *
 * const signatures = Signatures.fromKeys([Redacted.make("ph_sk_current"), Redacted.make("ph_sk_next")])
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromKeys = (
  keys: ReadonlyArray<Redacted.Redacted<string>>,
  options?: { readonly tolerance?: Tolerance | undefined }
): Service => {
  const defaultTolerance = options?.tolerance === undefined ? DEFAULT_TOLERANCE : decodeTolerance(options.tolerance)
  const defaultToleranceMillis = Duration.toMillis(defaultTolerance)
  // Prepared once: HMAC with a ready key skips converting the key text per delivery.
  const hmacKeys = keys.map((key) => prepareHmacKey(Redacted.value(key)))

  /** What `internal.verifyAt` checks, or the error for a body that is not raw bytes. */
  const inputOf = (
    body: Body,
    headers: HeadersInput,
    callOptions: VerifyOptions | undefined,
    nowMillis: number
  ): internal.VerifyInput | PosthookError.SignatureVerificationError => {
    // The declared type is not a guarantee: plain JavaScript can pass a parsed object or a number here.
    const bytes = internal.rawBytes(body)
    if (bytes === undefined) return internal.notRawBytesError(body)
    return {
      body: bytes,
      headers,
      keys: callOptions?.signingKey === undefined ? keys : toKeys(callOptions.signingKey),
      hmacKeys: callOptions?.signingKey === undefined ? hmacKeys : undefined,
      toleranceMillis: callOptions?.tolerance === undefined
        ? defaultToleranceMillis
        : Duration.toMillis(decodeTolerance(callOptions.tolerance)),
      nowMillis
    }
  }

  const verifyNow = (
    body: Body,
    headers: HeadersInput,
    callOptions: VerifyOptions | undefined,
    nowMillis: number
  ): Effect.Effect<Verified, PosthookError.SignatureVerificationError> => {
    const input = inputOf(body, headers, callOptions, nowMillis)
    if (input instanceof PosthookError.SignatureVerificationError) return Effect.fail(input)
    const verified = internal.verifyAt(input)
    return verified instanceof PosthookError.SignatureVerificationError
      ? Effect.fail(verified)
      : Effect.succeed({ body: verified.body, timestamp: verified.timestamp })
  }

  const parseNow = <A>(
    body: Body,
    headers: HeadersInput,
    callOptions: (VerifyOptions & { readonly schema?: Schema.Decoder<A> }) | undefined,
    nowMillis: number
  ): Effect.Effect<Delivery<unknown>, PosthookError.SignatureVerificationError | PosthookError.DeliveryDataError> => {
    const input = inputOf(body, headers, callOptions, nowMillis)
    if (input instanceof PosthookError.SignatureVerificationError) return Effect.fail(input)
    // One function from the headers to the `Delivery`, no `Result` in between: this runs once per delivery.
    const delivery = internal.parseAt(input)
    if (delivery instanceof PosthookError.SignatureVerificationError) return Effect.fail(delivery)
    const schema = callOptions?.schema
    return schema === undefined ? Effect.succeed(delivery) : Effect.fromResult(decodeDataResult(delivery, schema))
  }

  // Each call is one step of the calling fiber (no fiber of its own, no chain of effects) and one closure:
  // the check reads the fiber's `Clock` and returns its result, in a span only where a tracer can see it.
  const verify: Service["verify"] = (body, headers, callOptions) =>
    Effect.withFiber((fiber) =>
      untraced(fiber)
        ? verifyNow(body, headers, callOptions, nowOf(fiber))
        : inSpan("Posthook.signatures.verify", (nowMillis) => verifyNow(body, headers, callOptions, nowMillis))
    )

  function parseDelivery<A>(
    body: Body,
    headers: HeadersInput,
    options: VerifyOptions & { readonly schema: Schema.Decoder<A> }
  ): Effect.Effect<Delivery<A>, PosthookError.SignatureVerificationError | PosthookError.DeliveryDataError>
  function parseDelivery(
    body: Body,
    headers: HeadersInput,
    options?: VerifyOptions
  ): Effect.Effect<Delivery<unknown>, PosthookError.SignatureVerificationError>
  function parseDelivery<A>(
    body: Body,
    headers: HeadersInput,
    callOptions?: VerifyOptions & { readonly schema?: Schema.Decoder<A> }
  ): Effect.Effect<Delivery<unknown>, PosthookError.SignatureVerificationError | PosthookError.DeliveryDataError> {
    return Effect.withFiber((fiber) =>
      untraced(fiber)
        ? parseNow(body, headers, callOptions, nowOf(fiber))
        : inSpan("Posthook.signatures.parseDelivery", (nowMillis) => parseNow(body, headers, callOptions, nowMillis))
    )
  }

  return { verify, parseDelivery }
}

/**
 * Decodes a delivery's `data` with a schema. A mismatch is a
 * `DeliveryDataError`: the delivery was authentic, its payload was not what
 * was expected.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { type Delivery, Signatures } from "posthook-effect"
 *
 * const UserCreated = Schema.Struct({ userId: Schema.String })
 *
 * const userId = (delivery: Delivery.Delivery) =>
 *   Effect.map(Signatures.decodeData(delivery, UserCreated), (typed) => typed.data.userId)
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeData = <A>(
  delivery: Delivery<unknown>,
  schema: Schema.Decoder<A>
): Effect.Effect<Delivery<A>, PosthookError.DeliveryDataError> => Effect.fromResult(decodeDataResult(delivery, schema))

const dataError = (delivery: Delivery<unknown>, message: string) =>
  Result.fail(new PosthookError.DeliveryDataError({ hookId: delivery.hookId, message }))

/** Decodes a delivery's `data` with a decoder built once (see {@link withSchema}). */
const decodeDataWith = <A>(decode: (input: unknown) => Result.Result<A, Schema.SchemaError>) =>
(delivery: Delivery<unknown>): Result.Result<Delivery<A>, PosthookError.DeliveryDataError> => {
  let decoded: Result.Result<A, Schema.SchemaError>
  let problem: string
  try {
    decoded = decode(delivery.data)
    if (Result.isSuccess(decoded)) {
      // `Object.assign`, not a spread: see `makeDelivery`. It copies `ack` / `nack` too; `makeDelivery` replaces them.
      return Result.succeed(makeDelivery<A>(Object.assign({}, delivery, { data: decoded.success })))
    }
    problem = decoded.failure.message
  } catch {
    // A recursive schema walking data nested thousands of levels deep overflows the stack, and Schema
    // reports that by throwing. The data came from an authentic delivery: it is refused, not a defect.
    return dataError(delivery, "delivery data could not be decoded with the schema (is it nested too deeply?)")
  }
  return dataError(delivery, `delivery data does not match the schema: ${problem}`)
}

const decodeDataResult = <A>(
  delivery: Delivery<unknown>,
  schema: Schema.Decoder<A>
): Result.Result<Delivery<A>, PosthookError.DeliveryDataError> =>
  decodeDataWith(Schema.decodeUnknownResult(schema))(delivery)

/**
 * Wraps a handler of typed deliveries into a handler of any delivery, for the
 * HTTP adapters and the WebSocket listener alike. Data that does not match
 * fails with a `DeliveryDataError` (the HTTP adapters answer 422).
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Delivery, Signatures } from "posthook-effect"
 *
 * const UserCreated = Schema.Struct({ userId: Schema.String, event: Schema.Literal("user.created") })
 *
 * const handler = Signatures.withSchema(UserCreated, (delivery) =>
 *   Effect.as(Effect.log(`user ${delivery.data.userId}`), Delivery.Result.ack())
 * )
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const withSchema = <A, E, R>(
  schema: Schema.Decoder<A>,
  handler: (delivery: Delivery<A>) => Effect.Effect<DeliveryResult, E, R>
): (delivery: Delivery<unknown>) => Effect.Effect<DeliveryResult, E | PosthookError.DeliveryDataError, R> => {
  // Built once here rather than per delivery.
  const decode = decodeDataWith(Schema.decodeUnknownResult(schema))
  return (delivery) => Effect.flatMap(Effect.fromResult(decode(delivery)), handler)
}

const NO_KEY_MESSAGE = "A Posthook signing key is required: pass signingKey or set POSTHOOK_SIGNING_KEY"

const noKeyError = (): Config.ConfigError =>
  configError("POSTHOOK_SIGNING_KEY", new SchemaIssue.MissingKey({ messageMissingKey: NO_KEY_MESSAGE }))

/**
 * Builds the service, failing at once with a `ConfigError` when no non-empty
 * signing key is given (the Python SDK's `create_signatures`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Signatures } from "posthook-effect"
 *
 * const receive = (body: Uint8Array, headers: Signatures.HeadersInput) =>
 *   Effect.gen(function* () {
 *     // Fails with a ConfigError when no key is given.
 *     const signatures = yield* Signatures.make({ signingKey: ["ph_sk_current", "ph_sk_next"] })
 *     return yield* signatures.parseDelivery(body, headers)
 *   })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, Config.ConfigError> =>
  Effect.suspend(() => {
    const keys = toKeys(options.signingKey)
    if (keys.length === 0) return Effect.fail(noKeyError())
    return Effect.try({
      try: () => fromKeys(keys, options),
      catch: (error) =>
        configError(
          "tolerance",
          new SchemaIssue.InvalidValue({ message: error instanceof Error ? error.message : String(error) })
        )
    })
  })

const isOptions = (input: Options | SigningKeys): input is Options =>
  !Redacted.isRedacted(input) && Predicate.hasProperty(input, "signingKey")

/**
 * {@link make} for code outside Effect: returns the service or throws when
 * no signing key is given. The thrown error names the missing setting, never
 * a key.
 *
 * @example
 * ```ts
 * import { Signatures } from "posthook-effect"
 *
 * const signatures = Signatures.unsafeMake("ph_sk_...")
 * const rotating = Signatures.unsafeMake({ signingKey: ["ph_sk_old", "ph_sk_new"], tolerance: "10 minutes" })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const unsafeMake = (options: Options | SigningKeys): Service => {
  const resolved: Options = isOptions(options) ? options : { signingKey: options }
  const keys = toKeys(resolved.signingKey)
  if (keys.length === 0) throw new Error(NO_KEY_MESSAGE)
  return fromKeys(keys, resolved)
}

/**
 * A Layer from explicit options; fails to build without a signing key.
 *
 * @example
 * ```ts
 * import { Signatures } from "posthook-effect"
 *
 * const SignaturesLive = Signatures.layer({ signingKey: "ph_sk_...", tolerance: "10 minutes" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Signatures, Config.ConfigError> =>
  Layer.effect(Signatures, make(options))

/**
 * The signing keys from `POSTHOOK_SIGNING_KEY` (through Effect `Config`): one
 * key, or several separated by commas. Missing or empty fails.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Signatures } from "posthook-effect"
 *
 * const program = Effect.gen(function* () {
 *   const keys = yield* Signatures.signingKeysConfig
 *   yield* Effect.log(`${keys.length} signing key(s) configured`)
 * })
 * ```
 *
 * @since 0.1.0
 * @category config
 */
export const signingKeysConfig: Config.Config<ReadonlyArray<Redacted.Redacted<string>>> = Config.Redacted(
  "POSTHOOK_SIGNING_KEY"
).pipe(
  Config.map(splitSigningKeys),
  Config.flatMap((keys) =>
    keys.length > 0
      ? Config.succeed(keys)
      : Config.fail(
        pointerError(
          "POSTHOOK_SIGNING_KEY",
          new SchemaIssue.InvalidValue({ message: "POSTHOOK_SIGNING_KEY holds no key" })
        )
      )
  )
)

/**
 * A Layer reading `POSTHOOK_SIGNING_KEY` (comma-separated for several keys)
 * through Effect `Config`. Needs no API key. Fails to build, naming the
 * variable, when it is missing or empty.
 *
 * @example
 * ```ts
 * import { Signatures } from "posthook-effect"
 *
 * // POSTHOOK_SIGNING_KEY=ph_sk_current,ph_sk_next
 * const SignaturesLive = Signatures.layerConfig({ tolerance: "10 minutes" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: { readonly tolerance?: Tolerance | undefined } = {}
): Layer.Layer<Signatures, Config.ConfigError> =>
  Layer.effect(Signatures, Effect.map(signingKeysConfig, (keys) => fromKeys(keys, options)))

/**
 * The service over the signing keys of a `PosthookConfig` (which may hold
 * none: calls then fail with reason `NoSigningKey` unless given a per-call
 * key). For the aggregate Posthook client.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { PosthookConfig, Signatures } from "posthook-effect"
 *
 * const SignaturesLive = Signatures.layerPosthookConfig.pipe(
 *   Layer.provide(PosthookConfig.layer({ apiKey: "pk_...", signingKey: "ph_sk_..." }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPosthookConfig: Layer.Layer<Signatures, never, PosthookConfig.PosthookConfig> = Layer.effect(
  Signatures,
  Effect.map(PosthookConfig.PosthookConfig, (config) => fromKeys(config.signingKeys))
)

/**
 * Options for {@link sign}.
 *
 * @example
 * ```ts
 * import { Signatures } from "posthook-effect"
 *
 * const options: Signatures.SignOptions = { signingKey: "ph_sk_test", timestamp: 1767225600, hookId: "hook-1" }
 * const headers = Signatures.sign("{}", options)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface SignOptions {
  /** Each key adds one `v1,…` entry to `Posthook-Signature`. */
  readonly signingKey: SigningKeys
  /** Unix seconds, sent as `Posthook-Timestamp`. */
  readonly timestamp: number
  /** Sent as `Posthook-Id` when given. */
  readonly hookId?: string | undefined
  /** Sent as `Posthook-Ack-URL` / `Posthook-Nack-URL` (give both, as Posthook does). */
  readonly ackUrl?: string | undefined
  readonly nackUrl?: string | undefined
}

/**
 * The headers Posthook would send with `body` (for tests and tools):
 * `Content-Type`, `Posthook-Timestamp`, `Posthook-Signature` and, when given,
 * `Posthook-Id` and the callback URLs. Uses the same signer as the local
 * Posthook server.
 *
 * @example
 * ```ts
 * import { Signatures } from "posthook-effect"
 *
 * const body = JSON.stringify({ id: "hook-1", path: "/webhooks/x", data: {}, postAt: "2026-01-01T00:00:00Z", createdAt: "2026-01-01T00:00:00Z" })
 * const headers = Signatures.sign(body, { signingKey: "ph_sk_test", timestamp: 1767225600, hookId: "hook-1" })
 * // headers["Posthook-Signature"] === "v1,<hex>"
 * ```
 *
 * @since 0.1.0
 * @category signing
 */
export const sign = (body: Body, options: SignOptions): Record<string, string> => {
  const bytes = internal.rawBytes(body)
  if (bytes === undefined) throw new TypeError(internal.notRawBytesMessage(body))
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "Posthook-Timestamp": String(options.timestamp),
    "Posthook-Signature": signatureHeader(toKeys(options.signingKey).map(Redacted.value), options.timestamp, bytes)
  }
  if (options.hookId !== undefined) headers["Posthook-Id"] = options.hookId
  if (options.ackUrl !== undefined) headers["Posthook-Ack-URL"] = options.ackUrl
  if (options.nackUrl !== undefined) headers["Posthook-Nack-URL"] = options.nackUrl
  return headers
}

/**
 * The fields of a test delivery for {@link signDelivery}; everything but
 * `path` has a default.
 *
 * @example
 * ```ts
 * import { Signatures } from "posthook-effect"
 *
 * const delivery: Signatures.TestDelivery = { path: "/webhooks/user-created", data: { userId: "123" } }
 * const request = Signatures.signDelivery(delivery, { signingKey: "ph_sk_test" })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface TestDelivery {
  readonly path: string
  readonly data?: unknown
  /** Defaults to a random UUID. */
  readonly id?: string | undefined
  /** Default to the current time (from `Clock`). */
  readonly postAt?: DateTime.DateTime | undefined
  readonly createdAt?: DateTime.DateTime | undefined
}

/**
 * A signed request as Posthook would send it.
 *
 * @example
 * ```ts
 * import type { Signatures } from "posthook-effect"
 *
 * const toRequest = (signed: Signatures.SignedRequest): Request =>
 *   new Request("http://localhost:3000/webhooks", { method: "POST", body: signed.body, headers: signed.headers })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface SignedRequest {
  /** The JSON body. */
  readonly body: string
  readonly headers: Record<string, string>
}

/**
 * Builds and signs a delivery body, timestamped from Effect's `Clock` (so
 * `TestClock` controls it): a ready-made request to unit-test a handler.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Signatures } from "posthook-effect"
 *
 * const program = Effect.gen(function* () {
 *   const request = yield* Signatures.signDelivery(
 *     { path: "/webhooks/user-created", data: { userId: "123" } },
 *     { signingKey: "ph_sk_test" }
 *   )
 *   const signatures = yield* Signatures.make({ signingKey: "ph_sk_test" })
 *   const delivery = yield* signatures.parseDelivery(request.body, request.headers)
 * })
 * ```
 *
 * @since 0.1.0
 * @category signing
 */
export const signDelivery = (
  delivery: TestDelivery,
  options: Omit<SignOptions, "timestamp" | "hookId"> & { readonly timestamp?: number | undefined }
): Effect.Effect<SignedRequest> =>
  Effect.gen(function*() {
    const now = yield* DateTime.now
    const timestamp = options.timestamp ?? Math.floor(DateTime.toEpochMillis(now) / 1000)
    const id = delivery.id ?? (yield* Effect.sync(() => crypto.randomUUID()))
    const body = JSON.stringify({
      id,
      path: delivery.path,
      postAt: DateTime.formatIso(delivery.postAt ?? now),
      postedAt: DateTime.formatIso(DateTime.makeUnsafe(timestamp * 1000)),
      data: delivery.data ?? null,
      createdAt: DateTime.formatIso(delivery.createdAt ?? now),
      updatedAt: DateTime.formatIso(now)
    })
    return { body, headers: sign(body, { ...options, timestamp, hookId: id }) }
  })
