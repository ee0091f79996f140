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
