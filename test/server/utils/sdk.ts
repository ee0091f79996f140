/**
 * The SDK as the client of the local server: `Hooks` (REST) wired to the
 * server's `clientOptions`, over a real undici HTTP client.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Context, Effect, Layer, type Scope } from "effect"
import * as Hooks from "../../../src/Hooks.js"
import * as PosthookConfig from "../../../src/PosthookConfig.js"
import type * as LocalPosthook from "../../../src/server/LocalPosthook.js"

/** An SDK `Hooks` client for the server, living in the current scope. */
export const hooksClient = (
  local: LocalPosthook.LocalPosthook,
  overrides: Partial<PosthookConfig.Options> = {}
): Effect.Effect<Hooks.Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const context = yield* Layer.build(
      Hooks.layer.pipe(
        Layer.provide(PosthookConfig.layer({ ...local.clientOptions, retry: false, ...overrides })),
        Layer.provide(NodeHttpClient.layerUndici)
      )
    ).pipe(Effect.orDie)
    return Context.get(context, Hooks.Hooks)
  })

/** A plain HTTP client (for requests the SDK refuses to send). */
export const httpClient: Effect.Effect<HttpClient.HttpClient, never, Scope.Scope> = Effect.map(
  Layer.build(NodeHttpClient.layerUndici),
  (context) => Context.get(context, HttpClient.HttpClient)
)
