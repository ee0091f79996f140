/**
 * The `Posthook` service: one handle on everything the SDK does, mirroring
 * the other SDKs' `client.hooks.…`, plus the Layers that build it from
 * options or from the environment.
 *
 * The Layers need an `HttpClient` and do not pick one, so the application
 * decides how HTTP is done (and owns that client: the SDK never closes it):
 *
 * - Node: `NodeHttpClient.layerUndici` from `@effect/platform-node/NodeHttpClient`;
 * - anywhere with `fetch`: `FetchHttpClient.layer` from `effect/http/FetchHttpClient`.
 *
 * @since 0.1.0
 */
import type * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as Hooks from "./Hooks.js"
import * as PosthookConfig from "./PosthookConfig.js"
import * as Signatures from "./Signatures.js"

/**
 * What the {@link Posthook} service holds.
 *
 * - `hooks`: the {@link Hooks.Service} (schedule, get, list, listAll, delete, bulk).
 * - `signatures`: the {@link Signatures.Service} built from the configured
 *   signing keys (verifying fails with `NoSigningKey` when there are none).
 * - `config`: the resolved configuration (keys stay `Redacted`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Posthook } from "posthook-effect"
 *
 * const program = Effect.gen(function* () {
 *   const posthook: Posthook.Service = yield* Posthook.Posthook
 *   yield* Effect.log(`using ${posthook.config.baseUrl}`)
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly hooks: Hooks.Service
  readonly signatures: Signatures.Service
  readonly config: PosthookConfig.Resolved
}

/**
 * The `Posthook` service tag.
 *
 * @example
 * ```ts
 * import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
 * import { Effect, Layer } from "effect"
 * import { Posthook } from "posthook-effect"
 *
 * const PosthookLive = Posthook.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))
 *
 * const program = Effect.gen(function* () {
 *   const posthook = yield* Posthook.Posthook
 *   const hook = yield* posthook.hooks.schedule({
 *     path: "/webhooks/user-created",
 *     postIn: "5m",
 *     data: { userId: "123", event: "user.created" }
 *   })
 *   yield* Effect.log(hook.id, hook.status)
 * }).pipe(Effect.provide(PosthookLive))
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class Posthook extends Context.Service<Posthook, Service>()("posthook-effect/Posthook") {}

/**
 * Builds the service from the {@link Hooks.Hooks} and
 * {@link Signatures.Signatures} services and the configuration.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Hooks, Posthook, PosthookConfig, Signatures } from "posthook-effect"
 *
 * // What Posthook.layer does, spelled out:
 * const PosthookLive = Layer.effect(Posthook.Posthook, Posthook.make).pipe(
 *   Layer.provideMerge(Layer.merge(Hooks.layer, Signatures.layerPosthookConfig)),
 *   Layer.provideMerge(PosthookConfig.layer({ apiKey: "pk_..." }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<
  Service,
  never,
  Hooks.Hooks | Signatures.Signatures | PosthookConfig.PosthookConfig
> = Effect.gen(
  function*() {
    return {
      hooks: yield* Hooks.Hooks,
      signatures: yield* Signatures.Signatures,
      config: yield* PosthookConfig.PosthookConfig
    }
  }
)

/**
 * The services every Posthook Layer provides: {@link Posthook}, the
 * {@link Hooks.Hooks} service on its own (for code that needs only that) and
 * the {@link PosthookConfig.PosthookConfig}.
 *
 * @example
 * ```ts
 * import type { Layer } from "effect"
 * import type { Posthook } from "posthook-effect"
 *
 * declare const live: Layer.Layer<Posthook.Services>
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Services = Posthook | Hooks.Hooks | Signatures.Signatures | PosthookConfig.PosthookConfig

const fromConfig = <E>(
  config: Layer.Layer<PosthookConfig.PosthookConfig, E>
): Layer.Layer<Services, E, HttpClient.HttpClient> =>
  Layer.effect(Posthook, make).pipe(
    Layer.provideMerge(Layer.merge(Hooks.layer, Signatures.layerPosthookConfig)),
    Layer.provideMerge(config)
  )

/**
 * A Layer from explicit options (`apiKey` required; `signingKey`, `baseUrl`,
 * `timeout`, `retry` optional). Needs an `HttpClient`.
 *
 * @example
 * ```ts
 * import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
 * import { Layer } from "effect"
 * import { Posthook } from "posthook-effect"
 *
 * const PosthookLive = Posthook.layer({
 *   apiKey: "pk_...",
 *   signingKey: "ph_sk_...",
 *   baseUrl: "https://api.staging.posthook.io",
 *   timeout: "60 seconds"
 * }).pipe(Layer.provide(NodeHttpClient.layerUndici))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: PosthookConfig.Options
): Layer.Layer<Services, Config.ConfigError, HttpClient.HttpClient> => fromConfig(PosthookConfig.layer(options))

/**
 * A Layer read through Effect `Config`: `POSTHOOK_API_KEY` (required),
 * `POSTHOOK_SIGNING_KEY` and `POSTHOOK_BASE_URL` (optional), by default from
 * the environment; any `ConfigProvider` works. `overrides` win over what the
 * environment says. A missing API key fails when the Layer is built, naming
 * the variable. Needs an `HttpClient`.
 *
 * @example
 * ```ts
 * import * as FetchHttpClient from "effect/http/FetchHttpClient"
 * import { Layer } from "effect"
 * import { Posthook } from "posthook-effect"
 *
 * const PosthookLive = Posthook.layerConfig({ timeout: "10 seconds" }).pipe(
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  overrides?: Omit<PosthookConfig.Options, "apiKey">
): Layer.Layer<Services, Config.ConfigError, HttpClient.HttpClient> =>
  fromConfig(PosthookConfig.layerConfig(overrides))
