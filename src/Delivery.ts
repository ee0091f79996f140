/**
 * A delivered hook, as seen by a handler — the same shape whether it arrived
 * as a signed HTTP request or over the WebSocket — and the `Result` a handler
 * answers with.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as HttpClient from "effect/http/HttpClient"
import type * as PosthookError from "./PosthookError.js"

/**
 * The outcome of an async callback (docs/protocol.md §3). `applied` is `true` when
 * this call changed the hook's state; `status` is the server's word for the
 * state (`completed`, `nacked`, `not_found`, `conflict`, …).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Delivery } from "posthook-effect"
 *
 * const report = (result: Delivery.CallbackResult) =>
 *   Effect.log(result.applied ? "hook updated" : `nothing to do: ${result.status}`)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface CallbackResult {
  readonly applied: boolean
  readonly status: string
}

/**
 * What `forward=true` WebSocket deliveries carry to replay the delivery as
 * the signed HTTP POST the endpoint would have received (docs/protocol.md §4).
 *
 * @example
 * ```ts
 * import type { Delivery } from "posthook-effect"
 *
 * // The exact body the endpoint would have received, when the listener asked for it.
 * const forwardedBody = (delivery: Delivery.Delivery): string | undefined => delivery.ws?.forwardRequest?.body
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ForwardRequest {
  readonly body: string
  readonly signature: string
  readonly authorization?: string
  readonly posthookId?: string
  readonly posthookTimestamp?: number
  readonly posthookSignature?: string
}

/**
 * Metadata present on deliveries received over the WebSocket.
 *
 * @example
 * ```ts
 * import type { Delivery } from "posthook-effect"
 *
 * const isLastAttempt = (delivery: Delivery.Delivery): boolean =>
 *   delivery.ws !== undefined && delivery.ws.attempt === delivery.ws.maxAttempts
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface WebSocketMeta {
  /** 1-based attempt number. */
  readonly attempt: number
  readonly maxAttempts: number
  readonly forwardRequest?: ForwardRequest
}

/**
 * One delivery attempt of a hook.
 *
 * `ackUrl` / `nackUrl` are present only when the project has async hooks
 * enabled (both or neither); `ack` / `nack` post to them and fail with a
 * `CallbackError` when they are absent. `ws` is present only on WebSocket
 * deliveries.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Delivery } from "posthook-effect"
 *
 * const handler = (delivery: Delivery.Delivery) =>
 *   Effect.gen(function* () {
 *     yield* Effect.log(`hook ${delivery.hookId} for ${delivery.path}`)
 *     return Delivery.Result.ack()
 *   })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Delivery<Data = unknown> {
  readonly hookId: string
  /** Unix seconds at which this attempt was sent (`Posthook-Timestamp`). */
  readonly timestamp: number
  readonly path: string
  readonly data: Data
  readonly postAt: DateTime.Utc
  readonly postedAt: DateTime.Utc
  readonly createdAt: DateTime.Utc
  readonly updatedAt: DateTime.Utc
  /** The raw body bytes, exactly as received. */
  readonly body: Uint8Array
  readonly ackUrl?: string
  readonly nackUrl?: string
  readonly ws?: WebSocketMeta
  /** POST to `ackUrl` (async hooks). */
  readonly ack: (body?: unknown) => Effect.Effect<CallbackResult, PosthookError.CallbackError, HttpClient.HttpClient>
  /** POST to `nackUrl` (async hooks). */
  readonly nack: (body?: unknown) => Effect.Effect<CallbackResult, PosthookError.CallbackError, HttpClient.HttpClient>
}

/**
 * A timeout for {@link Result.accept}: a `Duration` or a string such as
 * `"2 minutes"`. Plain numbers are not accepted on purpose: Effect reads them
 * as milliseconds while the wire speaks seconds.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { Delivery } from "posthook-effect"
 *
 * const timeout: Delivery.AcceptTimeout = "2 minutes"
 * const later = Delivery.Result.accept(timeout)
 * const sameAsLater = Delivery.Result.accept(Duration.minutes(2))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type AcceptTimeout = Exclude<Duration.Input, number | bigint>

/**
 * A handler's answer to a delivery:
 *
 * | constructor | meaning | HTTP | WebSocket |
 * |---|---|---|---|
 * | `Result.ack()` | done; the hook is completed | 200 | `ack` |
 * | `Result.nack(error?)` | failed; Posthook retries per policy | 500 | `nack` |
 * | `Result.accept(timeout)` | async: call back via ack/nack URL before `timeout` | 202 | `accept` |
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { Delivery } from "posthook-effect"
 *
 * const describe = (result: Delivery.Result): string =>
 *   Delivery.Result.$match(result, {
 *     Ack: () => "ack",
 *     Nack: ({ error }) => `nack: ${error ?? "no reason given"}`,
 *     Accept: ({ timeout }) => `accept for ${Duration.format(timeout)}`
 *   })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Result = Data.TaggedEnum<{
  Ack: {}
  Nack: { readonly error: string | undefined }
  Accept: { readonly timeout: Duration.Duration }
}>

const ResultEnum = Data.taggedEnum<Result>()

/**
 * Constructors and matchers for {@link Result}.
 *
 * @example
 * ```ts
 * import { Delivery } from "posthook-effect"
 *
 * const done = Delivery.Result.ack()
 * const failed = Delivery.Result.nack("processing failed")
 * const later = Delivery.Result.accept("2 minutes")
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const Result = {
  ack: (): Result => ResultEnum.Ack(),
  nack: (error?: string): Result => ResultEnum.Nack({ error }),
  accept: (timeout: AcceptTimeout): Result => ResultEnum.Accept({ timeout: Duration.fromInputUnsafe(timeout) }),
  $is: ResultEnum.$is,
  $match: ResultEnum.$match
} as const

/**
 * Whole seconds to put on the wire for an accept timeout (at least 1).
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { Delivery } from "posthook-effect"
 *
 * console.log(Delivery.acceptSeconds(Duration.millis(1500))) // 2
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const acceptSeconds = (timeout: Duration.Duration): number =>
  Math.max(1, Math.ceil(Duration.toMillis(timeout) / 1000))
