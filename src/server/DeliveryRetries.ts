/**
 * The local server's delivery retries: how many attempts a hook gets and how
 * long it waits between them. A hook's `retryOverride` replaces the project
 * default entirely (docs/protocol.md §1.1). Not to be confused with the SDK's
 * request retries (`PosthookConfig.RequestRetries`) or a listener's
 * reconnects.
 *
 * - `fixed`: every retry waits `delaySecs`.
 * - `exponential`: retry `n` (1-based) waits `delaySecs × backoffFactor^(n-1)`,
 *   capped at `maxDelaySecs` (`backoffFactor` defaults to 2.0).
 * - `jitter`: adds 0–25 % random extra delay to each wait.
 *
 * A hook gets `1 + minRetries` attempts per delivery cycle (a bulk retry or
 * replay starts a new cycle).
 *
 * @since 0.1.0
 */
import type * as Hook from "../Hook.js"

/**
 * A delivery retry policy; the same shape as a hook's `retryOverride`.
 *
 * @example
 * ```ts
 * import type { DeliveryRetries } from "posthook-effect/server"
 *
 * const patient: DeliveryRetries.DeliveryRetries = { minRetries: 10, delaySecs: 30, strategy: "exponential", maxDelaySecs: 3600 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type DeliveryRetries = Hook.RetryOverride

/**
 * The project default used when a hook has no `retryOverride` and the server
 * was given no `retryPolicy`: 3 retries, 5 seconds apart.
 *
 * @example
 * ```ts
 * import { DeliveryRetries } from "posthook-effect/server"
 *
 * console.log(DeliveryRetries.DEFAULT.minRetries) // 3
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT: DeliveryRetries = { minRetries: 3, delaySecs: 5, strategy: "fixed", jitter: false }

/** Exponential backoff without `maxDelaySecs` (only possible for a project default) is capped here. */
const FALLBACK_MAX_DELAY_SECS = 3600

/**
 * Attempts allowed per delivery cycle: the first attempt plus `minRetries`.
 *
 * @example
 * ```ts
 * import { DeliveryRetries } from "posthook-effect/server"
 *
 * console.log(DeliveryRetries.maxAttempts({ minRetries: 2, delaySecs: 5, strategy: "fixed" })) // 3
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const maxAttempts = (policy: DeliveryRetries): number => 1 + Math.max(0, Math.floor(policy.minRetries))

/**
 * The wait before retry number `retry` (1 = the first retry), in
 * milliseconds. `random` is a number in [0, 1) used for jitter only.
 *
 * @example
 * ```ts
 * import { DeliveryRetries } from "posthook-effect/server"
 *
 * const policy = { minRetries: 5, delaySecs: 10, strategy: "exponential", maxDelaySecs: 60 } as const
 * console.log([1, 2, 3, 4].map((retry) => DeliveryRetries.delayMillis(policy, retry, 0)))
 * // [10000, 20000, 40000, 60000]
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const delayMillis = (policy: DeliveryRetries, retry: number, random: number): number => {
  const baseSecs = policy.strategy === "exponential"
    ? Math.min(
      policy.delaySecs * Math.pow(policy.backoffFactor ?? 2, Math.max(0, retry - 1)),
      policy.maxDelaySecs ?? FALLBACK_MAX_DELAY_SECS
    )
    : policy.delaySecs
  const jitterFactor = policy.jitter === true ? 1 + 0.25 * Math.min(Math.max(random, 0), 1) : 1
  return Math.round(baseSecs * jitterFactor * 1000)
}
