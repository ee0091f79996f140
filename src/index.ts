/**
 * posthook-effect: the Effect-native SDK for Posthook.
 *
 * @since 0.1.0
 */

/**
 * Delivered hooks and the `Result` handlers answer with.
 *
 * @since 0.1.0
 */
export * as Delivery from "./Delivery.js"

/**
 * The REST data model: hooks, retry overrides, quota, bulk results.
 *
 * @since 0.1.0
 */
export * as Hook from "./Hook.js"

/**
 * Client configuration from options or the environment.
 *
 * @since 0.1.0
 */
export * as PosthookConfig from "./PosthookConfig.js"

/**
 * The tagged errors of the Posthook error table.
 *
 * @since 0.1.0
 */
export * as PosthookError from "./PosthookError.js"

/**
 * Async hook callbacks: `ack` / `nack` on a delivery's callback URLs.
 *
 * @since 0.1.0
 */
export * as Callbacks from "./Callbacks.js"

/**
 * Verifying delivered hooks, typed delivery data, and signing test deliveries.
 *
 * @since 0.1.0
 */
export * as Signatures from "./Signatures.js"

/**
 * A Web standard `(Request) => Promise<Response>` delivery handler (Next.js, Hono, Bun, Deno, Workers).
 *
 * @since 0.1.0
 */
export * as WebHandler from "./WebHandler.js"

/**
 * A delivery handler for Effect HTTP servers (`effect/http`).
 *
 * @since 0.1.0
 */
export * as HttpAppHandler from "./HttpAppHandler.js"

/**
 * The `Hooks` service: schedule, get, list, listAll, delete and bulk actions.
 *
 * @since 0.1.0
 */
export * as Hooks from "./Hooks.js"

/**
 * The `Posthook` service (`hooks`, `config`) and its Layers.
 *
 * @since 0.1.0
 */
export * as Posthook from "./Posthook.js"

/**
 * WebSocket delivery: `listen` with a handler, or a `stream` of deliveries.
 *
 * @since 0.1.0
 */
export * as Listener from "./Listener.js"
