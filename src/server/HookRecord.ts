/**
 * What the local server stores: a hook with its full delivery state, and one
 * record per delivery attempt (the exact request sent, the answer, the
 * outcome). These are what the inspection API, the CLI and the dashboard
 * read; {@link toWire} turns a record into the REST `Hook` JSON.
 *
 * Times are epoch milliseconds; `data` is kept as the JSON text that is
 * delivered.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Hook from "../Hook.js"
import { formatInstant } from "./TimeZone.js"

/**
 * How an attempt travelled: an HTTP POST to the target origin, a frame to a
 * WebSocket listener, or nowhere (no listener and no target configured).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { HookRecord } from "posthook-effect/server"
 *
 * const transport: HookRecord.Transport = Schema.decodeUnknownSync(HookRecord.Transport)("websocket")
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const Transport = Schema.Literals(["http", "websocket", "none"])

/**
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { HookRecord } from "posthook-effect/server"
 *
 * const transport: HookRecord.Transport = Schema.decodeUnknownSync(HookRecord.Transport)("websocket")
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Transport = typeof Transport.Type

/**
 * Where an in-flight attempt stands: being sent (HTTP request open), waiting
 * for a WebSocket `ack`/`accept`/`nack` (ack window), or accepted and waiting
 * for an ack/nack callback (async deadline).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { HookRecord } from "posthook-effect/server"
 *
 * const isWaitingForCallback = Schema.is(Schema.Literal("awaiting_callback"))
 * console.log(isWaitingForCallback(Schema.decodeUnknownSync(HookRecord.InFlightPhase)("awaiting_callback"))) // true
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const InFlightPhase = Schema.Literals(["sending", "awaiting_ack", "awaiting_callback"])

/**
 * The attempt currently in flight.
 *
 * @example
 * ```ts
 * import type { HookRecord } from "posthook-effect/server"
 *
 * const describe = (inFlight: HookRecord.InFlight) => `attempt ${inFlight.attempt} ${inFlight.phase} via ${inFlight.transport}`
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const InFlight = Schema.Struct({
  attempt: Schema.Number,
  transport: Transport,
  phase: InFlightPhase,
  startedAt: Schema.Number,
  deadlineAt: Schema.NullOr(Schema.Number),
  connectionId: Schema.NullOr(Schema.String)
})

/**
 *
 * @example
 * ```ts
 * import type { HookRecord } from "posthook-effect/server"
 *
 * const describe = (inFlight: HookRecord.InFlight) => `attempt ${inFlight.attempt} ${inFlight.phase} via ${inFlight.transport}`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface InFlight extends Schema.Schema.Type<typeof InFlight> {}

/**
 * A stored hook.
 *
 * - `attempts`: attempts made so far, over every delivery cycle.
 * - `cycleStart`: attempts made before the current cycle (a bulk retry or
 *   replay starts a new cycle with a fresh retry budget).
 * - `nextAttemptAt`: when the next attempt is due (`pending`/`retry` hooks
 *   not in flight), else `null`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LocalPosthook } from "posthook-effect/server"
 *
 * const failedIds = Effect.gen(function* () {
 *   const local = yield* LocalPosthook.LocalPosthook
 *   const hooks = yield* local.hooks({ status: "failed" })
 *   return hooks.map((hook) => `${hook.id}: ${hook.failureError}`)
 * })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const HookRecord = Schema.Struct({
  id: Schema.String,
  path: Schema.String,
  data: Schema.String,
  postAt: Schema.Number,
  status: Hook.HookStatus,
  attempts: Schema.Number,
  cycleStart: Schema.Number,
  nextAttemptAt: Schema.NullOr(Schema.Number),
  inFlight: Schema.NullOr(InFlight),
  failureError: Schema.NullOr(Schema.String),
  retryOverride: Schema.NullOr(Hook.RetryOverride),
  postDurationSeconds: Schema.Number,
  createdAt: Schema.Number,
  updatedAt: Schema.Number
})

/**
 *
 * @example
 * ```ts
 * import type { HookRecord } from "posthook-effect/server"
 *
 * const isDue = (hook: HookRecord.HookRecord, now: number) => hook.nextAttemptAt !== null && hook.nextAttemptAt <= now
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface HookRecord extends Schema.Schema.Type<typeof HookRecord> {}

/**
 * How an attempt ended:
 *
 * | outcome | meaning |
 * |---|---|
 * | `in_flight` | still open |
 * | `accepted` | async: 202 / `accept`, waiting for a callback |
 * | `completed` | 2xx, `ack`, or an ack callback |
 * | `failed` | non-2xx, connection error, no target, listener gone |
 * | `nacked` | `nack` frame or nack callback |
 * | `timed_out` | no answer in 10 s, ack window or async deadline passed |
 * | `interrupted` | the server stopped while it was in flight |
 * | `cancelled` | the hook was deleted or cancelled while it was in flight |
 *
 * @example
 * ```ts
 * import type { HookRecord } from "posthook-effect/server"
 *
 * const final = (outcome: HookRecord.AttemptOutcome) => outcome !== "in_flight" && outcome !== "accepted"
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const AttemptOutcome = Schema.Literals([
  "in_flight",
  "accepted",
  "completed",
  "failed",
  "nacked",
  "timed_out",
  "interrupted",
  "cancelled"
])

/**
 *
 * @example
 * ```ts
 * import type { HookRecord } from "posthook-effect/server"
 *
 * const final = (outcome: HookRecord.AttemptOutcome) => outcome !== "in_flight" && outcome !== "accepted"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type AttemptOutcome = typeof AttemptOutcome.Type

const HeaderMap = Schema.Record(Schema.String, Schema.String)

/**
 * The request of an attempt, exactly as sent: for HTTP the URL, headers and
 * body; for WebSocket the connection and the `hook` frame (as `body`).
 *
 * @example
 * ```ts
 * import type { HookRecord } from "posthook-effect/server"
 *
 * const curl = (request: HookRecord.AttemptRequest) =>
 *   `curl -X POST ${request.url} ${Object.entries(request.headers).map(([k, v]) => `-H '${k}: ${v}'`).join(" ")} -d '${request.body}'`
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const AttemptRequest = Schema.Struct({
  url: Schema.NullOr(Schema.String),
  connectionId: Schema.NullOr(Schema.String),
  headers: HeaderMap,
  body: Schema.String
})

/**
 *
 * @example
 * ```ts
 * import type { HookRecord } from "posthook-effect/server"
 *
 * const curl = (request: HookRecord.AttemptRequest) =>
 *   `curl -X POST ${request.url} ${Object.entries(request.headers).map(([k, v]) => `-H '${k}: ${v}'`).join(" ")} -d '${request.body}'`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface AttemptRequest extends Schema.Schema.Type<typeof AttemptRequest> {}

/**
 * The answer to an HTTP attempt (the body is cut at 4 KB).
 *
 * @example
 * ```ts
 * import type { HookRecord } from "posthook-effect/server"
 *
 * const ok = (response: HookRecord.AttemptResponse) => response.status >= 200 && response.status < 300
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const AttemptResponse = Schema.Struct({
  status: Schema.Number,
  headers: HeaderMap,
  body: Schema.String
})

/**
 *
 * @example
 * ```ts
 * import type { HookRecord } from "posthook-effect/server"
 *
 * const ok = (response: HookRecord.AttemptResponse) => response.status >= 200 && response.status < 300
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface AttemptResponse extends Schema.Schema.Type<typeof AttemptResponse> {}

/**
 * One delivery attempt of a hook, for inspection.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LocalPosthook } from "posthook-effect/server"
 *
 * const lastStatus = (hookId: string) =>
 *   Effect.gen(function* () {
 *     const local = yield* LocalPosthook.LocalPosthook
 *     const attempts = yield* local.attempts(hookId)
 *     return attempts.at(-1)?.response?.status
 *   })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const AttemptRecord = Schema.Struct({
  hookId: Schema.String,
  attempt: Schema.Number,
  transport: Transport,
  startedAt: Schema.Number,
  finishedAt: Schema.NullOr(Schema.Number),
  durationMs: Schema.NullOr(Schema.Number),
  outcome: AttemptOutcome,
  error: Schema.NullOr(Schema.String),
  request: AttemptRequest,
  response: Schema.NullOr(AttemptResponse)
})

/**
 *
 * @example
 * ```ts
 * import type { HookRecord } from "posthook-effect/server"
 *
 * const line = (attempt: HookRecord.AttemptRecord) =>
 *   `#${attempt.attempt} ${attempt.transport} ${attempt.outcome} ${attempt.response?.status ?? ""}`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface AttemptRecord extends Schema.Schema.Type<typeof AttemptRecord> {}

/**
 * The REST representation of a stored hook: exactly the `Hook` wire schema
 * of the SDK, plus the `tryAt` extension (when the next attempt is due).
 *
 * @example
 * ```ts
 * import { HookRecord } from "posthook-effect/server"
 *
 * declare const record: HookRecord.HookRecord
 * const json = JSON.stringify({ data: HookRecord.toWire(record) })
 * ```
 *
 * @since 0.1.0
 * @category conversions
 */
export const toWire = (
  record: HookRecord
): typeof Hook.Hook.Encoded & { readonly tryAt?: string } => ({
  id: record.id,
  path: record.path,
  data: parseData(record.data),
  postAt: formatInstant(record.postAt),
  status: record.status,
  postDurationSeconds: record.postDurationSeconds,
  attempts: record.attempts,
  ...(record.failureError === null ? {} : { failureError: record.failureError }),
  ...(record.retryOverride === null ? {} : { retryOverride: record.retryOverride }),
  createdAt: formatInstant(record.createdAt),
  updatedAt: formatInstant(record.updatedAt),
  ...(record.nextAttemptAt === null ? {} : { tryAt: formatInstant(record.nextAttemptAt) })
})

/**
 * The stored data as a JSON value. The text was produced by `JSON.stringify`
 * on the way in, so it always parses.
 *
 * @example
 * ```ts
 * import { HookRecord } from "posthook-effect/server"
 *
 * console.log(HookRecord.parseData('{"userId":"123"}')) // { userId: "123" }
 * ```
 *
 * @since 0.1.0
 * @category conversions
 */
export const parseData = (text: string): unknown => JSON.parse(text)
