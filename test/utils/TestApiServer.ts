/**
 * A fault-injecting, request-recording front for the real local Posthook
 * (`LocalPosthook` from `posthook-effect/server`), for the tests of what the
 * SDK sends and how it copes with what a server should not do.
 *
 * Every request is recorded (method, path, query, headers, body). It is then
 * answered by the next scripted reply, if one is queued (5xx, HTML error
 * bodies, connection resets, hangs, canned bodies, …); otherwise by the
 * standing reply set with `answerWith`, if any; otherwise it is passed on to
 * a `LocalPosthook` started beside it, which answers as the service does.
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
import { type Config, Context, Effect, Layer, Option, Ref, Schema, Stream, SubscriptionRef } from "effect"
import type * as HttpClient from "effect/http/HttpClient"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Crypto from "node:crypto"
import * as Http from "node:http"
import { type Hooks, Posthook, type PosthookConfig } from "posthook-effect"
import { LocalPosthook } from "posthook-effect/server"

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

/** A hook in wire shape, for canned replies. */
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
  /** The API key the local Posthook accepts (others get 401). Default: `TEST_API_KEY`. */
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
  /** Queues replies for the next requests, in order; once they are used up, requests go on as before. */
  readonly enqueue: (...replies: ReadonlyArray<Scripted>) => Effect.Effect<void>
  /** Answers every unscripted request with `reply` (e.g. {@link listing}) instead of the local Posthook. */
  readonly answerWith: (reply: Scripted) => Effect.Effect<void>
  /** The local Posthook behind this server. */
  readonly local: LocalPosthook.LocalPosthook
  /**
   * Schedules hooks on the local Posthook directly (not recorded, not
   * scripted) and returns them as it answered.
   */
  readonly seed: (hooks: ReadonlyArray<Hooks.ScheduleParams>) => Effect.Effect<ReadonlyArray<SeededHook>>
}

export class TestApiServer extends Context.Service<TestApiServer, TestApiServerService>()("test/TestApiServer") {}

// ---------------------------------------------------------------------------
// A model of the list endpoint, for hook texts LocalPosthook cannot hold
// ---------------------------------------------------------------------------

/** Orders RFC 3339 UTC strings exactly, sub-millisecond digits included. */
const compareTimes = (a: string, b: string): number => {
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

/** The query parameters `listAll` sends, the only ones {@link listing} models. */
const LIST_ALL_PARAMS = new Set(["status", "postAtAfter", "sortBy", "sortOrder", "offset", "limit"])

/**
 * A standing reply answering `listAll`'s `GET /v1/hooks` pages from `hooks`
 * as the API does (status filter, exclusive `postAtAfter`, `postAt` ascending
 * with ties by id, `offset`, `limit`), comparing times with every digit: for
 * sub-millisecond `postAt` texts, which the local Posthook (millisecond
 * times) cannot hold. Everything else is for the local Posthook: any other
 * request is a 404, any other query a 400.
 */
export const listing = (hooks: ReadonlyArray<WireHook>) => (request: RecordedRequest): Reply => {
  if (request.method !== "GET" || request.path !== "/v1/hooks") return Reply.error(404, "not found")
  const { limit, offset, postAtAfter, sortBy, sortOrder, status } = request.query
  const unmodelled = Object.keys(request.query).filter((name) => !LIST_ALL_PARAMS.has(name))
  if (unmodelled.length > 0 || sortBy !== "postAt" || sortOrder !== "ASC") {
    return Reply.error(400, `listing models listAll's queries only, got ${request.rawQuery}`)
  }
  const selected = hooks
    .filter((hook) => status === undefined || hook.status === status)
    .filter((hook) => postAtAfter === undefined || compareTimes(hook.postAt, postAtAfter) > 0)
    // Ties are broken by id so that paging over equal timestamps is stable.
    .sort((a, b) => compareTimes(a.postAt, b.postAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const start = Number(offset ?? 0)
  return Reply.data(selected.slice(start, start + Number(limit ?? 100)))
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

/** Headers that describe one hop of a connection, not the message: never passed on. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "host", "date"])

const endToEnd = (headers: Iterable<readonly [string, string]>): Record<string, string> => {
  const kept: Record<string, string> = {}
  for (const [name, value] of headers) if (!HOP_BY_HOP.has(name.toLowerCase())) kept[name] = value
  return kept
}

/** Passes a recorded request on to the local Posthook and turns its answer into a reply. */
const forward = (baseUrl: string, request: RecordedRequest): Effect.Effect<Reply> =>
  Effect.promise(async (signal) => {
    const query = request.rawQuery === "" ? "" : `?${request.rawQuery}`
    const response = await fetch(`${baseUrl}${request.path}${query}`, {
      method: request.method,
      headers: endToEnd(Object.entries(request.headers)),
      ...(request.body === "" ? {} : { body: request.body }),
      signal
    })
    const body = await response.text()
    const contentType = response.headers.get("content-type") ?? "application/json"
    const { "content-type": _, ...headers } = endToEnd(response.headers.entries())
    return Reply.text(response.status, body, contentType, headers)
  })

/** What a test needs of a seeded hook, as the local Posthook answered it. */
export const SeededHook = Schema.Struct({ id: Schema.String, path: Schema.String, postAt: Schema.String, data: Schema.Unknown })
export type SeededHook = typeof SeededHook.Type

const decodeSeeded = Schema.decodeUnknownSync(Schema.fromJsonString(Schema.Struct({ data: SeededHook })))

/** Schedules one hook on the local Posthook, bypassing the recorder. */
const seedOne = (baseUrl: string, apiKey: string, params: Hooks.ScheduleParams): Effect.Effect<SeededHook> =>
  Effect.promise(async () => {
    const response = await fetch(`${baseUrl}/v1/hooks`, {
      method: "POST",
      headers: { "x-api-key": apiKey, "content-type": "application/json" },
      body: JSON.stringify(params)
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`seeding ${JSON.stringify(params)} failed: ${response.status} ${text}`)
    return decodeSeeded(text).data
  })

export const make = (options: Options = {}) =>
  Effect.gen(function*() {
    const apiKey = options.apiKey ?? TEST_API_KEY
    // A quota makes the local Posthook's schedule answers carry the Posthook-HookQuota-* headers.
    const local = yield* LocalPosthook.make({ log: false, apiKey, quotaLimit: 10_000 })
    const recorded = yield* SubscriptionRef.make<ReadonlyArray<RecordedRequest>>([])
    const abortedCount = yield* SubscriptionRef.make(0)
    const script = yield* Ref.make<ReadonlyArray<Scripted>>([])
    const standing = yield* Ref.make<Scripted | undefined>(undefined)

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
      const next = (yield* Ref.modify(script, (queue) => [queue[0], queue.slice(1)] as const)) ?? (yield* Ref.get(standing))
      const reply: Reply = next === undefined
        ? yield* forward(local.baseUrl, recordedRequest)
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
    if (address._tag === "UnixPathAddress") return yield* Effect.die("expected a TCP address")

    const service: TestApiServerService = {
      url: `http://127.0.0.1:${address.port}`,
      requests: SubscriptionRef.get(recorded),
      awaitRequests: (count) =>
        SubscriptionRef.changes(recorded).pipe(
          Stream.filter((all) => all.length >= count),
          Stream.runHead,
          Effect.map(Option.getOrElse((): ReadonlyArray<RecordedRequest> => []))
        ),
      aborted: SubscriptionRef.get(abortedCount),
      awaitAborted: (count) =>
        SubscriptionRef.changes(abortedCount).pipe(Stream.filter((n) => n >= count), Stream.runHead, Effect.asVoid),
      enqueue: (...replies) => Ref.update(script, (queue) => [...queue, ...replies]),
      answerWith: (reply) => Ref.set(standing, reply),
      local,
      seed: (hooks) => Effect.forEach(hooks, (params) => seedOne(local.baseUrl, apiKey, params))
    }
    return service
  })

/** The server alone. */
export const layer = (options: Options = {}): Layer.Layer<TestApiServer> =>
  Layer.effect(TestApiServer, Effect.orDie(make(options)))

/**
 * The server plus `Posthook` (and `Hooks`, `PosthookConfig`) pointed at it
 * through a fresh undici client. `config` overrides the defaults (API key
 * {@link TEST_API_KEY}, a 10 minute timeout so `TestClock` tests can tell the
 * retry sleeps from the request timeout).
 */
export const layerWithClient = (
  config: Partial<PosthookConfig.Options> = {},
  options: Options = {}
): Layer.Layer<Posthook.Services | TestApiServer, Config.ConfigError> =>
  Layer.unwrap(
    Effect.map(TestApiServer, (server) =>
      Posthook.layer({ apiKey: TEST_API_KEY, timeout: "10 minutes", ...config, baseUrl: config.baseUrl ?? server.url }))
  ).pipe(Layer.provide(NodeHttpClient.layerUndici), Layer.provideMerge(layer(options)))

/** Like {@link layerWithClient}, with a caller-supplied `HttpClient` Layer. */
export const layerWithHttpClient = (
  httpClient: Layer.Layer<HttpClient.HttpClient>,
  config: Partial<PosthookConfig.Options> = {}
): Layer.Layer<Posthook.Services | TestApiServer, Config.ConfigError> =>
  Layer.unwrap(
    Effect.map(TestApiServer, (server) =>
      Posthook.layer({ apiKey: TEST_API_KEY, timeout: "10 minutes", ...config, baseUrl: config.baseUrl ?? server.url }))
  ).pipe(Layer.provide(httpClient), Layer.provideMerge(layer()))
