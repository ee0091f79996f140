/**
 * Custom HTTP client: the Posthook Layers need an `HttpClient` and let you
 * choose it. The SDK adds its own headers (API key, User-Agent) to every
 * request, and never closes a client you supply: its lifecycle is yours.
 */
import { Effect, Layer } from "effect"
import { readFileSync } from "node:fs"
import { Posthook } from "posthook-effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Undici from "@effect/platform-node/Undici"

// Node: undici (recommended).
export const WithUndici = Posthook.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))

// Anywhere with a global fetch (Node, Bun, Deno, browsers, edge runtimes).
export const WithFetch = Posthook.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))

/** An undici dispatcher as the HTTP client; closed when the Layer's scope closes. */
const undiciWith = (makeDispatcher: () => Undici.Dispatcher) =>
  NodeHttpClient.layerUndiciNoDispatcher.pipe(
    Layer.provide(Layer.effect(
      NodeHttpClient.Dispatcher,
      Effect.acquireRelease(Effect.sync(makeDispatcher), (dispatcher) => Effect.promise(() => dispatcher.close()))
    ))
  )

export const ViaProxy = Posthook.layerConfig().pipe(
  Layer.provide(undiciWith(() => new Undici.ProxyAgent("http://proxy.example.com:8080")))
)

export const WithCustomCa = Posthook.layerConfig().pipe(
  Layer.provide(undiciWith(() => new Undici.Agent({ connect: { ca: readFileSync("/path/to/custom-ca-bundle.crt") } })))
)

export const WithConnectionLimit = Posthook.layerConfig().pipe(
  Layer.provide(undiciWith(() => new Undici.Agent({ connections: 20 })))
)

// A dispatcher you own and share with the rest of your app: provide it as a value.
// Nothing in the SDK closes it; call `sharedAgent.close()` when your app shuts down.
export const sharedAgent = new Undici.Agent({ connections: 50, keepAliveTimeout: 30_000 })
export const WithSharedAgent = Posthook.layerConfig().pipe(
  Layer.provide(NodeHttpClient.layerUndiciNoDispatcher),
  Layer.provide(Layer.succeed(NodeHttpClient.Dispatcher, sharedAgent))
)
