/**
 * The tagged errors of the Posthook error table (docs/protocol.md §1), plus the SDK's
 * own validation and decoding errors.
 *
 * Every error is a `Data.TaggedError` whose `_tag` is its class name, so
 * `Effect.catchTag("RateLimitError", …)` works, and every error carries a
 * stable `code` string. API errors also carry the HTTP `status`, the server's
 * `message` and the response `headers`.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import type * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import { errorKindOf } from "./protocol/errors.js"

/**
 * A symbol present on every Posthook error, used by {@link isPosthookError}.
 *
 * @example
 * ```ts
 * import { PosthookError } from "posthook-effect"
 *
 * const error = new PosthookError.ValidationError({ field: "path", message: "bad path" })
 * console.log(PosthookError.TypeId in error) // true
 * ```
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("posthook-effect/PosthookError")

/**
 * The type of {@link TypeId}.
 *
 * @example
 * ```ts
 * import { PosthookError } from "posthook-effect"
 *
 * const id: PosthookError.TypeId = PosthookError.TypeId
 * ```
 *
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * The fields shared by every error that came from an HTTP answer of the API.
 *
 * @example
 * ```ts
 * import type { PosthookError } from "posthook-effect"
 *
 * const requestId = (error: PosthookError.ApiErrorFields) => error.headers["x-request-id"]
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiErrorFields {
  /** The HTTP status code of the response. */
  readonly status: number
  /** The server's `error` message, or `HTTP <status>` when the body had none. */
  readonly message: string
  /** The response headers (lower-case names). */
  readonly headers: Readonly<Record<string, string>>
}

/**
 * The server rejected the request as malformed (HTTP 400).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Hooks, PosthookError } from "posthook-effect"
 *
 * const program = Effect.flatMap(Hooks.Hooks, (hooks) => hooks.get("not-a-uuid")).pipe(
 *   Effect.catchTag("BadRequestError", (error: PosthookError.BadRequestError) =>
 *     Effect.logWarning(`rejected: ${error.message}`)
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequestError extends Data.TaggedError("BadRequestError")<ApiErrorFields> {
  readonly [TypeId]: TypeId = TypeId
  readonly code = "bad_request" as const
}

/**
 * The API key is missing or wrong (HTTP 401).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Hooks } from "posthook-effect"
 *
 * const program = Effect.flatMap(Hooks.Hooks, (hooks) => hooks.list()).pipe(
 *   Effect.catchTag("AuthenticationError", () => Effect.die("check POSTHOOK_API_KEY"))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthenticationError extends Data.TaggedError("AuthenticationError")<ApiErrorFields> {
  readonly [TypeId]: TypeId = TypeId
  readonly code = "authentication_error" as const
}

/**
 * The API key is valid but not allowed to do this (HTTP 403).
 *
 * @example
 * ```ts
 * import { PosthookError } from "posthook-effect"
 *
 * const error = new PosthookError.ForbiddenError({ status: 403, message: "forbidden", headers: {} })
 * console.log(error.code) // "forbidden"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ForbiddenError extends Data.TaggedError("ForbiddenError")<ApiErrorFields> {
  readonly [TypeId]: TypeId = TypeId
  readonly code = "forbidden" as const
}

/**
 * The hook (or route) does not exist (HTTP 404).
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { Hooks } from "posthook-effect"
 *
 * const findHook = (id: string) =>
 *   Effect.flatMap(Hooks.Hooks, (hooks) => hooks.get(id)).pipe(
 *     Effect.map(Option.some),
 *     Effect.catchTag("NotFoundError", () => Effect.succeed(Option.none()))
 *   )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFoundError extends Data.TaggedError("NotFoundError")<ApiErrorFields> {
  readonly [TypeId]: TypeId = TypeId
  readonly code = "not_found" as const
}

/**
 * The request body was too large (HTTP 413); hook data is limited to 64 KB.
 *
 * @example
 * ```ts
 * import { PosthookError } from "posthook-effect"
 *
 * const error = new PosthookError.PayloadTooLargeError({ status: 413, message: "too large", headers: {} })
 * console.log(error.code) // "payload_too_large"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class PayloadTooLargeError extends Data.TaggedError("PayloadTooLargeError")<ApiErrorFields> {
  readonly [TypeId]: TypeId = TypeId
  readonly code = "payload_too_large" as const
}

/**
 * Too many requests, or the plan's monthly hook quota is spent (HTTP 429).
 * `retryAfter` is the parsed `Retry-After` header, when the server sent one.
 *
 * @example
 * ```ts
 * import { Duration, Effect, Option } from "effect"
 * import { Hooks } from "posthook-effect"
 *
 * const program = Effect.flatMap(Hooks.Hooks, (hooks) => hooks.list()).pipe(
 *   Effect.catchTag("RateLimitError", (error) =>
 *     Effect.logWarning(
 *       `rate limited, retry in ${Option.match(error.retryAfter, {
 *         onNone: () => "a while",
 *         onSome: Duration.format
 *       })}`
 *     )
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimitError extends Data.TaggedError("RateLimitError")<
  ApiErrorFields & { readonly retryAfter: Option.Option<Duration.Duration> }
> {
  readonly [TypeId]: TypeId = TypeId
  readonly code = "rate_limit_exceeded" as const
}

/**
 * The server failed (any HTTP 5xx, including a proxy's HTML 502).
 *
 * @example
 * ```ts
 * import { PosthookError } from "posthook-effect"
 *
 * const error = new PosthookError.InternalServerError({ status: 502, message: "HTTP 502", headers: {} })
 * console.log(error.code) // "internal_error"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class InternalServerError extends Data.TaggedError("InternalServerError")<ApiErrorFields> {
  readonly [TypeId]: TypeId = TypeId
  readonly code = "internal_error" as const
}

/**
 * Any other HTTP status ≥ 400 that the error table does not name.
 *
 * @example
 * ```ts
 * import { PosthookError } from "posthook-effect"
 *
 * const error = new PosthookError.PosthookApiError({ status: 418, message: "HTTP 418", headers: {} })
 * console.log(error.code) // "unknown_error"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class PosthookApiError extends Data.TaggedError("PosthookApiError")<ApiErrorFields> {
  readonly [TypeId]: TypeId = TypeId
  readonly code = "unknown_error" as const
}

/**
 * Why a request got no response.
 *
 * @example
 * ```ts
 * import type { PosthookError } from "posthook-effect"
 *
 * const worthRetrying = (reason: PosthookError.ConnectionFailure) => reason !== "InvalidUrl"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ConnectionFailure = "Timeout" | "Refused" | "Reset" | "DNS" | "InvalidUrl" | "Transport"

/**
 * No response arrived: connection refused or reset, DNS failure, timeout, or
 * an invalid URL. `reason` says which; `message` says it in words.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Hooks } from "posthook-effect"
 *
 * const program = Effect.flatMap(Hooks.Hooks, (hooks) => hooks.list()).pipe(
 *   Effect.catchTag("PosthookConnectionError", (error) =>
 *     Effect.logWarning(`Posthook unreachable (${error.reason}): ${error.message}`)
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class PosthookConnectionError extends Data.TaggedError("PosthookConnectionError")<{
  readonly reason: ConnectionFailure
  readonly message: string
  readonly cause?: unknown
}> {
  readonly [TypeId]: TypeId = TypeId
  readonly code = "connection_error" as const
}

/**
 * The server answered with a success status but a body the SDK could not
 * read: not JSON, truncated, no `data` envelope, or fields of the wrong type.
 * `message` says what was wrong.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Hooks } from "posthook-effect"
 *
 * const program = Effect.flatMap(Hooks.Hooks, (hooks) => hooks.list()).pipe(
 *   Effect.catchTag("ResponseDecodeError", (error) => Effect.logError(error.message))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseDecodeError extends Data.TaggedError("ResponseDecodeError")<ApiErrorFields> {
  readonly [TypeId]: TypeId = TypeId
  readonly code = "decode_error" as const
}

/**
 * Parameters were refused by the SDK before anything was sent (no scheduling
 * mode, two modes, a bad duration, out-of-range retry values, …). `field`
 * names the parameter at fault.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Hooks } from "posthook-effect"
 *
 * const program = Effect.flatMap(Hooks.Hooks, (hooks) =>
 *   hooks.schedule({ path: "/webhooks/x", postIn: "5 minutes" })
 * ).pipe(Effect.catchTag("ValidationError", (error) => Effect.logError(`${error.field}: ${error.message}`)))
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ValidationError extends Data.TaggedError("ValidationError")<{
  readonly field: string
  readonly message: string
}> {
  readonly [TypeId]: TypeId = TypeId
  readonly code = "validation_error" as const
}

/**
 * Why a delivery failed verification.
 *
 * @example
 * ```ts
 * import type { PosthookError } from "posthook-effect"
 *
 * const isClockSkew = (reason: PosthookError.SignatureFailure) =>
 *   reason === "TimestampTooOld" || reason === "TimestampTooNew"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type SignatureFailure =
  | "MissingHeader"
  | "InvalidTimestamp"
  | "TimestampTooOld"
  | "TimestampTooNew"
  | "NoMatchingSignature"
  | "InvalidBody"
  | "NoSigningKey"

/**
 * A delivery could not be verified. `reason` says which check failed and
 * `message` says it in words (never containing the key).
 *
 * @example
 * ```ts
 * import { PosthookError } from "posthook-effect"
 *
 * const error = new PosthookError.SignatureVerificationError({
 *   reason: "MissingHeader",
 *   message: "missing Posthook-Signature header"
 * })
 * console.log(error.code) // "signature_verification_error"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class SignatureVerificationError extends Data.TaggedError("SignatureVerificationError")<{
  readonly reason: SignatureFailure
  readonly message: string
}> {
  readonly [TypeId]: TypeId = TypeId
  readonly code = "signature_verification_error" as const
}

/**
 * A verified delivery's `data` did not match the schema the handler asked
 * for. The request was authentic; its payload was not what was expected.
 *
 * @example
 * ```ts
 * import { PosthookError } from "posthook-effect"
 *
 * const error = new PosthookError.DeliveryDataError({ hookId: "id", message: "Expected string" })
 * console.log(error.code) // "delivery_data_error"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class DeliveryDataError extends Data.TaggedError("DeliveryDataError")<{
  readonly hookId: string
  readonly message: string
}> {
  readonly [TypeId]: TypeId = TypeId
  readonly code = "delivery_data_error" as const
}

/**
 * An async ack/nack callback failed: bad token (401), expired (410), any other
 * failure status, or no response (`status` is `undefined` then).
 *
 * @example
 * ```ts
 * import { PosthookError } from "posthook-effect"
 *
 * const error = new PosthookError.CallbackError({ status: 410, message: "expired" })
 * console.log(error.code) // "callback_error"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class CallbackError extends Data.TaggedError("CallbackError")<{
  readonly status: number | undefined
  readonly message: string
}> {
  readonly [TypeId]: TypeId = TypeId
  readonly code = "callback_error" as const
}

/**
 * The WebSocket connection failed for good (e.g. close code 4001 or 4003), or
 * a frame could not be sent. `closeCode` is the close code when there was one.
 *
 * @example
 * ```ts
 * import { PosthookError } from "posthook-effect"
 *
 * const error = new PosthookError.WebSocketError({ message: "authentication failed", closeCode: 4001 })
 * console.log(error.code) // "websocket_error"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class WebSocketError extends Data.TaggedError("WebSocketError")<{
  readonly message: string
  readonly closeCode?: number
  readonly cause?: unknown
}> {
  readonly [TypeId]: TypeId = TypeId
  readonly code = "websocket_error" as const
}

/**
 * The errors that come from an HTTP answer of the Posthook API.
 *
 * @example
 * ```ts
 * import type { PosthookError } from "posthook-effect"
 *
 * const statusOf = (error: PosthookError.ApiError): number => error.status
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ApiError =
  | BadRequestError
  | AuthenticationError
  | ForbiddenError
  | NotFoundError
  | PayloadTooLargeError
  | RateLimitError
  | InternalServerError
  | PosthookApiError

/**
 * What a REST call of the SDK can fail with.
 *
 * @example
 * ```ts
 * import type { PosthookError } from "posthook-effect"
 *
 * const isTransient = (error: PosthookError.RequestError): boolean =>
 *   error._tag === "PosthookConnectionError" || error._tag === "RateLimitError" || error._tag === "InternalServerError"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type RequestError = ApiError | PosthookConnectionError | ResponseDecodeError

/**
 * Every error this package defines.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Hooks, PosthookError } from "posthook-effect"
 *
 * const program = Effect.flatMap(Hooks.Hooks, (hooks) => hooks.list()).pipe(
 *   Effect.catch((error: PosthookError.PosthookError) => Effect.logError(`${error.code}: ${error.message}`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type PosthookError =
  | RequestError
  | ValidationError
  | SignatureVerificationError
  | DeliveryDataError
  | CallbackError
  | WebSocketError

/**
 * Whether a value is one of this package's errors.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { PosthookError } from "posthook-effect"
 *
 * // Logs this package's errors; any other failure passes through.
 * const recover = <A, R>(self: Effect.Effect<A, unknown, R>) =>
 *   Effect.catchIf(self, PosthookError.isPosthookError, (error) => Effect.logError(error.code))
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isPosthookError = (u: unknown): u is PosthookError => Predicate.hasProperty(u, TypeId)

/**
 * Builds the error for an HTTP error status, following the error table.
 *
 * @example
 * ```ts
 * import { Option } from "effect"
 * import { PosthookError } from "posthook-effect"
 *
 * const error = PosthookError.fromStatus(404, "hook not found", {}, Option.none())
 * console.log(error._tag) // "NotFoundError"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromStatus = (
  status: number,
  message: string,
  headers: Readonly<Record<string, string>>,
  retryAfter: Option.Option<Duration.Duration>
): ApiError => {
  const fields = { status, message, headers }
  switch (errorKindOf(status).tag) {
    case "BadRequestError":
      return new BadRequestError(fields)
    case "AuthenticationError":
      return new AuthenticationError(fields)
    case "ForbiddenError":
      return new ForbiddenError(fields)
    case "NotFoundError":
      return new NotFoundError(fields)
    case "PayloadTooLargeError":
      return new PayloadTooLargeError(fields)
    case "RateLimitError":
      return new RateLimitError({ ...fields, retryAfter })
    case "InternalServerError":
      return new InternalServerError(fields)
    case "PosthookApiError":
      return new PosthookApiError(fields)
  }
}
