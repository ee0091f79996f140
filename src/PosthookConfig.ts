/**
 * Client configuration: API key, signing keys, base URL, timeout and retry
 * policy, from options or from the environment through Effect `Config`.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import type * as PosthookError from "./PosthookError.js"
import { splitSigningKeys } from "./protocol/signing.js"
import { invalidSetting } from "./internal/configError.js"

/**
 * The default API base URL.
 *
 * @example
 * ```ts
 * import { PosthookConfig } from "posthook-effect"
 *
 * console.log(PosthookConfig.DEFAULT_BASE_URL) // "https://api.posthook.io"
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_BASE_URL = "https://api.posthook.io"

/**
 * The default request timeout: 30 seconds.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { PosthookConfig } from "posthook-effect"
 *
 * console.log(Duration.format(PosthookConfig.DEFAULT_TIMEOUT)) // "30s"
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_TIMEOUT: Duration.Duration = Duration.seconds(30)

/**
 * A secret given as a plain string or already wrapped in `Redacted`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { PosthookConfig } from "posthook-effect"
 *
 * const plain: PosthookConfig.Secret = "pk_..."
 * const wrapped: PosthookConfig.Secret = Redacted.make("pk_...")
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Secret = string | Redacted.Redacted<string>

/**
 * A timeout: an Effect `Duration` or a string such as `"60 seconds"`. Plain
 * numbers are refused on purpose: Effect reads them as milliseconds, while
 * other Posthook SDKs take seconds, so `60` would silently mean 60 ms.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import type { PosthookConfig } from "posthook-effect"
 *
 * const short: PosthookConfig.Timeout = "5 seconds"
 * const long: PosthookConfig.Timeout = Duration.minutes(2)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Timeout = Exclude<Duration.Input, number | bigint>

/**
 * How failed requests are retried.
 *
 * - `times`: retries after the first attempt (default 3).
 * - `schedule`: the delays between attempts (default: exponential from 250 ms,
 *   ×2, jittered, each delay capped at 10 s). A `Retry-After` header always
 *   wins when it asks for a longer wait, up to `maxRetryAfter` (default 60 s).
 * - `retryWrites`: also retry `POST /v1/hooks` and bulk calls (default
 *   `false`: the API has no idempotency key, so a retried POST whose first
 *   attempt did reach the server schedules the hook twice).
 *
 * Only connection errors, 408, 429 and 5xx are retried.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import type { PosthookConfig } from "posthook-effect"
 *
 * const patient: PosthookConfig.RequestRetries = {
 *   times: 5,
 *   schedule: Schedule.exponential("1 second").pipe(Schedule.jittered),
 *   maxRetryAfter: "2 minutes"
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestRetries {
  readonly times?: number
  readonly schedule?: Schedule.Schedule<unknown, PosthookError.RequestError>
  readonly retryWrites?: boolean
  readonly maxRetryAfter?: Duration.Input
}

/**
 * Options every REST method takes as its last argument, overriding the
 * configuration for that one call.
 *
 * - `timeout`: how long one attempt may take.
 * - `retry`: a retry policy for this call, or `false` for no retries.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Hooks } from "posthook-effect"
 *
 * const program = Effect.gen(function* () {
 *   const hooks = yield* Hooks.Hooks
 *   // Opt in to retrying this POST: a retry after a lost response could schedule twice.
 *   return yield* hooks.schedule(
 *     { path: "/webhooks/x", postIn: "5m" },
 *     { timeout: "5 seconds", retry: { retryWrites: true, times: 2 } }
 *   )
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface CallOptions {
  readonly timeout?: Timeout | undefined
  readonly retry?: RequestRetries | false | undefined
}

/**
 * Options for {@link layer}. Only `apiKey` is required.
 *
 * @example
 * ```ts
 * import type { PosthookConfig } from "posthook-effect"
 *
 * const options: PosthookConfig.Options = {
 *   apiKey: "pk_...",
 *   signingKey: "ph_sk_...",
 *   baseUrl: "https://api.staging.posthook.io",
 *   timeout: "60 seconds",
 *   retry: { times: 2 }
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The project's API key (`pk_…`). */
  readonly apiKey: Secret
  /** One or more signing keys (`ph_sk_…`); several while rotating keys. */
  readonly signingKey?: Secret | ReadonlyArray<Secret> | undefined
  /** Defaults to {@link DEFAULT_BASE_URL}. */
  readonly baseUrl?: string | undefined
  /** Per-request timeout; defaults to 30 seconds. */
  readonly timeout?: Timeout | undefined
  /** Retry policy, or `false` to never retry. */
  readonly retry?: RequestRetries | false | undefined
}

/**
 * The resolved configuration every Posthook service reads.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { PosthookConfig } from "posthook-effect"
 *
 * const timeoutOf = Effect.map(PosthookConfig.PosthookConfig, (config: PosthookConfig.Resolved) => config.timeout)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved {
  readonly apiKey: Redacted.Redacted<string>
  readonly signingKeys: ReadonlyArray<Redacted.Redacted<string>>
  readonly baseUrl: string
  readonly timeout: Duration.Duration
  readonly retry: RequestRetries | false
}

/**
 * The configuration service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { PosthookConfig } from "posthook-effect"
 *
 * const program = Effect.gen(function* () {
 *   const config = yield* PosthookConfig.PosthookConfig
 *   yield* Effect.log(`talking to ${config.baseUrl}`)
 * }).pipe(Effect.provide(PosthookConfig.layer({ apiKey: "pk_test" })))
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class PosthookConfig extends Context.Service<PosthookConfig, Resolved>()("posthook-effect/PosthookConfig") {}

const toRedacted = (secret: Secret): Redacted.Redacted<string> =>
  Redacted.isRedacted(secret) ? secret : Redacted.make(secret)

const toSigningKeys = (
  input: Secret | ReadonlyArray<Secret> | undefined
): ReadonlyArray<Redacted.Redacted<string>> => {
  if (input === undefined) return []
  const list: ReadonlyArray<Secret> = typeof input === "string" || Redacted.isRedacted(input) ? [input] : input
  return list.map(toRedacted).filter((key) => Redacted.value(key).length > 0)
}

const invalidOption = (path: string, message: string) => Effect.fail(invalidSetting(path, message))

/**
 * Checks a base URL: http(s), no credentials, query or fragment (an API key
 * never travels in a URL). Returns it without trailing slashes.
 */
const checkBaseUrl = (input: string): Effect.Effect<string, Config.ConfigError> => {
  if (!URL.canParse(input)) return invalidOption("POSTHOOK_BASE_URL", "baseUrl is not a URL")
  const url = new URL(input)
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return invalidOption("POSTHOOK_BASE_URL", `baseUrl must be an http(s) URL, got ${url.protocol}`)
  }
  if (url.username !== "" || url.password !== "") {
    return invalidOption("POSTHOOK_BASE_URL", "baseUrl must not carry credentials: pass the API key as apiKey")
  }
  if (url.search !== "" || url.hash !== "") {
    return invalidOption("POSTHOOK_BASE_URL", "baseUrl must not have a query string or fragment")
  }
  return Effect.succeed(input.replace(/\/+$/, ""))
}

const checkTimeout = (input: Timeout | undefined): Effect.Effect<Duration.Duration, Config.ConfigError> => {
  if (input === undefined) return Effect.succeed(DEFAULT_TIMEOUT)
  const timeout = Duration.fromInput(input)
  return Option.isSome(timeout) && Duration.isGreaterThan(timeout.value, Duration.zero)
    ? Effect.succeed(timeout.value)
    : invalidOption("timeout", "timeout must be a positive duration such as \"30 seconds\"")
}

/**
 * Resolves options into a configuration, applying defaults. Fails with a
 * `ConfigError` when the API key is empty, the base URL is not a plain
 * http(s) URL, or the timeout is not positive.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { PosthookConfig } from "posthook-effect"
 *
 * const resolved = Effect.runSync(PosthookConfig.make({ apiKey: "pk_test", timeout: "60 seconds" }))
 * console.log(resolved.baseUrl) // "https://api.posthook.io"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Resolved, Config.ConfigError> => {
  const apiKey = toRedacted(options.apiKey)
  if (Redacted.value(apiKey).trim().length === 0) {
    return Effect.fail(
      invalidSetting("POSTHOOK_API_KEY", "A Posthook API key is required: pass apiKey or set POSTHOOK_API_KEY")
    )
  }
  return Effect.all({
    apiKey: Effect.succeed(apiKey),
    signingKeys: Effect.succeed(toSigningKeys(options.signingKey)),
    baseUrl: checkBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL),
    timeout: checkTimeout(options.timeout),
    retry: Effect.succeed(options.retry ?? {})
  })
}

/**
 * A Layer from explicit options.
 *
 * @example
 * ```ts
 * import { PosthookConfig } from "posthook-effect"
 *
 * const ConfigLive = PosthookConfig.layer({
 *   apiKey: "pk_...",
 *   signingKey: "ph_sk_...",
 *   baseUrl: "https://api.staging.posthook.io",
 *   timeout: "60 seconds"
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<PosthookConfig, Config.ConfigError> =>
  Layer.effect(PosthookConfig, make(options))

/**
 * The environment variables (through Effect `Config`) that {@link layerConfig}
 * reads: `POSTHOOK_API_KEY` (required), `POSTHOOK_SIGNING_KEY` (optional; a
 * comma-separated list is several keys) and `POSTHOOK_BASE_URL` (optional).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { PosthookConfig } from "posthook-effect"
 *
 * const program = Effect.gen(function* () {
 *   const options = yield* PosthookConfig.fromEnv
 *   yield* Effect.log(options.baseUrl)
 * })
 * ```
 *
 * @since 0.1.0
 * @category config
 */
export const fromEnv: Config.Config<Options> = Config.all({
  apiKey: Config.Redacted("POSTHOOK_API_KEY"),
  signingKey: Config.option(Config.Redacted("POSTHOOK_SIGNING_KEY")).pipe(
    Config.map(Option.match({ onNone: () => [], onSome: splitSigningKeys }))
  ),
  baseUrl: Config.option(Config.NonEmptyString("POSTHOOK_BASE_URL")).pipe(Config.map(Option.getOrUndefined))
})

/**
 * A Layer read through Effect `Config` (by default from environment
 * variables; any `ConfigProvider` works). Options given here override what the
 * environment says. A missing `POSTHOOK_API_KEY` fails when the Layer is built,
 * naming the variable.
 *
 * @example
 * ```ts
 * import { PosthookConfig } from "posthook-effect"
 *
 * // POSTHOOK_API_KEY, POSTHOOK_SIGNING_KEY, POSTHOOK_BASE_URL
 * const ConfigLive = PosthookConfig.layerConfig({ timeout: "10 seconds" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  overrides: Omit<Options, "apiKey"> = {}
): Layer.Layer<PosthookConfig, Config.ConfigError> =>
  Layer.effect(
    PosthookConfig,
    Effect.flatMap(fromEnv, (env) =>
      make({
        apiKey: env.apiKey,
        signingKey: overrides.signingKey ?? env.signingKey,
        baseUrl: overrides.baseUrl ?? env.baseUrl,
        timeout: overrides.timeout,
        retry: overrides.retry
      })
    )
  )

