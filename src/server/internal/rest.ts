/**
 * The REST API of docs/protocol.md §1 and the callback endpoints of
 * docs/protocol.md §3, as an HTTP application (see {@link App}). Bodies are
 * validated with the SDK's own rules (`protocol/schedule`), so the server
 * refuses exactly what the client would; answers use the `{"data": …}` /
 * `{"error": …}` envelopes.
 *
 * @internal
 */
import * as Crypto from "node:crypto"
import * as ByteSize from "effect/ByteSize"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Hook from "../../Hook.js"
import { MAX_DATA_BYTES, MAX_LIMIT, validateBulkBody, validateScheduleBody } from "../../protocol/schedule.js"
import { toWire } from "../HookRecord.js"
import type * as ServerConfig from "../ServerConfig.js"
import type * as Store from "../Store.js"
import { formatInstant, parseInstant } from "../TimeZone.js"
import * as CallbackTokens from "./callbackTokens.js"
import { INVALID_TOKEN } from "./callbacks.js"
import type { BulkAction, CallbackAnswer, Engine, QuotaState } from "./engine.js"
import type { Listeners } from "./listeners.js"

/** Default page size of `GET /v1/hooks`. @internal */
export const DEFAULT_LIMIT = 100

/**
 * Largest request body of the REST API (`POST /v1/hooks`, bulk actions), and
 * the default for every other route of the server. `data` may be 64 KB of
 * compact JSON; a client may send it escaped (`\u00e9` is 6 bytes for 2) or
 * indented, and 1,000 bulk ids take about 40 KB: 256 KB leaves room for both.
 *
 * @internal
 */
export const MAX_API_BODY_BYTES = 256 * 1024

/**
 * Largest body of an ack/nack callback. An ack's body is never read; a
 * nack's diagnostic is kept up to 8 KB.
 *
 * @internal
 */
export const MAX_CALLBACK_BODY_BYTES = 16 * 1024

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
  HttpServerResponse.jsonUnsafe(body, { status, headers })

const ok = (data: unknown, headers: Readonly<Record<string, string>> = {}) => respond(200, { data }, headers)

const fail = (status: number, message: string, headers: Readonly<Record<string, string>> = {}) =>
  Effect.fail(new ApiFailure(status, message, headers))

const decodeJsonBody = Schema.decodeUnknownExit(Schema.fromJsonString(Schema.Unknown))

/** A validation `Result` as an effect that fails with a 400 carrying the rule's message. */
const validated = <A>(result: Result.Result<A, { readonly message: string }>): Effect.Effect<A, ApiFailure> =>
  Result.match(result, {
    onFailure: (error) => fail(400, error.message),
    onSuccess: Effect.succeed
  })

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
  /** The secret of callback tokens, to refuse a bad token before reading the body. */
  readonly tokenSecret: string
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
    const text = yield* readText(MAX_API_BODY_BYTES)
    if (text.trim().length === 0) return undefined
    return yield* Effect.mapError(decodeJsonBody(text), () => new ApiFailure(400, "the request body is not valid JSON"))
  })

  const hookIdParam = Effect.gen(function*() {
    const params = yield* HttpRouter.params
    const id = params.id ?? ""
    if (!UUID.test(id)) return yield* fail(400, `invalid hook id "${id}": hook ids are UUIDs`)
    return id.toLowerCase()
  })

  const scheduleHook = Effect.gen(function*() {
    yield* authenticate
    const body = yield* validated(validateScheduleBody(yield* readJson))
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
        : Result.match(parseInstant(value, name), { onFailure: (message) => fail(400, message), onSuccess: Effect.succeed })
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
    const selector = yield* validated(validateBulkBody(yield* readJson))
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
      const token = params.token ?? ""
      // Anyone can reach these routes: a bad token is refused before a byte of the body is read.
      const target = CallbackTokens.verify(deps.tokenSecret, token)
      if (Option.isNone(target)) return callbackAnswer(INVALID_TOKEN)
      // Only a nack has a use for its body (the diagnostic); a body that cannot be read is no diagnostic.
      const body = kind === "nack"
        ? yield* readText(MAX_CALLBACK_BODY_BYTES).pipe(
          Effect.catchIf((failure) => failure.status !== 413, () => Effect.succeed(""))
        )
        : ""
      return callbackAnswer(yield* engine.callback(kind, target.value, body))
    })

  const routes = [
    HttpRouter.route("POST", "/v1/hooks", scheduleHook),
    HttpRouter.route("GET", "/v1/hooks", listHooks),
    HttpRouter.route("POST", "/v1/hooks/bulk/:action", bulkAction),
    HttpRouter.route("GET", "/v1/hooks/:id", getHook),
    HttpRouter.route("DELETE", "/v1/hooks/:id", deleteHook),
    HttpRouter.route("POST", "/v1/ws/ticket", wsTicket),
    HttpRouter.route("GET", "/v1/ws", deps.websocket),
    // The token is a credential: keep it out of spans and access logs.
    HttpRouter.route("POST", "/ack/:token", callback("ack"), { redactedParams: ["token"] }),
    HttpRouter.route("POST", "/nack/:token", callback("nack"), { redactedParams: ["token"] })
  ].map(withErrorEnvelope)

  return toApp(routes)
}

const callbackAnswer = (answer: CallbackAnswer) =>
  answer.status === 200
    ? ok({ status: answer.result })
    : respond(answer.status, { error: answer.error ?? answer.result })

const tooLarge = (limit: number) =>
  new ApiFailure(413, `the request body is over ${limit / 1024} KB, the limit of this route`)

/**
 * The request body as text, refused with 413 once it passes `limit` bytes:
 * at once when `Content-Length` says so, else as soon as the bytes read pass
 * it (the platform stops buffering there; what follows is discarded, and the
 * connection closed if much more follows).
 */
const readText = (limit: number): Effect.Effect<string, ApiFailure, HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const declared = request.headers["content-length"]
    if (declared !== undefined && Number(declared) > limit) return yield* Effect.fail(tooLarge(limit))
    return yield* request.text.pipe(
      Effect.provideService(HttpServerRequest.MaxBodySize, ByteSize.bytes(limit)),
      Effect.mapError((error) =>
        isBodyTooLarge(error) ? tooLarge(limit) : new ApiFailure(400, "could not read the request body")
      )
    )
  })

/**
 * For each path of `routes`, a route for every method that answers what the
 * path allows: `OPTIONS` with 204 and `Allow`, any other method with 405, the
 * error envelope and `Allow` (RFC 9110 §15.5.6). `HEAD` is allowed where
 * `GET` is (the router answers it with the `GET` route).
 */
const methodNotAllowed = <R>(
  routes: ReadonlyArray<HttpRouter.Route<never, R>>
): ReadonlyArray<HttpRouter.Route<never, never>> => {
  const byPath = new Map<HttpRouter.PathInput, { methods: Set<string>; redactedParams: ReadonlyArray<string> }>()
  for (const route of routes) {
    const entry = byPath.get(route.path) ?? { methods: new Set<string>(), redactedParams: route.redactedParams ?? [] }
    entry.methods.add(route.method)
    if (route.method === "GET") entry.methods.add("HEAD")
    byPath.set(route.path, entry)
  }
  return Array.from(byPath, ([path, { methods, redactedParams }]) => {
    const allow = [...methods, "OPTIONS"].join(", ")
    return HttpRouter.route(
      "*",
      path,
      Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
        request.method === "OPTIONS"
          ? HttpServerResponse.empty({ status: 204, headers: { allow } })
          : respond(405, { error: `${request.method} is not allowed on ${path}: use ${allow}` }, { allow })),
      { redactedParams }
    )
  })
}

/**
 * Answers an `ApiFailure` or a `StoreError` with the error envelope, and a
 * defect (a bug) with a 500 in the envelope and one log line naming the route
 * (its pattern, so no callback token reaches the log).
 */
const withErrorEnvelope = <R>(
  route: HttpRouter.Route<ApiFailure | Store.StoreError, R>
): HttpRouter.Route<never, R> =>
  HttpRouter.route(
    route.method,
    route.path,
    route.handler.pipe(
      Effect.catch((error) =>
        Effect.succeed(
          error._tag === "ApiFailure"
            ? respond(error.status, { error: error.message }, error.headers)
            : respond(500, { error: `internal error (${error.operation}): ${error.message}` })
        )
      ),
      Effect.catchDefect((defect) => answerDefect(`${route.method} ${route.path}`, defect))
    ),
    { uninterruptible: route.uninterruptible, redactedParams: route.redactedParams }
  )

const MAX_DEFECT_MESSAGE = 200

/** A 500 in the error envelope for a bug, logged once at Error with its cause. */
const answerDefect = (what: string, defect: unknown) => {
  const message = defect instanceof Error ? defect.message : String(defect)
  const shown = message.length > MAX_DEFECT_MESSAGE ? `${message.slice(0, MAX_DEFECT_MESSAGE)}…` : message
  return Effect.as(
    Effect.logError(`${what} failed with an unexpected error`, Cause.die(defect)),
    respond(500, { error: `internal error: ${shown}` })
  )
}

/**
 * An HTTP application: answers the current request, or fails with an
 * `HttpServerError` whose reason is `RouteNotFound` when it has no route for
 * it (so it can be tried before another one, see {@link orElse}).
 *
 * @internal
 */
export type App = Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  HttpServerError.HttpServerError,
  HttpServerRequest.HttpServerRequest | Scope.Scope
>

/** @internal */
export const isRouteNotFound = (error: unknown): error is HttpServerError.HttpServerError =>
  HttpServerError.isHttpServerError(error) && error.reason._tag === "RouteNotFound"

/** Whether `error` is the platform's refusal of a body read past the request's `MaxBodySize`. */
const isBodyTooLarge = (error: unknown): boolean =>
  HttpServerError.isHttpServerError(error) && error.reason._tag === "RequestParseError" &&
  error.reason.reason === "BodyTooLarge"

/**
 * One router for `routes`, built on the first request and kept (two
 * concurrent first requests may each build one: they are equivalent, and one
 * is kept).
 */
const routerApp = (
  routes: ReadonlyArray<HttpRouter.Route<never, HttpServerRequest.HttpServerRequest | Scope.Scope>>
): App => {
  let built: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, HttpServerRequest.HttpServerRequest | Scope.Scope> | undefined
  const router = Effect.suspend(() =>
    built !== undefined ? Effect.succeed(built) : Effect.gen(function*() {
      const router = yield* HttpRouter.make
      yield* router.addAll(routes)
      built = router.asHttpEffect()
      return built
    })
  )
  return Effect.flatMap(router, (app) =>
    // The handlers answer every failure themselves: what is left is "no route", anything else is a bug.
    Effect.catch(app, (error) => isRouteNotFound(error) ? Effect.fail(error) : Effect.die(error)))
}

/**
 * Turns routes whose handlers answer every failure into an {@link App}: a
 * path of `routes` asked with another method is answered 405 with `Allow`
 * (`OPTIONS`: 204), a path it does not know fails with `RouteNotFound`.
 *
 * @internal
 */
export const toApp = (
  routes: ReadonlyArray<HttpRouter.Route<never, HttpServerRequest.HttpServerRequest | Scope.Scope>>
): App => {
  // A second router: one with both a method's route and a `*` route on the same path would not know which wins.
  const wrongMethod = routerApp(methodNotAllowed(routes))
  return Effect.catchIf(routerApp(routes), isRouteNotFound, () => wrongMethod)
}

/**
 * Tries `fallback` for what `primary` has no route for. Unlike one router
 * with both sets of routes, the two may declare the same route (the first wins).
 *
 * @internal
 */
export const orElse = <E1, R1, E2, R2>(
  primary: Effect.Effect<HttpServerResponse.HttpServerResponse, E1, R1>,
  fallback: Effect.Effect<HttpServerResponse.HttpServerResponse, E2, R2>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E1 | E2, R1 | R2> =>
  Effect.catchIf(primary, isRouteNotFound, () => fallback)

/**
 * Answers what no route matched with the error envelope (404) instead of an
 * empty response, a body read past its limit (by extra routes) with 413 in
 * the envelope, and a defect that reached this far (from extra routes) with
 * a 500 in the envelope and a log line. (Its error type still names
 * `HttpServerError`: other reasons pass through.)
 *
 * @internal
 */
export const withNotFound = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  app.pipe(
    Effect.catch((error) =>
      isRouteNotFound(error)
        ? Effect.succeed(respond(404, { error: "not found" }))
        : isBodyTooLarge(error)
        // Extra routes read bodies under the server's default limit; the platform would answer an empty 413.
        ? Effect.succeed(respond(413, { error: "the request body is over the limit of this route" }))
        : Effect.fail(error)
    ),
    // Only the method: the URL of a capability route is a credential.
    Effect.catchDefect((defect) =>
      Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => answerDefect(`a ${request.method} request`, defect))
    )
  )
