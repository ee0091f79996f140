/**
 * A small programmable Posthook REST server for tests: a real
 * `@effect/platform-node` HTTP server on 127.0.0.1 (port 0) that records every
 * request (method, path, query, headers, body) and answers either with a
 * scripted reply (FIFO, one per request) or, when none is queued, like a tiny
 * in-memory Posthook (schedule, get, list with every filter and cursor
 * paging, delete, bulk actions, ws ticket).
 *
 * Usage:
 *
 * ```ts
 * const server = yield* TestApiServer
 * yield* server.enqueue(Reply.error(503, "down"), Reply.data(hook))
 * // … call the SDK against server.url …
 * const [first] = yield* server.requests
 * ```
 *
 * `layerWithClient()` gives the server plus a `Posthook` Layer (undici
 * client) pointed at it, so a test only needs `Effect.provide(...)`.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Clock, Context, Effect, Either, Layer, Option, Ref, Stream, SubscriptionRef } from "effect"
import type { ConfigError } from "effect/ConfigError"
import * as Crypto from "node:crypto"
import * as Http from "node:http"
import { Posthook, type PosthookConfig } from "posthook-effect"
import * as Rules from "../../src/protocol/schedule.js"
import { parseSeconds } from "../../src/protocol/duration.js"

/** The API key `layerWithClient` configures and the server accepts by default. */
export const TEST_API_KEY = "pk_test_0123456789abcdef_SECRET"

/** One request as the server received it. */
export interface RecordedRequest {
  readonly method: string
  /** The path as sent (still percent-encoded). */
  readonly path: string
  /** The query string as sent, without `?` ("" when none). */
  readonly rawQuery: string
  /** Decoded query parameters (last value wins). */
  readonly query: Readonly<Record<string, string>>
  /** Request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>
  /** The body text ("" when none). */
  readonly body: string
  /** The body parsed as JSON, `undefined` when empty or not JSON. */
  readonly json: unknown
}

/** How the server answers one request. */
export type Reply =
  | {
    readonly _tag: "Text"
    readonly status: number
    readonly body: string
    readonly contentType: string
    readonly headers: Readonly<Record<string, string>>
  }
  | { readonly _tag: "Hang" }
  | { readonly _tag: "Reset" }

const hang: Reply = { _tag: "Hang" }
const reset: Reply = { _tag: "Reset" }

/** Reply constructors. */
export const Reply = {
  /** Any JSON value as the body. */
  json: (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): Reply => ({
    _tag: "Text",
    status,
    body: JSON.stringify(body),
    contentType: "application/json",
    headers
  }),
  /** `{"data": payload}`. */
  data: (payload: unknown, status = 200, headers: Readonly<Record<string, string>> = {}): Reply =>
    Reply.json(status, { data: payload }, headers),
  /** `{"error": message}`. */
  error: (status: number, message: string, headers: Readonly<Record<string, string>> = {}): Reply =>
    Reply.json(status, { error: message }, headers),
  /** A body sent exactly as given (HTML, truncated JSON, nothing). */
  text: (status: number, body: string, contentType = "text/plain", headers: Readonly<Record<string, string>> = {}): Reply => ({
    _tag: "Text",
    status,
    body,
    contentType,
    headers
  }),
  /** Never answer (until the client goes away). */
  hang,
  /** Destroy the connection without answering. */
  reset
} as const

/** A hook as the fake stores and serves it (wire shape). */
export interface WireHook {
  readonly id: string
  readonly path: string
  readonly data: unknown
  readonly postAt: string
  readonly status: "pending" | "retry" | "completed" | "failed"
  readonly postDurationSeconds: number
  readonly attempts: number
  readonly createdAt: string
  readonly updatedAt: string
  readonly [extra: string]: unknown
}

/** A wire hook with defaults for every field not given. */
export const wireHook = (fields: Partial<WireHook> = {}): WireHook => ({
  id: Crypto.randomUUID(),
  path: "/webhooks/test",
  data: { ok: true },
  postAt: "2026-06-15T10:00:00Z",
  status: "pending",
  postDurationSeconds: 0,
  attempts: 0,
  createdAt: "2026-06-15T09:55:00Z",
  updatedAt: "2026-06-15T09:55:00Z",
  ...fields
})

type Scripted = Reply | ((request: RecordedRequest) => Reply)

export interface Options {
  /** When set, requests with another `X-API-Key` get 401. Default: `TEST_API_KEY`. */
  readonly apiKey?: string | undefined
}

export interface TestApiServerService {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** Waits (event-driven, no clock) until at least `count` requests arrived. */
  readonly awaitRequests: (count: number) => Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** How many requests the client abandoned before they were answered. */
  readonly aborted: Effect.Effect<number>
  /** Waits until at least `count` requests were abandoned by the client. */
  readonly awaitAborted: (count: number) => Effect.Effect<void>
  /** Queues replies for the next requests, in order; the fake answers once they are used up. */
  readonly enqueue: (...replies: ReadonlyArray<Scripted>) => Effect.Effect<void>
  /** Adds hooks to the fake's store. */
  readonly seed: (hooks: ReadonlyArray<WireHook>) => Effect.Effect<void>
  /** The fake's stored hooks. */
  readonly hooks: Effect.Effect<ReadonlyArray<WireHook>>
  /** Quota headers added to schedule answers (none by default). */
  readonly setQuotaHeaders: (headers: Readonly<Record<string, string>> | undefined) => Effect.Effect<void>
}

export class TestApiServer extends Context.Tag("test/TestApiServer")<TestApiServer, TestApiServerService>() {}

// ---------------------------------------------------------------------------
// The fake Posthook
// ---------------------------------------------------------------------------

/** Orders RFC 3339 UTC strings exactly, sub-millisecond digits included. */
export const compareTimes = (a: string, b: string): number => {
  const key = (time: string): readonly [number, string] => {
    const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(time)
    return match === null
      ? [Date.parse(time), "000000000"]
      : [Date.parse(`${match[1]}Z`), (match[2] ?? "").padEnd(9, "0")]
  }
  const [secondsA, fractionA] = key(a)
  const [secondsB, fractionB] = key(b)
  return secondsA !== secondsB ? secondsA - secondsB : fractionA < fractionB ? -1 : fractionA > fractionB ? 1 : 0
}

interface Store {
  readonly hooks: Map<string, WireHook>
  quotaHeaders: Readonly<Record<string, string>> | undefined
}

const badRequest = (message: string) => Reply.error(400, message)

const listHooks = (store: Store, query: Readonly<Record<string, string>>): Reply => {
  let hooks = [...store.hooks.values()]
  const { status, postAtAfter, postAtBefore, createdAtAfter, createdAtBefore } = query
  if (status !== undefined) hooks = hooks.filter((hook) => hook.status === status)
  if (postAtAfter !== undefined) hooks = hooks.filter((hook) => compareTimes(hook.postAt, postAtAfter) > 0)
  if (postAtBefore !== undefined) hooks = hooks.filter((hook) => compareTimes(hook.postAt, postAtBefore) < 0)
  if (createdAtAfter !== undefined) hooks = hooks.filter((hook) => compareTimes(hook.createdAt, createdAtAfter) > 0)
  if (createdAtBefore !== undefined) hooks = hooks.filter((hook) => compareTimes(hook.createdAt, createdAtBefore) < 0)
  const sortBy = query.sortBy === "createdAt" ? "createdAt" : "postAt"
  const direction = query.sortOrder === "DESC" ? -1 : 1
  // Ties are broken by id so that paging over equal timestamps is stable.
  hooks.sort((a, b) => direction * (compareTimes(a[sortBy], b[sortBy]) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
  const offset = Number(query.offset ?? 0)
  const limit = Number(query.limit ?? 100)
  if (!Number.isInteger(offset) || offset < 0) return badRequest("invalid offset")
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return badRequest("invalid limit")
  return Reply.data(hooks.slice(offset, offset + limit))
}

const bulkAction = (store: Store, action: string, body: unknown): Reply => {
  const validated = Rules.validateBulkBody(body)
  if (validated._tag === "Left") return badRequest(validated.left.message)
  const from = action === "retry" ? "failed" : action === "replay" ? "completed" : "pending"
  let candidates: Array<WireHook>
  if ("hookIDs" in validated.right) {
    candidates = validated.right.hookIDs.flatMap((id) => {
      const hook = store.hooks.get(id)
      return hook === undefined ? [] : [hook]
    })
  } else {
    const filter = validated.right
    candidates = [...store.hooks.values()]
      .filter((hook) =>
        compareTimes(hook.postAt, filter.startTime) >= 0 && compareTimes(hook.postAt, filter.endTime) <= 0 &&
        (filter.endpointKey === undefined || hook.path === filter.endpointKey)
      )
      .slice(0, filter.limit)
  }
  const affected = candidates.filter((hook) => hook.status === from)
  for (const hook of affected) {
    if (action === "cancel") store.hooks.delete(hook.id)
    else store.hooks.set(hook.id, { ...hook, status: "pending" })
  }
  return Reply.data({ affected: affected.length })
}

const scheduleHook = (store: Store, body: unknown, nowMillis: number): Reply => {
  const validated = Rules.validateScheduleBody(body)
  if (validated._tag === "Left") return badRequest(validated.left.message)
  const params = validated.right
  const now = new Date(nowMillis).toISOString()
  const delaySeconds = params.postIn === undefined ? 0 : Either.getOrElse(parseSeconds(params.postIn), () => 0)
  const postAt = params.postAt ??
    (params.postIn === undefined
      ? `${params.postAtLocal}Z` // the fake ignores the zone: good enough for tests
      : new Date(nowMillis + delaySeconds * 1000).toISOString())
  const hook = wireHook({
    path: params.path,
    data: params.data ?? null,
    postAt,
    createdAt: now,
    updatedAt: now,
    ...(params.retryOverride === undefined ? {} : { retryOverride: params.retryOverride })
  })
  store.hooks.set(hook.id, hook)
  return Reply.data(hook, 201, store.quotaHeaders ?? {})
}

const fakePosthook = (store: Store, request: RecordedRequest, nowMillis: number): Reply => {
  const segments = request.path.split("/").filter((segment) => segment.length > 0).map(decodeURIComponent)
  const [v1, resource, id, action] = segments
  if (v1 !== "v1") return Reply.error(404, "not found")
  if (resource === "ws" && id === "ticket" && request.method === "POST") {
    return Reply.data({
      ticket: Crypto.randomUUID(),
      url: "ws://127.0.0.1:1/ws",
      expiresAt: new Date(nowMillis + 60_000).toISOString()
    })
  }
  if (resource !== "hooks") return Reply.error(404, "not found")
  if (id === undefined) {
    if (request.method === "GET") return listHooks(store, request.query)
    if (request.method === "POST") return scheduleHook(store, request.json, nowMillis)
    return Reply.error(405, "method not allowed")
  }
  if (id === "bulk" && action !== undefined && request.method === "POST") {
    return ["retry", "replay", "cancel"].includes(action)
      ? bulkAction(store, action, request.json)
      : Reply.error(404, "not found")
  }
  const hook = store.hooks.get(id)
  if (request.method === "GET") return hook === undefined ? Reply.error(404, "hook not found") : Reply.data(hook)
  if (request.method === "DELETE") {
    if (hook === undefined) return Reply.error(404, "hook not found")
    store.hooks.delete(id)
    return Reply.data({})
  }
  return Reply.error(405, "method not allowed")
}

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------

const parseJson = (text: string): unknown => {
  if (text.length === 0) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export const make = (options: Options = {}) =>
  Effect.gen(function*() {
    const expectedKey = options.apiKey ?? TEST_API_KEY
    const recorded = yield* SubscriptionRef.make<ReadonlyArray<RecordedRequest>>([])
    const abortedCount = yield* SubscriptionRef.make(0)
    const script = yield* Ref.make<ReadonlyArray<Scripted>>([])
    const store: Store = { hooks: new Map(), quotaHeaders: undefined }

    const nodeServer = Http.createServer()
    const server = yield* NodeHttpServer.make(() => nodeServer, { port: 0, host: "127.0.0.1" })
    // Runs before the server's own finalizer: close() would otherwise wait on hung requests.
    yield* Effect.addFinalizer(() => Effect.sync(() => nodeServer.closeAllConnections()))

    const app = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const body = yield* Effect.orDie(request.text)
      const url = new URL(request.url, "http://127.0.0.1")
      const recordedRequest: RecordedRequest = {
        method: request.method,
        path: url.pathname,
        rawQuery: url.search.replace(/^\?/, ""),
        query: Object.fromEntries(url.searchParams),
        headers: { ...request.headers },
        body,
        json: parseJson(body)
      }
      yield* SubscriptionRef.update(recorded, (all) => [...all, recordedRequest])
      const next = yield* Ref.modify(script, (queue) => [queue[0], queue.slice(1)] as const)
      const now = yield* Clock.currentTimeMillis
      const reply: Reply = next === undefined
        ? recordedRequest.headers["x-api-key"] === expectedKey
          ? fakePosthook(store, recordedRequest, now)
          : Reply.error(401, "invalid API key")
        : typeof next === "function"
        ? next(recordedRequest)
        : next
      switch (reply._tag) {
        case "Text":
          return HttpServerResponse.text(reply.body, {
            status: reply.status,
            contentType: reply.contentType,
            headers: reply.headers
          })
        case "Reset":
          NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()
          return yield* Effect.interruptible(Effect.never)
        case "Hang":
          // Handlers run uninterruptibly by default; the client going away must reach this one.
          return yield* Effect.interruptible(Effect.never).pipe(
            Effect.onInterrupt(() => SubscriptionRef.update(abortedCount, (count) => count + 1))
          )
      }
    })
    yield* server.serve(app)

    const address = server.address
    if (address._tag !== "TcpAddress") return yield* Effect.die("expected a TCP address")

    const service: TestApiServerService = {
      url: `http://127.0.0.1:${address.port}`,
      requests: SubscriptionRef.get(recorded),
      awaitRequests: (count) =>
        recorded.changes.pipe(
          Stream.filter((all) => all.length >= count),
          Stream.runHead,
          Effect.map(Option.getOrElse((): ReadonlyArray<RecordedRequest> => []))
        ),
      aborted: SubscriptionRef.get(abortedCount),
      awaitAborted: (count) =>
        abortedCount.changes.pipe(Stream.filter((n) => n >= count), Stream.runHead, Effect.asVoid),
      enqueue: (...replies) => Ref.update(script, (queue) => [...queue, ...replies]),
      seed: (hooks) =>
        Effect.sync(() => {
          for (const hook of hooks) store.hooks.set(hook.id, hook)
        }),
      hooks: Effect.sync(() => [...store.hooks.values()]),
      setQuotaHeaders: (headers) =>
        Effect.sync(() => {
          store.quotaHeaders = headers
        })
    }
    return service
  })

/** The server alone. */
export const layer = (options: Options = {}): Layer.Layer<TestApiServer> =>
  Layer.scoped(TestApiServer, Effect.orDie(make(options)))

/**
 * The server plus `Posthook` (and `Hooks`, `PosthookConfig`) pointed at it
 * through a fresh undici client. `config` overrides the defaults (API key
 * {@link TEST_API_KEY}, a 10 minute timeout so `TestClock` tests can tell the
 * retry sleeps from the request timeout).
 */
export const layerWithClient = (
  config: Partial<PosthookConfig.Options> = {},
  options: Options = {}
): Layer.Layer<Posthook.Services | TestApiServer, ConfigError> =>
  Layer.unwrapEffect(
    Effect.map(TestApiServer, (server) =>
      Posthook.layer({ apiKey: TEST_API_KEY, timeout: "10 minutes", ...config, baseUrl: config.baseUrl ?? server.url }))
  ).pipe(Layer.provide(NodeHttpClient.layerUndici), Layer.provideMerge(layer(options)))

/** Like {@link layerWithClient}, with a caller-supplied `HttpClient` Layer. */
export const layerWithHttpClient = (
  httpClient: Layer.Layer<HttpClient.HttpClient>,
  config: Partial<PosthookConfig.Options> = {}
): Layer.Layer<Posthook.Services | TestApiServer, ConfigError> =>
  Layer.unwrapEffect(
    Effect.map(TestApiServer, (server) =>
      Posthook.layer({ apiKey: TEST_API_KEY, timeout: "10 minutes", ...config, baseUrl: config.baseUrl ?? server.url }))
  ).pipe(Layer.provide(httpClient), Layer.provideMerge(layer()))
