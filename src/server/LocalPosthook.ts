/**
 * A Posthook-compatible server that runs in your process: the REST API,
 * signed HTTP delivery with retries, async ack/nack callbacks, WebSocket
 * listeners, a scheduler on Effect's `Clock`, and a memory or SQLite store.
 *
 * - {@link layer} starts it on a free port and provides the SDK's
 *   `PosthookConfig` pointed at it (API key, signing keys, base URL), plus
 *   the {@link LocalPosthook} service to inspect hooks, attempts and events.
 *   Under `@effect/vitest`'s `TestClock`, `TestClock.adjust("5 days")`
 *   delivers a hook scheduled with `postIn: "5d"`.
 * - {@link make} / {@link serve} run it from options (the CLI's `dev`).
 *
 * @since 0.1.0
 */
import * as Http from "node:http"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as ByteSize from "effect/ByteSize"
import type * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import * as NetAddress from "effect/net/NetAddress"
import * as Option from "effect/Option"
import type * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Hook from "../Hook.js"
import * as PosthookConfig from "../PosthookConfig.js"
import type { AttemptRecord, HookRecord } from "./HookRecord.js"
import * as CallbackTokens from "./internal/callbackTokens.js"
import * as Engine from "./internal/engine.js"
import * as EventLog from "./internal/eventLog.js"
import * as Listeners from "./internal/listeners.js"
import * as Rest from "./internal/rest.js"
import * as WallClock from "./internal/wallClock.js"
import * as WsEndpoint from "./internal/wsEndpoint.js"
import * as MemoryStore from "./MemoryStore.js"
import * as ServerConfig from "./ServerConfig.js"
import type { ServerEvent } from "./ServerEvent.js"
import * as SqliteStore from "./SqliteStore.js"
import type * as Store from "./Store.js"

/**
 * Extra routes served next to the REST API: an HTTP application that answers
 * the current request, or fails with an `HttpServerError` whose reason is
 * `RouteNotFound` for a request it has no route for, as a router's
 * `asHttpEffect()` does. Other failures pass through to the HTTP server.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as HttpRouter from "effect/http/HttpRouter"
 * import * as HttpServerResponse from "effect/http/HttpServerResponse"
 * import { LocalPosthook } from "posthook-effect/server"
 *
 * const program = Effect.gen(function* () {
 *   const router = yield* HttpRouter.make
 *   yield* router.add("GET", "/health", HttpServerResponse.text("ok"))
 *   const routes: LocalPosthook.Routes = router.asHttpEffect()
 *   return yield* LocalPosthook.make({ routes: () => routes })
 * })
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export type Routes = Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  unknown,
  HttpServerRequest.HttpServerRequest | Scope.Scope
>

/**
 * Options of {@link make} and {@link layer}: the server options, plus extra
 * routes served on the same port (the dashboard mounts itself this way).
 *
 * @example
 * ```ts
 * import { Dashboard, type LocalPosthook } from "posthook-effect/server"
 *
 * const options: LocalPosthook.Options = {
 *   targetOrigin: "http://127.0.0.1:3000",
 *   routes: Dashboard.routes
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends ServerConfig.Options {
  /** Extra routes, given the running server. Matched after the API's own routes. */
  readonly routes?: ((local: LocalPosthook) => Routes) | undefined
}

/**
 * Which hooks {@link LocalPosthook.hooks} returns (all when empty), newest
 * first unless `sortBy`/`sortOrder` say otherwise.
 *
 * @example
 * ```ts
 * import type { LocalPosthook } from "posthook-effect/server"
 *
 * const recentFailures: LocalPosthook.HooksFilter = { status: ["failed", "retry"], limit: 20 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface HooksFilter {
  readonly status?: Hook.HookStatus | ReadonlyArray<Hook.HookStatus> | undefined
  readonly path?: string | undefined
  readonly idContains?: string | undefined
  readonly sortBy?: "postAt" | "createdAt" | undefined
  readonly sortOrder?: "ASC" | "DESC" | undefined
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}

const toStoreFilter = (filter: HooksFilter): Store.HookFilter => ({
  statuses: filter.status === undefined
    ? undefined
    : typeof filter.status === "string"
    ? [filter.status]
    : filter.status,
  path: filter.path,
  idContains: filter.idContains
})

/**
 * A connected WebSocket listener (owned by the listener registry).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LocalPosthook } from "posthook-effect/server"
 *
 * const forwarding = Effect.gen(function* () {
 *   const local = yield* LocalPosthook.LocalPosthook
 *   const listeners: ReadonlyArray<LocalPosthook.ListenerInfo> = yield* local.listeners
 *   return listeners.filter((listener) => listener.forward)
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ListenerInfo = Listeners.ListenerInfo

/**
 * The monthly quota: `limit` is `undefined` when unlimited.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LocalPosthook } from "posthook-effect/server"
 *
 * const remaining = Effect.gen(function* () {
 *   const local = yield* LocalPosthook.LocalPosthook
 *   const quota: LocalPosthook.QuotaUsage = yield* local.quota
 *   return quota.limit === undefined ? Infinity : quota.limit - quota.usage
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface QuotaUsage {
  readonly limit: number | undefined
  readonly usage: number
  readonly resetsAt: number
}

/**
 * The running server: where it is, the keys clients need, and a read (and
 * repair) API over its state for tests, the CLI and the dashboard.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LocalPosthook } from "posthook-effect/server"
 *
 * const describe = (local: LocalPosthook.LocalPosthook) =>
 *   Effect.log(`Local Posthook on ${local.baseUrl}, target ${local.config.targetOrigin ?? "none"}`)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface LocalPosthook {
  /** `http://127.0.0.1:<port>`: the base URL for the SDK. */
  readonly baseUrl: string
  /** The URL used in callback and WebSocket URLs (`publicUrl` option, else `baseUrl`). */
  readonly publicUrl: string
  readonly port: number
  /** The resolved options (target origin as given at start; see {@link LocalPosthook.targetOrigin}). */
  readonly config: ServerConfig.Resolved
  readonly apiKey: Redacted.Redacted<string>
  readonly signingKeys: ReadonlyArray<Redacted.Redacted<string>>
  /** Options for `PosthookConfig.layer` that point an SDK client at this server. */
  readonly clientOptions: PosthookConfig.Options
  /** Where HTTP deliveries go now. */
  readonly targetOrigin: Effect.Effect<string | undefined>
  /** Changes where HTTP deliveries go (e.g. once a test's receiver has its port). */
  readonly setTargetOrigin: (origin: string | undefined) => Effect.Effect<void>
  readonly hooks: (filter?: HooksFilter) => Effect.Effect<ReadonlyArray<HookRecord>, Store.StoreError>
  /** How many hooks match (`limit`, `offset` and sorting are ignored); nothing is copied. */
  readonly countHooks: (filter?: HooksFilter) => Effect.Effect<number, Store.StoreError>
  readonly hook: (id: string) => Effect.Effect<Option.Option<HookRecord>, Store.StoreError>
  /** A hook's attempts, oldest first; without an id, the latest attempts of all hooks, newest first. */
  readonly attempts: (
    hookId?: string,
    options?: { readonly limit?: number | undefined }
  ) => Effect.Effect<ReadonlyArray<AttemptRecord>, Store.StoreError>
  /** Events from the moment the stream is run. */
  readonly events: Stream.Stream<ServerEvent>
  /** A subscription that has started when this returns (no event can slip in between). */
  readonly subscribe: Effect.Effect<Stream.Stream<ServerEvent>, never, Scope.Scope>
  /** The latest events, oldest first (up to `eventCapacity`). */
  readonly recentEvents: (limit?: number) => Effect.Effect<ReadonlyArray<ServerEvent>>
  /** The first event, already emitted or still to come, that matches. */
  readonly awaitEvent: <A extends ServerEvent>(refinement: Predicate.Refinement<ServerEvent, A>) => Effect.Effect<A>
  readonly listeners: Effect.Effect<ReadonlyArray<ListenerInfo>>
  readonly quota: Effect.Effect<QuotaUsage, Store.StoreError>
  /** Makes a pending or retrying hook due now; `false` if it is not waiting. */
  readonly deliverNow: (id: string) => Effect.Effect<boolean, Store.StoreError>
  /** The bulk actions, by id: how many hooks were affected. */
  readonly retry: (ids: ReadonlyArray<string>) => Effect.Effect<number, Store.StoreError>
  readonly replay: (ids: ReadonlyArray<string>) => Effect.Effect<number, Store.StoreError>
  readonly cancel: (ids: ReadonlyArray<string>) => Effect.Effect<number, Store.StoreError>
  /** Deletes a hook (cancelling it if pending); `false` if there was none. */
  readonly deleteHook: (id: string) => Effect.Effect<boolean, Store.StoreError>
  /**
   * Sends every WebSocket listener `closing` and closes it with 1001, as a
   * deploy of the real service would; listeners reconnect. Returns how many
   * there were.
   */
  readonly disconnectListeners: (reason?: string) => Effect.Effect<number>
}

/**
 * The running local server, as a service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LocalPosthook } from "posthook-effect/server"
 *
 * const deliveredPaths = Effect.gen(function* () {
 *   const local = yield* LocalPosthook.LocalPosthook
 *   const hooks = yield* local.hooks({ status: "completed" })
 *   return hooks.map((hook) => hook.path)
 * })
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export const LocalPosthook: Context.Service<LocalPosthook, LocalPosthook> = Context.Service<LocalPosthook>(
  "posthook-effect/server/LocalPosthook"
)

/**
 * Why the server could not start.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LocalPosthook } from "posthook-effect/server"
 *
 * const started = LocalPosthook.make({ port: 8787 }).pipe(
 *   Effect.catch((error: LocalPosthook.StartError) => Effect.die(`could not start: ${error._tag}`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type StartError = HttpServerError.ServeError | Store.StoreError

/** Whole milliseconds for Node; an infinite duration is 0, Node's "no timeout". */
const timeoutMillis = (duration: Duration.Duration): number =>
  Duration.isFinite(duration) ? Math.max(0, Math.round(Duration.toMillis(duration))) : 0

/**
 * Node's HTTP server options: the timeouts of the config, checked every
 * second (Node checks every 30 s, so a timeout could be late by that much).
 * Node refuses a headers timeout longer than the request timeout: it is
 * capped at it.
 */
const httpServerOptions = (config: ServerConfig.Resolved): Http.ServerOptions => {
  const requestTimeout = timeoutMillis(config.requestTimeout)
  const headersTimeout = timeoutMillis(config.headersTimeout)
  return {
    requestTimeout,
    headersTimeout: requestTimeout > 0 && (headersTimeout === 0 || headersTimeout > requestTimeout)
      ? requestTimeout
      : headersTimeout,
    keepAliveTimeout: timeoutMillis(config.keepAliveTimeout),
    connectionsCheckingInterval: 1000
  }
}

const advertisedHost = (hostname: string): string =>
  hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname.includes(":") ? `[${hostname}]` : hostname

/**
 * Starts the server in the current scope and returns it; it stops (in-flight
 * deliveries get `shutdownGrace` to finish, listeners get a `closing`
 * message, the store is closed) when the scope closes.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { LocalPosthook, ServerConfig } from "posthook-effect/server"
 *
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const local = yield* LocalPosthook.make({ port: 8787, targetOrigin: "http://127.0.0.1:3000" })
 *   yield* Effect.log(`Local Posthook on ${local.baseUrl}`)
 *   yield* Effect.log(`export POSTHOOK_API_KEY=${Redacted.value(local.apiKey)}`)
 *   yield* Effect.never
 * }))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<LocalPosthook, StartError, Scope.Scope> =>
  Effect.gen(function*() {
    const given = ServerConfig.resolve(options)
    const store = given.store === "memory" ? yield* MemoryStore.make : yield* SqliteStore.make(given.store.sqlite)
    // Keys that were not given are generated once per store: with SQLite they survive restarts,
    // so the `export POSTHOOK_…` lines a developer pasted keep working.
    const config: ServerConfig.Resolved = {
      ...given,
      apiKey: options.apiKey === undefined
        ? Redacted.make(yield* store.setting("apiKey", ServerConfig.generateApiKey))
        : given.apiKey,
      signingKeys: options.signingKeys === undefined
        ? [Redacted.make(yield* store.setting("signingKey", ServerConfig.generateSigningKey))]
        : given.signingKeys
    }
    const events = yield* EventLog.make({ capacity: config.eventCapacity, log: config.log })
    const listeners = Listeners.make()
    let targetOrigin = config.targetOrigin

    // The HTTP server lives in its own scope, closed after everything below: closing it cuts every
    // WebSocket with a bare 1001, so listeners must be sent `closing` (and stop reconnecting) first.
    const serverScope = yield* Scope.fork(yield* Effect.scope, "sequential")
    const server = yield* NodeHttpServer.make(() => Http.createServer(httpServerOptions(config)), {
      port: config.port,
      host: config.host,
      websocket: { maxPayload: WsEndpoint.MAX_LISTENER_FRAME_BYTES }
    }).pipe(Scope.provide(serverScope))
    const address = server.address
    const port = address._tag === "UnixPathAddress" ? 0 : address.port
    const baseUrl = address._tag === "UnixPathAddress"
      ? `http://unix:${address.path}`
      : `http://${advertisedHost(NetAddress.formatIp(address.address))}:${address.port}`
    const publicUrl = config.publicUrl ?? baseUrl

    const dispatcher = yield* NodeHttpClient.makeDispatcher
    const tokenSecret = yield* store.setting("callbackTokenSecret", CallbackTokens.newSecret)

    const engine = yield* Engine.make({
      config,
      store,
      events,
      listeners,
      dispatcher,
      publicUrl,
      targetOrigin: () => targetOrigin,
      tokenSecret
    })

    const bulkByIds = (action: Engine.BulkAction) => (ids: ReadonlyArray<string>) =>
      ids.length === 0 ? Effect.succeed(0) : engine.bulk(action, { hookIDs: ids })

    const awaitEvent = <A extends ServerEvent>(refinement: Predicate.Refinement<ServerEvent, A>) =>
      Effect.scoped(Effect.gen(function*() {
        const live = yield* events.subscribe
        const earlier = events.recent().find(refinement)
        if (earlier !== undefined) return earlier
        const next = yield* Stream.runHead(Stream.filter(live, refinement))
        return yield* Option.match(next, {
          onNone: () => Effect.interrupt,
          onSome: Effect.succeed
        })
      }))

    const local: LocalPosthook = {
      baseUrl,
      publicUrl,
      port,
      config,
      apiKey: config.apiKey,
      signingKeys: config.signingKeys,
      clientOptions: { apiKey: config.apiKey, signingKey: config.signingKeys, baseUrl },
      targetOrigin: Effect.sync(() => targetOrigin),
      setTargetOrigin: (origin) =>
        Effect.sync(() => {
          targetOrigin = origin === undefined ? undefined : ServerConfig.trimOrigin(origin)
        }),
      hooks: (filter = {}) =>
        store.listHooks({
          ...toStoreFilter(filter),
          sortBy: filter.sortBy ?? "createdAt",
          sortOrder: filter.sortOrder ?? "DESC",
          limit: filter.limit ?? Number.MAX_SAFE_INTEGER,
          offset: filter.offset ?? 0
        }),
      countHooks: (filter = {}) => store.countHooks(toStoreFilter(filter)),
      hook: (id) => store.getHook(id),
      attempts: (hookId, attemptOptions) => store.listAttempts({ hookId, limit: attemptOptions?.limit }),
      events: events.stream,
      subscribe: events.subscribe,
      recentEvents: (limit) => Effect.sync(() => events.recent(limit)),
      awaitEvent,
      listeners: Effect.sync(() => listeners.info()),
      quota: engine.quota,
      deliverNow: engine.deliverNow,
      retry: bulkByIds("retry"),
      replay: bulkByIds("replay"),
      cancel: bulkByIds("cancel"),
      deleteHook: engine.remove,
      disconnectListeners: (reason = "restart") =>
        WsEndpoint.closeAll(listeners, reason, "the local Posthook server closed this connection; reconnect")
    }

    const api = Rest.make({
      config,
      engine,
      store,
      listeners,
      publicUrl,
      tokenSecret,
      websocket: WsEndpoint.make({ config, engine, listeners, events })
    })
    const extra = options.routes?.(local)
    const app = Rest.withNotFound(extra === undefined ? api : Rest.orElse(api, extra))
    // The default body limit of every route (the API's routes set their own): a body read past it fails.
    yield* server.serve(Effect.provideService(app, HttpServerRequest.MaxBodySize, ByteSize.bytes(Rest.MAX_API_BODY_BYTES)))
      .pipe(Scope.provide(serverScope))

    // Runs first on shutdown: tell listeners to reconnect elsewhere before connections are cut.
    yield* Effect.addFinalizer(() =>
      Effect.andThen(
        // Listeners reconnect on `closing`: refuse them from here on, or the server never empties.
        Effect.andThen(
          Effect.sync(() => listeners.stopAccepting()),
          WsEndpoint.closeAll(listeners, "shutdown", "the local Posthook server is shutting down")
        ),
        WallClock.raceWithTimeout(listeners.awaitEmpty, 1000)
      )
    )
    return local
  }).pipe(Effect.withSpan("LocalPosthook.make"))

/**
 * The server as a Layer: provides {@link LocalPosthook} and the SDK's
 * `PosthookConfig` pointed at it, so SDK services built on top talk to it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TestClock } from "effect/testing"
 * import { LocalPosthook } from "posthook-effect/server"
 *
 * // In an `it.effect` test (TestClock): a hook five days out is delivered by moving the clock.
 * const test = Effect.gen(function* () {
 *   const local = yield* LocalPosthook.LocalPosthook
 *   // … schedule `postIn: "5d"` through the SDK …
 *   yield* TestClock.adjust("5 days")
 *   const delivered = yield* local.awaitEvent(
 *     (event): event is Extract<typeof event, { _tag: "HookDelivered" }> => event._tag === "HookDelivered"
 *   )
 * }).pipe(Effect.provide(LocalPosthook.layer({ targetOrigin: "http://127.0.0.1:3000", log: false })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<LocalPosthook | PosthookConfig.PosthookConfig, StartError | Config.ConfigError> => {
  const server = Layer.effect(LocalPosthook, make(options))
  const clientConfig = Layer.effect(
    PosthookConfig.PosthookConfig,
    Effect.flatMap(LocalPosthook, (local) => PosthookConfig.make(local.clientOptions))
  )
  return Layer.provideMerge(clientConfig, server)
}

/**
 * Runs the server until interrupted (Ctrl-C with `NodeRuntime.runMain`).
 *
 * @example
 * ```ts
 * import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
 * import { LocalPosthook } from "posthook-effect/server"
 *
 * LocalPosthook.serve({ port: 8787, targetOrigin: "http://127.0.0.1:3000" }).pipe(NodeRuntime.runMain)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const serve = (options: Options = {}): Effect.Effect<never, StartError> =>
  Effect.scoped(Effect.andThen(make(options), Effect.never))
