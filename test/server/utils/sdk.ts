/**
 * The SDK as the client of the local server (`Hooks` over a real undici
 * client, wired to the server's `clientOptions`), plus raw requests for what
 * the SDK refuses to send.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import { Context, Effect, Layer, Redacted, type Scope } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Hooks from "../../../src/Hooks.js"
import * as PosthookConfig from "../../../src/PosthookConfig.js"
import * as LocalPosthook from "../../../src/server/LocalPosthook.js"

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

/**
 * What the SDK's `Listener` needs to reach the server (its config, an undici
 * HTTP client for tickets, a WebSocket constructor), built in the current scope.
 */
export const listenerContext = (local: LocalPosthook.LocalPosthook) =>
  Layer.build(
    Layer.mergeAll(
      PosthookConfig.layer({ ...local.clientOptions, retry: false }),
      NodeHttpClient.layerUndici,
      NodeSocket.layerWebSocketConstructor
    )
  ).pipe(Effect.orDie)

/** A local server (quiet) and an SDK client for it. */
export const startServer = (options: LocalPosthook.Options = {}) =>
  Effect.gen(function*() {
    const local = yield* LocalPosthook.make({ log: false, ...options }).pipe(Effect.orDie)
    const hooks = yield* hooksClient(local)
    return { local, hooks }
  })

export interface RawResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
  readonly json: unknown
}

/** One HTTP request with full control over method, headers and body text. */
export const raw = (
  local: LocalPosthook.LocalPosthook,
  method: "GET" | "POST" | "DELETE",
  path: string,
  options: {
    readonly body?: string | undefined
    readonly apiKey?: string | null | undefined
    readonly url?: string | undefined
  } = {}
): Effect.Effect<RawResponse, never, Scope.Scope> =>
  Effect.gen(function*() {
    const context = yield* Layer.build(NodeHttpClient.layerUndici)
    const client = Context.get(context, HttpClient.HttpClient)
    let request = HttpClientRequest.make(method)(options.url ?? `${local.baseUrl}${path}`)
    const apiKey = options.apiKey === undefined ? Redacted.value(local.apiKey) : options.apiKey
    if (apiKey !== null) request = HttpClientRequest.setHeader(request, "x-api-key", apiKey)
    if (options.body !== undefined) request = HttpClientRequest.bodyText(request, options.body, "application/json")
    const response = yield* client.execute(request)
    const text = yield* response.text
    let json: unknown = undefined
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, headers: response.headers, text, json }
  }).pipe(Effect.orDie)
