/**
 * The SDK client a command runs with, built from the connection flags.
 *
 * @internal
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import type * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Posthook from "../../Posthook.js"
import type * as PosthookError from "../../PosthookError.js"
import * as Exit from "./exit.js"
import type { Connection } from "./options.js"

/**
 * The `Posthook` services (REST client and configuration) over undici, and
 * that `HttpClient` itself (for WebSocket tickets and forwarding); or a usage
 * error when no API key was given or the base URL is not usable.
 *
 * @internal
 */
export const layer = (
  connection: Connection
): Layer.Layer<Posthook.Services | HttpClient.HttpClient, Exit.CliFailure> =>
  Option.match(connection.apiKey, {
    onNone: () => failWith(Exit.usage("no API key: pass --api-key or set POSTHOOK_API_KEY")),
    onSome: (apiKey) =>
      Posthook.layer({ apiKey, baseUrl: Option.getOrUndefined(connection.baseUrl) }).pipe(
        Layer.provideMerge(NodeHttpClient.layerUndici),
        Layer.catchTag("ConfigError", (error) => failWith(Exit.fromConfigError(error)))
      )
  })

/** A Layer that fails to build with `failure`. */
const failWith = (failure: Exit.CliFailure): Layer.Layer<Posthook.Services | HttpClient.HttpClient, Exit.CliFailure> =>
  Layer.effectContext(Effect.fail(failure))

/**
 * Runs a command's body with the client built from its connection flags, in
 * a span named after the command, its Posthook errors mapped to exit codes.
 *
 * @internal
 */
export const run = <A, R>(
  span: string,
  connection: Connection,
  body: Effect.Effect<A, PosthookError.PosthookError | Exit.CliFailure, R>
): Effect.Effect<A, Exit.CliFailure, Exclude<R, Posthook.Services | HttpClient.HttpClient>> =>
  body.pipe(
    Exit.mapPosthookErrors,
    Effect.provide(layer(connection)),
    Effect.withSpan(span)
  )
