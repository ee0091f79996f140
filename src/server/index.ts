/**
 * posthook-effect/server: a Posthook-compatible server for local development
 * and tests. Kept out of the SDK's main entry so SDK users never load it.
 *
 * @since 0.1.0
 */

/**
 * The local server: start it, point the SDK at it, inspect what it delivered.
 *
 * @since 0.1.0
 */
export * as LocalPosthook from "./LocalPosthook.js"

/**
 * The server's options and their defaults.
 *
 * @since 0.1.0
 */
export * as ServerConfig from "./ServerConfig.js"

/**
 * Stored hooks and delivery attempts, as the inspection API returns them.
 *
 * @since 0.1.0
 */
export * as HookRecord from "./HookRecord.js"

/**
 * The events the server emits (scheduled, delivered, retried, failed, …).
 *
 * @since 0.1.0
 */
export * as ServerEvent from "./ServerEvent.js"

/**
 * The store service the server keeps its state in.
 *
 * @since 0.1.0
 */
export * as Store from "./Store.js"

/**
 * The in-memory store (default).
 *
 * @since 0.1.0
 */
export * as MemoryStore from "./MemoryStore.js"

/**
 * The SQLite store (optional peer dependencies, loaded on demand).
 *
 * @since 0.1.0
 */
export * as SqliteStore from "./SqliteStore.js"

/**
 * Delivery retries: attempts per cycle and the delays between them (was
 * `RetryPolicy` before 0.2.0).
 *
 * @since 0.2.0
 */
export * as DeliveryRetries from "./DeliveryRetries.js"

/**
 * RFC 3339 parsing and `postAtLocal` + IANA zone resolution (DST rules).
 *
 * @since 0.1.0
 */
export * as TimeZone from "./TimeZone.js"

/**
 * The local dashboard: a live list of hooks, each hook's attempts and signed
 * requests, and retry / replay / cancel / deliver-now actions.
 *
 * @since 0.1.0
 */
export * as Dashboard from "./Dashboard.js"
