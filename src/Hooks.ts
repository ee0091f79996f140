/**
 * The `Hooks` service: schedule, read, list, page through, delete and bulk
 * retry / replay / cancel hooks over the Posthook REST API.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import type { Delivery, Result } from "./Delivery.js"
import * as Hook from "./Hook.js"
import { fastArray, fastDecoderOf, registerFastDecoder } from "./internal/hookDecode.js"
import * as Pagination from "./internal/pagination.js"
import * as Transport from "./internal/transport.js"
import { LastUtc } from "./internal/utc.js"
import * as Listener from "./Listener.js"
import * as PosthookConfig from "./PosthookConfig.js"
import * as PosthookError from "./PosthookError.js"
import type * as Calendar from "./protocol/calendar.js"
import * as ScheduleRules from "./protocol/schedule.js"

/**
 * Options every method takes as its last argument: a `timeout` and a `retry`
 * policy for this one call.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Hooks } from "posthook-effect"
 *
 * const options: Hooks.CallOptions = { timeout: "5 seconds", retry: false }
 * const program = Effect.flatMap(Hooks.Hooks, (hooks) => hooks.get("hook-uuid", options))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type CallOptions = PosthookConfig.CallOptions

/**
 * What the methods of {@link Service} can fail with: a `ValidationError`
 * (refused before sending anything) or one of the request errors.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Hooks } from "posthook-effect"
 *
 * const describe = (error: Hooks.HooksError): string =>
 *   error._tag === "ValidationError" ? `bad ${error.field}` : error.code
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type HooksError = PosthookError.ValidationError | PosthookError.RequestError

/**
 * An absolute time: a `Date`, an Effect `DateTime`, or an RFC 3339 string.
 * Sent in UTC (`…Z`); a UTC string is sent exactly as given.
 *
 * @example
 * ```ts
 * import { DateTime } from "effect"
 * import type { Hooks } from "posthook-effect"
 *
 * const times: ReadonlyArray<Hooks.TimeInput> = [
 *   new Date(),
 *   DateTime.makeUnsafe("2026-06-15T10:00:00Z"),
 *   "2026-06-15T12:00:00+02:00"
 * ]
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type TimeInput = Calendar.TimeInput

/**
 * A relative delay: a Posthook duration string (`"30s"`, `"5m"`, `"1h30m"`,
 * `"1d12h"`) or an Effect `Duration` of whole seconds; 1 second to 365 days.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import type { Hooks } from "posthook-effect"
 *
 * const soon: Hooks.PostIn = "5m"
 * const later: Hooks.PostIn = Duration.hours(36)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type PostIn = ScheduleRules.PostInInput

/**
 * When a hook is delivered: exactly one of
 *
 * - `postIn`: after a delay ({@link PostIn});
 * - `postAt`: at an instant ({@link TimeInput});
 * - `postAtLocal` + `timezone`: at a wall-clock time
 *   (`"YYYY-MM-DDTHH:MM:SS"`) in an IANA zone; Posthook resolves DST.
 *
 * @example
 * ```ts
 * import type { Hooks } from "posthook-effect"
 *
 * const inFiveMinutes: Hooks.ScheduleTiming = { postIn: "5m" }
 * const atNoonUtc: Hooks.ScheduleTiming = { postAt: "2026-06-15T12:00:00Z" }
 * const atNineInNewYork: Hooks.ScheduleTiming = {
 *   postAtLocal: "2026-03-01T09:00:00",
 *   timezone: "America/New_York"
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ScheduleTiming =
  | {
    readonly postIn: PostIn
    readonly postAt?: undefined
    readonly postAtLocal?: undefined
    readonly timezone?: undefined
  }
  | {
    readonly postAt: TimeInput
    readonly postIn?: undefined
    readonly postAtLocal?: undefined
    readonly timezone?: undefined
  }
  | {
    readonly postAtLocal: string
    readonly timezone: string
    readonly postIn?: undefined
    readonly postAt?: undefined
  }

/**
 * The parameters of {@link Service.schedule}: a `path` on the project's
 * domain (starting with `/`), optional JSON `data`, the timing, and an
 * optional per-hook `retryOverride`.
 *
 * @example
 * ```ts
 * import type { Hooks } from "posthook-effect"
 *
 * const params: Hooks.ScheduleParams = {
 *   path: "/webhooks/user-created",
 *   postIn: "5m",
 *   data: { userId: "123", event: "user.created" }
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ScheduleParams<Data = unknown> =
  & {
    readonly path: string
    readonly data?: Data
    readonly retryOverride?: Hook.RetryOverride | undefined
  }
  & ScheduleTiming

/**
 * A payload schema: `data` is encoded with it before sending and hooks'
 * `data` decoded with it on the way back.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import type { Hooks } from "posthook-effect"
 *
 * const typed: Hooks.WithDataSchema<{ readonly userId: string }, { readonly userId: string }> = {
 *   dataSchema: Schema.Struct({ userId: Schema.String })
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface WithDataSchema<A, I> {
  readonly dataSchema: Schema.Codec<A, I>
}

/**
 * The filters of {@link Service.list}; all optional, unset ones are not sent.
 * `limit` is 1–1000; times are {@link TimeInput}s.
 *
 * @example
 * ```ts
 * import type { Hooks } from "posthook-effect"
 *
 * const failedRecently: Hooks.ListParams = {
 *   status: "failed",
 *   limit: 50,
 *   createdAtAfter: "2026-06-01T00:00:00Z",
 *   sortBy: "createdAt",
 *   sortOrder: "DESC"
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ListParams = ScheduleRules.ListParams

/**
 * The filters of {@link Service.listAll}. Pages are always read in `postAt`
 * order, oldest first; `postAtAfter` is where to start (exclusive) and
 * `pageSize` (1–1000, default 100) how many hooks each request asks for.
 *
 * @example
 * ```ts
 * import type { Hooks } from "posthook-effect"
 *
 * const params: Hooks.ListAllParams = { status: "failed", pageSize: 500 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ListAllParams {
  readonly status?: Hook.HookStatus | undefined
  readonly postAtBefore?: TimeInput | undefined
  readonly postAtAfter?: TimeInput | undefined
  readonly createdAtBefore?: TimeInput | undefined
  readonly createdAtAfter?: TimeInput | undefined
  readonly pageSize?: number | undefined
}

/**
 * The default `pageSize` of {@link Service.listAll}.
 *
 * @example
 * ```ts
 * import { Hooks } from "posthook-effect"
 *
 * console.log(Hooks.DEFAULT_PAGE_SIZE) // 100
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_PAGE_SIZE = 100

/**
 * Selects hooks for a bulk action by time range: `startTime` to `endTime`,
 * at most `limit` (1–1000) hooks, optionally only those of one `endpointKey`
 * (a path such as `/webhooks/deprecated`) or one `sequenceId`.
 *
 * @example
 * ```ts
 * import type { Hooks } from "posthook-effect"
 *
 * const filter: Hooks.BulkFilter = {
 *   startTime: "2026-02-01T00:00:00Z",
 *   endTime: "2026-02-22T00:00:00Z",
 *   limit: 500,
 *   endpointKey: "/webhooks/deprecated"
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface BulkFilter {
  readonly startTime: TimeInput
  readonly endTime: TimeInput
  readonly limit: number
  readonly endpointKey?: string | undefined
  readonly sequenceId?: string | undefined
}

/**
 * Bulk actions: `retry` failed hooks, `replay` completed ones, `cancel`
 * pending ones, by ids (1–1000) or by {@link BulkFilter}. Each returns how
 * many hooks were affected. They are POSTs, so they are not retried unless
 * the retry policy says `retryWrites: true`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Hooks } from "posthook-effect"
 *
 * const program = Effect.gen(function* () {
 *   const hooks = yield* Hooks.Hooks
 *   const { affected } = yield* hooks.bulk.retry(["id-1", "id-2", "id-3"])
 *   yield* Effect.log(`Retried ${affected} hooks`)
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Bulk {
  readonly retry: (hookIds: ReadonlyArray<string>, options?: CallOptions) => Effect.Effect<Hook.BulkActionResult, HooksError>
  readonly replay: (hookIds: ReadonlyArray<string>, options?: CallOptions) => Effect.Effect<Hook.BulkActionResult, HooksError>
  readonly cancel: (hookIds: ReadonlyArray<string>, options?: CallOptions) => Effect.Effect<Hook.BulkActionResult, HooksError>
  readonly retryByFilter: (filter: BulkFilter, options?: CallOptions) => Effect.Effect<Hook.BulkActionResult, HooksError>
  readonly replayByFilter: (filter: BulkFilter, options?: CallOptions) => Effect.Effect<Hook.BulkActionResult, HooksError>
  readonly cancelByFilter: (filter: BulkFilter, options?: CallOptions) => Effect.Effect<Hook.BulkActionResult, HooksError>
}

/**
 * The operations of the {@link Hooks} service.
 *
 * Every method validates its input first (a `ValidationError`, nothing sent),
 * runs in a span named after it (`Posthook.hooks.schedule`, …), and takes
 * {@link CallOptions} last. Methods returning hooks take an optional
 * `dataSchema` to type their `data`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Hooks } from "posthook-effect"
 *
 * const program = Effect.gen(function* () {
 *   const hooks: Hooks.Service = yield* Hooks.Hooks
 *   const hook = yield* hooks.schedule({ path: "/webhooks/user-created", postIn: "5m", data: { userId: "123" } })
 *   yield* Effect.log(hook.id, hook.status)
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * `POST /v1/hooks`. Returns the hook and the quota headers' information.
   * Not retried by default (no idempotency key: a retry could schedule twice).
   */
  readonly schedule: {
    <A, I>(
      params: ScheduleParams<A> & WithDataSchema<A, I>,
      options?: CallOptions
    ): Effect.Effect<Hook.ScheduledHook<A>, HooksError>
    (params: ScheduleParams, options?: CallOptions): Effect.Effect<Hook.ScheduledHook, HooksError>
  }
  /** `GET /v1/hooks/{id}`; an unknown id fails with `NotFoundError`. */
  readonly get: {
    <A, I>(id: string, options: CallOptions & WithDataSchema<A, I>): Effect.Effect<Hook.Hook<A>, HooksError>
    (id: string, options?: CallOptions): Effect.Effect<Hook.Hook, HooksError>
  }
  /** `GET /v1/hooks` with filters: one page. */
  readonly list: {
    <A, I>(
      params: ListParams & WithDataSchema<A, I>,
      options?: CallOptions
    ): Effect.Effect<ReadonlyArray<Hook.Hook<A>>, HooksError>
    (params?: ListParams, options?: CallOptions): Effect.Effect<ReadonlyArray<Hook.Hook>, HooksError>
  }
  /**
   * Every matching hook, oldest `postAt` first, fetching a page only when the
   * consumer pulls for more. Each hook is yielded once, also when many hooks
   * share one `postAt` across a page edge.
   */
  readonly listAll: {
    <A, I>(
      params: ListAllParams & WithDataSchema<A, I>,
      options?: CallOptions
    ): Stream.Stream<Hook.Hook<A>, HooksError>
    (params?: ListAllParams, options?: CallOptions): Stream.Stream<Hook.Hook, HooksError>
  }
  /**
   * `DELETE /v1/hooks/{id}`: cancels a pending hook. Succeeds also when the
   * hook is already gone (404).
   */
  readonly delete: (id: string, options?: CallOptions) => Effect.Effect<void, HooksError>
  /** Bulk retry / replay / cancel. */
  readonly bulk: Bulk
  /**
   * Receives hooks over a WebSocket and answers each with the handler's
   * `Result` (see {@link Listener.listen}). Lives in the current `Scope`;
   * needs a `Socket.WebSocketConstructor` (`Socket.layerWebSocketConstructorGlobal`
   * from `effect/socket/Socket`, or `NodeSocket.layerWebSocketConstructor`).
   */
  readonly listen: <E, R, RO = never>(
    handler: (delivery: Delivery) => Effect.Effect<Result, E, R>,
    options?: Listener.ListenOptions<RO>
  ) => Effect.Effect<Listener.Listener, never, Scope.Scope | R | RO | Socket.WebSocketConstructor>
  /**
   * Deliveries over a WebSocket as a `Stream`, each answered by hand with
   * `ack` / `nack` / `accept` (see {@link Listener.stream}).
   */
  readonly stream: <R = never>(
    options?: Listener.StreamOptions<R>
  ) => Stream.Stream<Listener.StreamDelivery, Listener.ListenError, R | Socket.WebSocketConstructor>
}

/**
 * The `Hooks` service tag.
 *
 * @example
 * ```ts
 * import * as FetchHttpClient from "effect/http/FetchHttpClient"
 * import { Effect, Layer } from "effect"
 * import { Hooks, PosthookConfig } from "posthook-effect"
 *
 * const HooksLive = Hooks.layer.pipe(
 *   Layer.provide(PosthookConfig.layerConfig()),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 *
 * const program = Effect.gen(function* () {
 *   const hooks = yield* Hooks.Hooks
 *   return yield* hooks.get("hook-uuid")
 * }).pipe(Effect.provide(HooksLive))
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class Hooks extends Context.Service<Hooks, Service>()("posthook-effect/Hooks") {}

const QuotaCount = Schema.NumberFromString.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))

/** The `Posthook-HookQuota-*` response headers (Node lower-cases header names). */
const QuotaHeaders = Schema.Struct({
  "posthook-hookquota-limit": QuotaCount,
  "posthook-hookquota-usage": QuotaCount,
  "posthook-hookquota-remaining": QuotaCount,
  "posthook-hookquota-resets-at": Schema.DateTimeUtcFromString
})

const decodeQuotaHeaders = Schema.decodeUnknownOption(QuotaHeaders)

/**
 * Reads quota information from the `Posthook-HookQuota-*` headers of a
 * response; none when any of the four is absent or malformed.
 *
 * @example
 * ```ts
 * import { Hooks } from "posthook-effect"
 *
 * const quota = Hooks.quotaFromHeaders({
 *   "posthook-hookquota-limit": "10000",
 *   "posthook-hookquota-usage": "42",
 *   "posthook-hookquota-remaining": "9958",
 *   "posthook-hookquota-resets-at": "2026-07-01T00:00:00Z"
 * })
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const quotaFromHeaders = (headers: Readonly<Record<string, string>>): Option.Option<Hook.QuotaInfo> => {
  const fast = quotaFast(headers)
  return fast !== undefined ? Option.some(fast) : Option.map(decodeQuotaHeaders(headers), (quota) => ({
    limit: quota["posthook-hookquota-limit"],
    usage: quota["posthook-hookquota-usage"],
    remaining: quota["posthook-hookquota-remaining"],
    resetsAt: quota["posthook-hookquota-resets-at"]
  }))
}

/** A count as the API writes it: plain digits (a safe integer), which `QuotaCount` reads as `Number(text)`. */
const PLAIN_COUNT = /^\d{1,15}$/

/** The reset time is the same on every answer until the quota resets: decoded once, then compared. */
const resetsAtReader = new LastUtc()

const plainCount = (value: string | undefined): number | undefined =>
  value !== undefined && PLAIN_COUNT.test(value) ? Number(value) : undefined

/**
 * The quota of headers in the form the API writes them, without the Schema
 * interpreter (every `schedule` reads them); `undefined` leaves anything else
 * (absent, malformed, unusual) to `QuotaHeaders`, which decides.
 */
const quotaFast = (headers: Readonly<Record<string, string>>): Hook.QuotaInfo | undefined => {
  const limit = plainCount(headers["posthook-hookquota-limit"])
  const usage = plainCount(headers["posthook-hookquota-usage"])
  const remaining = plainCount(headers["posthook-hookquota-remaining"])
  const resetsAt = resetsAtReader.decode(headers["posthook-hookquota-resets-at"])
  return limit === undefined || usage === undefined || remaining === undefined || resetsAt === undefined
    ? undefined
    : { limit, usage, remaining, resetsAt }
}

const encodeData = <A, I>(
  dataSchema: Schema.Codec<A, I>,
  params: { readonly data?: A }
): Effect.Effect<{ readonly data?: I | undefined }, PosthookError.ValidationError> =>
  "data" in params && params.data !== undefined
    ? encodeWith(dataSchema, params.data).pipe(
      Effect.map((data) => ({ data })),
      Effect.mapError((error) =>
        new PosthookError.ValidationError({
          field: "data",
          message: `data does not match its schema: ${error.message}`
        })
      )
    )
    // Leave an explicit `data: undefined` in place: the rules refuse it by name.
    : Effect.succeed("data" in params ? { data: undefined } : {})

/**
 * Encodes synchronously (an `Exit`, no fiber work) when the schema allows;
 * a schema with an asynchronous part fails that way, so a failure is encoded
 * once more as an Effect, which gives it its real answer.
 */
const encodeWith = <A, I>(schema: Schema.Codec<A, I>, value: A): Effect.Effect<I, Schema.SchemaError> => {
  const encoded = Schema.encodeExit(schema)(value)
  return Exit.isSuccess(encoded) ? Effect.succeed(encoded.value) : Schema.encodeEffect(schema)(value)
}

const hookPath = (id: string) => `/v1/hooks/${encodeURIComponent(id)}`

type HookList<A, I> = Schema.$Array<ReturnType<typeof Hook.withData<A, I>>>

const hookLists = new WeakMap<Schema.Top, Schema.Top>()

/**
 * One list schema per data schema (the transport compiles a decoder per schema
 * instance); a list of hooks with a hand-written decoder (the default `data: unknown`) decodes by hand too.
 */
const hookList = <A, I>(dataSchema: Schema.Codec<A, I>): HookList<A, I> => {
  const cached = hookLists.get(dataSchema)
  // Keyed by the data schema, so the list stored for it holds its `A`.
  if (cached !== undefined) return cached as HookList<A, I>
  const hook = Hook.withData(dataSchema)
  const list = Schema.Array(hook)
  hookLists.set(dataSchema, list)
  const fast = fastDecoderOf(hook)
  if (fast !== undefined) registerFastDecoder(list, fastArray(fast))
  return list
}

const makeService = (transport: Transport.Transport): Omit<Service, "listen" | "stream"> => {
  const scheduleWith = <A, I>(
    params: ScheduleParams<A>,
    dataSchema: Schema.Codec<A, I>,
    options: CallOptions | undefined
  ): Effect.Effect<Hook.ScheduledHook<A>, HooksError> => {
    const hookSchema = Hook.withData(dataSchema)
    const send = (
      body: Calendar.Checked<ScheduleRules.ScheduleBody>
    ): Effect.Effect<Hook.ScheduledHook<A>, HooksError> =>
      body._tag === "Failure"
        ? Effect.fail(body.failure)
        : Effect.map(
          transport.request(
            { method: "POST", path: "/v1/hooks", body: body.success, idempotent: false },
            hookSchema,
            options
          ),
          // Not `{ ...data, quota }`: a spread followed by a property leaves V8's fast clone path (~µs per call).
          (response) => Object.assign({}, response.data, { quota: quotaFromHeaders(response.headers) })
        )
    // Plain code and `flatMap`s rather than `Effect.gen` (this runs on every schedule call);
    // suspended, so the data is encoded when the effect runs, as before.
    return Transport.withSpanLean(
      Effect.suspend(() =>
        // `data: unknown` (the default) encodes to itself: no pass through the Schema (~1.5 µs per call).
        dataSchema === Schema.Unknown
          ? send(ScheduleRules.encodeSchedule(params))
          : Effect.flatMap(encodeData(dataSchema, params), (encoded) =>
            send(ScheduleRules.encodeSchedule({ ...params, ...encoded })))
      ),
      "Posthook.hooks.schedule",
      { attributes: { "posthook.path": params.path } }
    )
  }

  function schedule<A, I>(
    params: ScheduleParams<A> & WithDataSchema<A, I>,
    options?: CallOptions
  ): Effect.Effect<Hook.ScheduledHook<A>, HooksError>
  function schedule(params: ScheduleParams, options?: CallOptions): Effect.Effect<Hook.ScheduledHook, HooksError>
  function schedule(
    params: ScheduleParams & Partial<WithDataSchema<unknown, unknown>>,
    options?: CallOptions
  ): Effect.Effect<Hook.ScheduledHook, HooksError> {
    return scheduleWith(params, params.dataSchema ?? Schema.Unknown, options)
  }

  const getWith = <A, I>(id: string, dataSchema: Schema.Codec<A, I>, options: CallOptions | undefined) =>
    Effect.gen(function*() {
      const valid = yield* Effect.fromResult(ScheduleRules.validateHookId(id))
      const response = yield* transport.request(
        { method: "GET", path: hookPath(valid), idempotent: true },
        Hook.withData(dataSchema),
        options
      )
      return response.data
    }).pipe(Effect.withSpan("Posthook.hooks.get", { attributes: { "posthook.hook_id": id } }))

  function get<A, I>(id: string, options: CallOptions & WithDataSchema<A, I>): Effect.Effect<Hook.Hook<A>, HooksError>
  function get(id: string, options?: CallOptions): Effect.Effect<Hook.Hook, HooksError>
  function get(
    id: string,
    options?: CallOptions & Partial<WithDataSchema<unknown, unknown>>
  ): Effect.Effect<Hook.Hook, HooksError> {
    return getWith(id, options?.dataSchema ?? Schema.Unknown, options)
  }

  const listWith = <A, I>(params: ListParams, dataSchema: Schema.Codec<A, I>, options: CallOptions | undefined) =>
    Effect.gen(function*() {
      const query = yield* Effect.fromResult(ScheduleRules.encodeListQuery(params))
      const response = yield* transport.request(
        { method: "GET", path: "/v1/hooks", query, idempotent: true },
        hookList(dataSchema),
        options
      )
      return response.data
    }).pipe(Effect.withSpan("Posthook.hooks.list"))

  function list<A, I>(
    params: ListParams & WithDataSchema<A, I>,
    options?: CallOptions
  ): Effect.Effect<ReadonlyArray<Hook.Hook<A>>, HooksError>
  function list(params?: ListParams, options?: CallOptions): Effect.Effect<ReadonlyArray<Hook.Hook>, HooksError>
  function list(
    params: ListParams & Partial<WithDataSchema<unknown, unknown>> = {},
    options?: CallOptions
  ): Effect.Effect<ReadonlyArray<Hook.Hook>, HooksError> {
    return listWith(params, params.dataSchema ?? Schema.Unknown, options)
  }

  const listAllWith = <A, I>(
    params: ListAllParams,
    dataSchema: Schema.Codec<A, I>,
    options: CallOptions | undefined
  ): Stream.Stream<Hook.Hook<A>, HooksError> =>
    Stream.unwrap(Effect.gen(function*() {
      const pageSize = params.pageSize ?? DEFAULT_PAGE_SIZE
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > ScheduleRules.MAX_LIMIT) {
        return yield* new PosthookError.ValidationError({
          field: "pageSize",
          message: `pageSize must be an integer from 1 to ${ScheduleRules.MAX_LIMIT}, got ${pageSize}`
        })
      }
      const { postAtAfter, ...filters } = yield* Effect.fromResult(ScheduleRules.encodeListQuery({
        status: params.status,
        postAtBefore: params.postAtBefore,
        postAtAfter: params.postAtAfter,
        createdAtBefore: params.createdAtBefore,
        createdAtAfter: params.createdAtAfter
      }))
      const PageSchema = Pagination.Page(Hook.withData(dataSchema))
      const fetchPage = (cursor: Pagination.Cursor) =>
        transport.request(
          {
            method: "GET",
            path: "/v1/hooks",
            query: {
              ...filters,
              sortBy: "postAt",
              sortOrder: "ASC",
              limit: String(pageSize),
              postAtAfter: cursor.after,
              offset: cursor.skip > 0 ? String(cursor.skip) : undefined
            },
            idempotent: true
          },
          PageSchema,
          options
        ).pipe(
          Effect.map((response) => response.data),
          Effect.withSpan("Posthook.hooks.listAll.page", { attributes: { "posthook.offset": cursor.skip } })
        )
      return Pagination.paginate({
        initial: Pagination.initialCursor(postAtAfter),
        pageSize,
        fetchPage,
        onStall: (cursor) =>
          new PosthookError.ResponseDecodeError({
            status: 200,
            headers: {},
            message: `GET /v1/hooks returned only hooks already seen at offset ${cursor.skip}: ` +
              "the server seems to ignore `offset`, so paging cannot get past hooks that share one postAt"
          })
      })
    })).pipe(Stream.withSpan("Posthook.hooks.listAll"))

  function listAll<A, I>(
    params: ListAllParams & WithDataSchema<A, I>,
    options?: CallOptions
  ): Stream.Stream<Hook.Hook<A>, HooksError>
  function listAll(params?: ListAllParams, options?: CallOptions): Stream.Stream<Hook.Hook, HooksError>
  function listAll(
    params: ListAllParams & Partial<WithDataSchema<unknown, unknown>> = {},
    options?: CallOptions
  ): Stream.Stream<Hook.Hook, HooksError> {
    return listAllWith(params, params.dataSchema ?? Schema.Unknown, options)
  }

  const deleteHook = Effect.fn("Posthook.hooks.delete")(function*(id: string, options?: CallOptions) {
    const valid = yield* Effect.fromResult(ScheduleRules.validateHookId(id))
    yield* transport.requestIgnoringBody({ method: "DELETE", path: hookPath(valid), idempotent: true }, options).pipe(
      // Already deleted (or delivered and gone): deleting is idempotent.
      Effect.catchTag("NotFoundError", () => Effect.void)
    )
  })

  const bulkAction = (action: "retry" | "replay" | "cancel") => {
    const send = (body: ScheduleRules.BulkBody, options: CallOptions | undefined) =>
      Effect.map(
        transport.request(
          { method: "POST", path: `/v1/hooks/bulk/${action}`, body, idempotent: false },
          Hook.BulkActionResult,
          options
        ),
        (response) => response.data
      )
    return {
      byIds: Effect.fn(`Posthook.hooks.bulk.${action}`)(
        function*(hookIds: ReadonlyArray<string>, options?: CallOptions) {
          return yield* send(yield* Effect.fromResult(ScheduleRules.encodeBulkByIds(hookIds)), options)
        }
      ),
      byFilter: Effect.fn(`Posthook.hooks.bulk.${action}ByFilter`)(
        function*(filter: BulkFilter, options?: CallOptions) {
          return yield* send(yield* Effect.fromResult(ScheduleRules.encodeBulkFilter(filter)), options)
        }
      )
    }
  }
  const retry = bulkAction("retry")
  const replay = bulkAction("replay")
  const cancel = bulkAction("cancel")

  return {
    schedule,
    get,
    list,
    listAll,
    delete: deleteHook,
    bulk: {
      retry: retry.byIds,
      replay: replay.byIds,
      cancel: cancel.byIds,
      retryByFilter: retry.byFilter,
      replayByFilter: replay.byFilter,
      cancelByFilter: cancel.byFilter
    }
  }
}

/**
 * Builds the service from the configuration and an `HttpClient`.
 *
 * @example
 * ```ts
 * import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
 * import { Effect } from "effect"
 * import { Hooks, PosthookConfig } from "posthook-effect"
 *
 * const program = Effect.gen(function* () {
 *   const hooks = yield* Hooks.make
 *   return yield* hooks.list({ status: "failed" })
 * }).pipe(
 *   Effect.provide(PosthookConfig.layer({ apiKey: "pk_..." })),
 *   Effect.provide(NodeHttpClient.layerUndici)
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, PosthookConfig.PosthookConfig | HttpClient.HttpClient> = Effect.gen(
  function*() {
    const config = yield* PosthookConfig.PosthookConfig
    const client = yield* HttpClient.HttpClient
    const provideClient = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      effect.pipe(
        Effect.provideService(PosthookConfig.PosthookConfig, config),
        Effect.provideService(HttpClient.HttpClient, client)
      )
    return {
      ...makeService(Transport.make(config, client)),
      listen: (handler, options) => provideClient(Listener.listen(handler, options)),
      stream: (options) =>
        Listener.stream(options).pipe(
          Stream.provideService(PosthookConfig.PosthookConfig, config),
          Stream.provideService(HttpClient.HttpClient, client)
        )
    }
  }
)

/**
 * A Layer providing {@link Hooks}; needs `PosthookConfig` and an `HttpClient`.
 *
 * @example
 * ```ts
 * import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
 * import { Layer } from "effect"
 * import { Hooks, PosthookConfig } from "posthook-effect"
 *
 * const HooksLive = Hooks.layer.pipe(
 *   Layer.provide(PosthookConfig.layer({ apiKey: "pk_..." })),
 *   Layer.provide(NodeHttpClient.layerUndici)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Hooks, never, PosthookConfig.PosthookConfig | HttpClient.HttpClient> = Layer.effect(
  Hooks,
  make
)
