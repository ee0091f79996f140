/**
 * The REST API of PROTOCOL §1 and the callback endpoints of §3, as an
 * `HttpRouter`. Bodies are validated with the SDK's own rules
 * (`protocol/schedule`), so the server refuses exactly what the client
 * would; answers use the `{"data": …}` / `{"error": …}` envelopes.
 *
 * @internal
 */
import * as Crypto from "node:crypto"
import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Hook from "../../Hook.js"
import { MAX_DATA_BYTES, MAX_LIMIT, validateBulkBody, validateScheduleBody } from "../../protocol/schedule.js"
import { toWire } from "../HookRecord.js"
import type * as ServerConfig from "../ServerConfig.js"
import type * as Store from "../Store.js"
import { formatInstant, parseInstant } from "../TimeZone.js"
import type { BulkAction, Engine, QuotaState } from "./engine.js"
import type { Listeners } from "./listeners.js"

/** Default page size of `GET /v1/hooks`. @internal */
export const DEFAULT_LIMIT = 100

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A REST answer that is not a success: status, message, extra headers. */
class ApiFailure {
  readonly _tag = "ApiFailure"
  constructor(
    readonly status: number,
    readonly message: string,
    readonly headers: Readonly<Record<string, string>> = {}
  ) {}
}

const respond = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}) =>
  HttpServerResponse.unsafeJson(body, { status, headers })

const ok = (data: unknown, headers: Readonly<Record<string, string>> = {}) => respond(200, { data }, headers)

const fail = (status: number, message: string, headers: Readonly<Record<string, string>> = {}) =>
  Effect.fail(new ApiFailure(status, message, headers))

const JsonBody = Schema.parseJson()
const decodeJsonBody = Schema.decodeUnknownEither(JsonBody)

/** Constant-time comparison of two secrets of any length (compares their digests). */
const sameSecret = (given: string, expected: string): boolean =>
  Crypto.timingSafeEqual(
    Crypto.createHash("sha256").update(given).digest(),
    Crypto.createHash("sha256").update(expected).digest()
  )

const quotaHeaders = (quota: QuotaState): Record<string, string> => ({
  "Posthook-HookQuota-Limit": String(quota.limit),
  "Posthook-HookQuota-Usage": String(quota.usage),
  "Posthook-HookQuota-Remaining": String(quota.remaining),
  "Posthook-HookQuota-Resets-At": formatInstant(quota.resetsAt)
})

const STATUSES: ReadonlyArray<Hook.HookStatus> = Hook.HookStatus.literals

/** @internal */
export const make = (deps: {
  readonly config: ServerConfig.Resolved
  readonly engine: Engine
  readonly store: Store.Service
  readonly listeners: Listeners
  readonly publicUrl: string
  readonly websocket: Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest>
}) => {
  const { config, engine, store } = deps
  const apiKey = Redacted.value(config.apiKey)

  const authenticate = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const given = request.headers["x-api-key"]
    if (given === undefined || given.length === 0) {
      return yield* fail(401, "missing API key: send it in the X-API-Key header")
    }
    if (!sameSecret(given, apiKey)) return yield* fail(401, "invalid API key")
  })

  const readJson = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const text = yield* Effect.mapError(request.text, () => new ApiFailure(400, "could not read the request body"))
    if (text.trim().length === 0) return undefined
    return yield* Either.match(decodeJsonBody(text), {
      onLeft: () => fail(400, "the request body is not valid JSON"),
      onRight: Effect.succeed
    })
  })

  const hookIdParam = Effect.gen(function*() {
    const params = yield* HttpRouter.params
    const id = params.id ?? ""
    if (!UUID.test(id)) return yield* fail(400, `invalid hook id "${id}": hook ids are UUIDs`)
    return id.toLowerCase()
  })

  const scheduleHook = Effect.gen(function*() {
    yield* authenticate
    const body = yield* Either.match(validateScheduleBody(yield* readJson), {
      onLeft: (error) => fail(400, error.message),
      onRight: Effect.succeed
    })
    const dataBytes = Buffer.byteLength(JSON.stringify(body.data ?? null), "utf8")
    if (dataBytes > MAX_DATA_BYTES) {
      return yield* fail(413, `data is ${dataBytes} bytes: the limit is ${MAX_DATA_BYTES} bytes (64 KB)`)
    }
    const { hook, quota } = yield* engine.schedule(body).pipe(
      Effect.catchTags({
        Invalid: (failure) => fail(400, failure.message),
        QuotaExceeded: ({ quota }) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            fail(429, `the monthly quota of ${quota.limit} hooks is spent`, {
              ...quotaHeaders(quota),
              "Retry-After": String(Math.max(1, Math.ceil((quota.resetsAt - now) / 1000)))
            }))
      })
    )
    return ok(toWire(hook), quota === undefined ? {} : quotaHeaders(quota))
  })

  const listQuery = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const params = new URL(request.url, "http://localhost").searchParams
    const text = (name: string): string | undefined => {
      const value = params.get(name)
      return value === null || value === "" ? undefined : value
    }
    const integer = (name: string, min: number, max: number) => {
      const value = text(name)
      if (value === undefined) return Effect.succeed(undefined)
      const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN
      return Number.isSafeInteger(parsed) && parsed >= min && parsed <= max
        ? Effect.succeed(parsed)
        : fail(400, `${name} must be an integer from ${min} to ${max}`)
    }
    const time = (name: string) => {
      const value = text(name)
      return value === undefined
        ? Effect.succeed(undefined)
        : Either.match(parseInstant(value, name), { onLeft: (message) => fail(400, message), onRight: Effect.succeed })
    }
    const status = text("status")
    const matchedStatus = STATUSES.find((candidate) => candidate === status)
    if (status !== undefined && matchedStatus === undefined) {
      return yield* fail(400, `status must be one of ${STATUSES.join(", ")}`)
    }
    const sortBy = text("sortBy") ?? "createdAt"
    if (sortBy !== "postAt" && sortBy !== "createdAt") return yield* fail(400, "sortBy must be postAt or createdAt")
    const sortOrder = (text("sortOrder") ?? "DESC").toUpperCase()
    if (sortOrder !== "ASC" && sortOrder !== "DESC") return yield* fail(400, "sortOrder must be ASC or DESC")
    const query: Store.HookQuery = {
      statuses: matchedStatus === undefined ? undefined : [matchedStatus],
      limit: (yield* integer("limit", 1, MAX_LIMIT)) ?? DEFAULT_LIMIT,
      offset: (yield* integer("offset", 0, Number.MAX_SAFE_INTEGER)) ?? 0,
      postAtBefore: yield* time("postAtBefore"),
      postAtAfter: yield* time("postAtAfter"),
      createdAtBefore: yield* time("createdAtBefore"),
      createdAtAfter: yield* time("createdAtAfter"),
      sortBy,
      sortOrder
    }
    return query
  })

  const listHooks = Effect.gen(function*() {
    yield* authenticate
    const hooks = yield* store.listHooks(yield* listQuery)
    return ok(hooks.map(toWire))
  })

  const getHook = Effect.gen(function*() {
    yield* authenticate
    const id = yield* hookIdParam
    const hook = yield* store.getHook(id)
    return yield* Option.match(hook, {
      onNone: () => fail(404, `hook ${id} not found`),
      onSome: (found) => Effect.succeed(ok(toWire(found)))
    })
  })

  const deleteHook = Effect.gen(function*() {
    yield* authenticate
    const id = yield* hookIdParam
    const deleted = yield* engine.remove(id)
    return deleted ? ok({}) : yield* fail(404, `hook ${id} not found`)
  })

  const bulkAction = Effect.gen(function*() {
    yield* authenticate
    const params = yield* HttpRouter.params
    const action = params.action
    if (action !== "retry" && action !== "replay" && action !== "cancel") {
      return yield* fail(404, `unknown bulk action "${action ?? ""}": use retry, replay or cancel`)
    }
    const selector = yield* Either.match(validateBulkBody(yield* readJson), {
      onLeft: (error) => fail(400, error.message),
      onRight: Effect.succeed
    })
    const affected = yield* engine.bulk(action satisfies BulkAction, selector)
    return ok({ affected })
  })

  const wsTicket = Effect.gen(function*() {
    yield* authenticate
    const now = yield* Clock.currentTimeMillis
    const { expiresAt, ticket } = deps.listeners.issueTicket(now, Duration.toMillis(config.ticketTtl))
    return ok({
      ticket,
      url: `${deps.publicUrl.replace(/^http/, "ws")}/v1/ws`,
      expiresAt: formatInstant(expiresAt)
    })
  })

  const callback = (kind: "ack" | "nack") =>
    Effect.gen(function*() {
      const params = yield* HttpRouter.params
      const request = yield* HttpServerRequest.HttpServerRequest
      const body = yield* Effect.orElseSucceed(request.text, () => "")
      const answer = yield* engine.callback(kind, params.token ?? "", body)
      return answer.status === 200
        ? ok({ status: answer.result })
        : respond(answer.status, { error: answer.error ?? answer.result })
    })

  const router = HttpRouter.empty.pipe(
    HttpRouter.post("/v1/hooks", scheduleHook),
    HttpRouter.get("/v1/hooks", listHooks),
    HttpRouter.post("/v1/hooks/bulk/:action", bulkAction),
    HttpRouter.get("/v1/hooks/:id", getHook),
    HttpRouter.del("/v1/hooks/:id", deleteHook),
    HttpRouter.post("/v1/ws/ticket", wsTicket),
    HttpRouter.get("/v1/ws", deps.websocket),
    HttpRouter.post("/ack/:token", callback("ack")),
    HttpRouter.post("/nack/:token", callback("nack"))
  )

  return router.pipe(
    HttpRouter.catchAll((error) =>
      Effect.succeed(
        error._tag === "ApiFailure"
          ? respond(error.status, { error: error.message }, error.headers)
          : respond(500, { error: `internal error (${error.operation}): ${error.message}` })
      )
    )
  )
}

const isRouteNotFound = (error: unknown): error is HttpServerError.RouteNotFound =>
  typeof error === "object" && error !== null && "_tag" in error && error._tag === "RouteNotFound"

/**
 * Tries `fallback` for what `primary` has no route for. Unlike
 * `HttpRouter.concat`, the two may declare the same route (the first wins).
 *
 * @internal
 */
export const orElse = <E1, R1, E2, R2>(
  primary: Effect.Effect<HttpServerResponse.HttpServerResponse, E1 | HttpServerError.RouteNotFound, R1>,
  fallback: Effect.Effect<HttpServerResponse.HttpServerResponse, E2, R2>
): Effect.Effect<HttpServerResponse.HttpServerResponse, Exclude<E1, HttpServerError.RouteNotFound> | E2, R1 | R2> =>
  Effect.catchIf(primary, isRouteNotFound, () => fallback)

/**
 * Answers what no route matched with the error envelope (404) instead of an
 * empty response.
 *
 * @internal
 */
export const withNotFound = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E | HttpServerError.RouteNotFound, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, Exclude<E, HttpServerError.RouteNotFound>, R> =>
  Effect.catchIf(app, isRouteNotFound, () => Effect.succeed(respond(404, { error: "not found" })))
