/**
 * The local server's options (what the CLI's `dev` command and the test
 * Layer pass in) and their resolved form (what the dashboard shows).
 *
 * @since 0.1.0
 */
import * as Crypto from "node:crypto"
import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import type * as PosthookConfig from "../PosthookConfig.js"
import * as DeliveryRetries from "./DeliveryRetries.js"
import * as AsyncTimeout from "../protocol/asyncTimeout.js"

/**
 * Where hooks are kept: in memory (default), or in a SQLite file (needs the
 * optional `@effect/sql-sqlite-node` package, on Node's built-in `node:sqlite`).
 *
 * @example
 * ```ts
 * import type { ServerConfig } from "posthook-effect/server"
 *
 * const persistent: ServerConfig.StoreOption = { sqlite: ".posthook/dev.db" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type StoreOption = "memory" | { readonly sqlite: string }

/**
 * Options of the local server. All optional.
 *
 * @example
 * ```ts
 * import { LocalPosthook } from "posthook-effect/server"
 *
 * const DevServer = LocalPosthook.layer({
 *   port: 8787,
 *   targetOrigin: "http://127.0.0.1:3000",
 *   store: { sqlite: ".posthook/dev.db" },
 *   apiKey: "pk_local_dev",
 *   signingKeys: ["ph_sk_local_new", "ph_sk_local_old"],
 *   retryPolicy: { minRetries: 5, delaySecs: 10, strategy: "exponential", maxDelaySecs: 300, jitter: true }
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** TCP port; `0` (default) picks a free one. */
  readonly port?: number | undefined
  /** Interface to listen on; default `127.0.0.1`. */
  readonly host?: string | undefined
  /**
   * The "project domain": HTTP deliveries POST to `<targetOrigin><path>`
   * (e.g. `http://127.0.0.1:3000`). Without it, hooks are delivered only to
   * WebSocket listeners. Can be changed later with `setTargetOrigin`.
   */
  readonly targetOrigin?: string | undefined
  /** Default `"memory"`. */
  readonly store?: StoreOption | undefined
  /** The API key clients must send as `X-API-Key`; generated (`pk_local_…`) when absent. */
  readonly apiKey?: PosthookConfig.Secret | undefined
  /** Signing keys; every delivery is signed with each (key rotation). Generated (`ph_sk_local_…`) when absent. */
  readonly signingKeys?: PosthookConfig.Secret | ReadonlyArray<PosthookConfig.Secret> | undefined
  /** Async hooks (ack/nack URLs, 202 = accepted); default `true`. */
  readonly asyncHooks?: boolean | undefined
  /** Monthly hook quota. Absent: unlimited and no quota headers. */
  readonly quotaLimit?: number | undefined
  /** How long a WebSocket listener has to answer a `hook` frame; default 10 s. */
  readonly ackWindow?: Duration.Input | undefined
  /** How often listeners get a `ping`; default 30 s. */
  readonly pingInterval?: Duration.Input | undefined
  /** How long an HTTP delivery may take; default 10 s. */
  readonly deliveryTimeout?: Duration.Input | undefined
  /** Async deadline after a 202 without `Posthook-Async-Timeout`; default 300 s. */
  readonly asyncTimeout?: Duration.Input | undefined
  /** How long a WebSocket ticket stays valid; default 60 s. */
  readonly ticketTtl?: Duration.Input | undefined
  /** The project's default delivery retries; default {@link DeliveryRetries.DEFAULT}. */
  readonly retryPolicy?: DeliveryRetries.DeliveryRetries | undefined
  /** Deliveries in flight at once (the delivery pool); default 64. */
  readonly concurrency?: number | undefined
  /** Events kept for `recentEvents`; default 1000. */
  readonly eventCapacity?: number | undefined
  /** Write one log line per scheduled / delivered / retried / failed hook; default `true`. */
  readonly log?: boolean | undefined
  /**
   * The URL clients reach this server at, used for ack/nack URLs and the
   * WebSocket URL of tickets. Default `http://<host>:<port>`.
   */
  readonly publicUrl?: string | undefined
  /** On shutdown, how long in-flight HTTP deliveries may take to finish; default 5 s. */
  readonly shutdownGrace?: Duration.Input | undefined
  /**
   * How long a client has, from connecting or from the end of its previous
   * request, to send a request's headers; default 10 s (Node's is 60 s).
   */
  readonly headersTimeout?: Duration.Input | undefined
  /** How long a client has to send a whole request, body included; default 30 s (Node's is 300 s). */
  readonly requestTimeout?: Duration.Input | undefined
  /** How long an idle keep-alive connection stays open between requests; default 5 s. */
  readonly keepAliveTimeout?: Duration.Input | undefined
  readonly projectId?: string | undefined
  readonly projectName?: string | undefined
}

/**
 * Options with every default applied.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LocalPosthook, ServerConfig } from "posthook-effect/server"
 *
 * const header = Effect.map(LocalPosthook.LocalPosthook, ({ config }: { config: ServerConfig.Resolved }) =>
 *   `target ${config.targetOrigin ?? "none"}, async hooks ${config.asyncHooks ? "on" : "off"}`
 * )
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved {
  readonly port: number
  readonly host: string
  readonly targetOrigin: string | undefined
  readonly store: StoreOption
  readonly apiKey: Redacted.Redacted<string>
  readonly signingKeys: ReadonlyArray<Redacted.Redacted<string>>
  readonly asyncHooks: boolean
  readonly quotaLimit: number | undefined
  readonly ackWindow: Duration.Duration
  readonly pingInterval: Duration.Duration
  readonly deliveryTimeout: Duration.Duration
  readonly asyncTimeout: Duration.Duration
  readonly ticketTtl: Duration.Duration
  readonly retryPolicy: DeliveryRetries.DeliveryRetries
  readonly concurrency: number
  readonly eventCapacity: number
  readonly log: boolean
  readonly publicUrl: string | undefined
  readonly shutdownGrace: Duration.Duration
  readonly headersTimeout: Duration.Duration
  readonly requestTimeout: Duration.Duration
  readonly keepAliveTimeout: Duration.Duration
  readonly projectId: string
  readonly projectName: string
}

const toRedacted = (secret: PosthookConfig.Secret): Redacted.Redacted<string> =>
  Redacted.isRedacted(secret) ? secret : Redacted.make(secret)

const randomKey = (prefix: string): string => `${prefix}${Crypto.randomBytes(18).toString("base64url")}`

/**
 * A fresh API key, `pk_local_…`.
 *
 * @example
 * ```ts
 * import { ServerConfig } from "posthook-effect/server"
 *
 * console.log(ServerConfig.generateApiKey().startsWith("pk_local_")) // true
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const generateApiKey = (): string => randomKey("pk_local_")

/**
 * A fresh signing key, `ph_sk_local_…`.
 *
 * @example
 * ```ts
 * import { ServerConfig } from "posthook-effect/server"
 *
 * console.log(ServerConfig.generateSigningKey().startsWith("ph_sk_local_")) // true
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const generateSigningKey = (): string => randomKey("ph_sk_local_")

// The HTTP server's timeouts. Node's defaults (60 s for headers, 300 s for a request, checked every
// 30 s) let a trickled request hold a connection for minutes; a local server's clients are near and fast.
const DEFAULT_HEADERS_TIMEOUT = "10 seconds"
const DEFAULT_REQUEST_TIMEOUT = "30 seconds"
const DEFAULT_KEEP_ALIVE_TIMEOUT = "5 seconds"

const positiveInteger = (value: number | undefined, fallback: number): number =>
  value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback

/**
 * Applies defaults (and generates the keys that were not given).
 *
 * @example
 * ```ts
 * import { ServerConfig } from "posthook-effect/server"
 *
 * const resolved = ServerConfig.resolve({ asyncHooks: false })
 * console.log(resolved.host, resolved.port, resolved.asyncHooks) // "127.0.0.1" 0 false
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (options: Options = {}): Resolved => {
  const givenSigningKeys = options.signingKeys === undefined
    ? []
    : (typeof options.signingKeys === "string" || Redacted.isRedacted(options.signingKeys)
      ? [options.signingKeys]
      : options.signingKeys)
  const signingKeys = givenSigningKeys.map(toRedacted).filter((key) => Redacted.value(key).length > 0)
  const apiKey = options.apiKey === undefined ? undefined : toRedacted(options.apiKey)
  return {
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1",
    targetOrigin: options.targetOrigin === undefined ? undefined : trimOrigin(options.targetOrigin),
    store: options.store ?? "memory",
    apiKey: apiKey !== undefined && Redacted.value(apiKey).length > 0 ? apiKey : Redacted.make(generateApiKey()),
    signingKeys: signingKeys.length > 0 ? signingKeys : [Redacted.make(generateSigningKey())],
    asyncHooks: options.asyncHooks ?? true,
    quotaLimit: options.quotaLimit === undefined ? undefined : Math.max(0, Math.floor(options.quotaLimit)),
    ackWindow: Duration.fromInputUnsafe(options.ackWindow ?? "10 seconds"),
    pingInterval: Duration.fromInputUnsafe(options.pingInterval ?? "30 seconds"),
    deliveryTimeout: Duration.fromInputUnsafe(options.deliveryTimeout ?? "10 seconds"),
    asyncTimeout: Duration.fromInputUnsafe(options.asyncTimeout ?? Duration.seconds(AsyncTimeout.DEFAULT_SECONDS)),
    ticketTtl: Duration.fromInputUnsafe(options.ticketTtl ?? "60 seconds"),
    retryPolicy: options.retryPolicy ?? DeliveryRetries.DEFAULT,
    concurrency: positiveInteger(options.concurrency, 64),
    eventCapacity: positiveInteger(options.eventCapacity, 1000),
    log: options.log ?? true,
    publicUrl: options.publicUrl === undefined ? undefined : trimOrigin(options.publicUrl),
    shutdownGrace: Duration.fromInputUnsafe(options.shutdownGrace ?? "5 seconds"),
    headersTimeout: Duration.fromInputUnsafe(options.headersTimeout ?? DEFAULT_HEADERS_TIMEOUT),
    requestTimeout: Duration.fromInputUnsafe(options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT),
    keepAliveTimeout: Duration.fromInputUnsafe(options.keepAliveTimeout ?? DEFAULT_KEEP_ALIVE_TIMEOUT),
    projectId: options.projectId ?? "local",
    projectName: options.projectName ?? "Local Posthook"
  }
}

/**
 * An origin without trailing slashes (`http://127.0.0.1:3000/` → `http://127.0.0.1:3000`).
 *
 * @example
 * ```ts
 * import { ServerConfig } from "posthook-effect/server"
 *
 * console.log(ServerConfig.trimOrigin("http://127.0.0.1:3000/")) // "http://127.0.0.1:3000"
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const trimOrigin = (origin: string): string => origin.replace(/\/+$/, "")

/** Most characters of a key {@link maskKey} shows. */
const MASK_PREFIX_LENGTH = 8

/**
 * A key for display: at most its first 8 characters and never more than half
 * of it (rounded down), then `…`. A generated key shows only its kind
 * (`pk_local…`); a key of 8 characters shows 4, one of 1 character none.
 * Never log a key in full.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { ServerConfig } from "posthook-effect/server"
 *
 * console.log(ServerConfig.maskKey(Redacted.make("pk_local_0123456789"))) // "pk_local…"
 * console.log(ServerConfig.maskKey(Redacted.make("devkey12"))) // "devk…"
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const maskKey = (key: Redacted.Redacted<string>): string => {
  const value = Redacted.value(key)
  return `${value.slice(0, Math.min(MASK_PREFIX_LENGTH, Math.floor(value.length / 2)))}…`
}
