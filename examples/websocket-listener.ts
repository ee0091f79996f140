/**
 * WebSocket listener: receive hooks over a WebSocket instead of running an
 * HTTP endpoint. The listener reconnects by itself (fresh ticket per attempt,
 * exponential backoff, never giving up), answers pings, and treats 45 s of
 * silence as a dead connection. Ctrl-C closes it gracefully: running
 * handlers get 10 s to finish, then the socket closes with code 1000.
 *
 * The socket comes from `Socket.layerWebSocketConstructorGlobal`: the global
 * `WebSocket` of Node 22 (and of browsers, Bun, Deno).
 *
 * Run: POSTHOOK_API_KEY=pk_... npx tsx examples/websocket-listener.ts
 */
import * as Duration from "effect/Duration"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Socket from "effect/socket/Socket"
import { Effect, Layer } from "effect"
import { Delivery, Listener, PosthookConfig } from "posthook-effect"

const program = Effect.gen(function* () {
  const listener = yield* Listener.listen(
    (delivery) =>
      Effect.gen(function* () {
        yield* Effect.log(`received ${delivery.hookId} -> ${delivery.path}`, delivery.data)
        return Delivery.Result.ack()
      }),
    { onConnected: (info) => Effect.log(`connected to ${info.projectName}`) }
  )
  yield* listener.wait // until closed; fails only with a final error
}).pipe(Effect.scoped)

program.pipe(
  Effect.provide(
    Layer.mergeAll(PosthookConfig.layerConfig(), NodeHttpClient.layerUndici, Socket.layerWebSocketConstructorGlobal)
  ),
  NodeRuntime.runMain
)

// The same handler shape as the HTTP handlers: Delivery in, Result out.
// A failure or defect is answered with a nack carrying its message.
const onHook = (delivery: Delivery.Delivery) =>
  Effect.gen(function* () {
    yield* Effect.log(`received ${delivery.hookId} -> ${delivery.path}`, delivery.data)
    return Delivery.Result.ack()
  })

/** At most 10 handlers at once; extra deliveries are nacked with "At capacity" so Posthook retries them. */
export const bounded = Effect.gen(function* () {
  const listener = yield* Listener.listen(onHook, { maxConcurrency: 10 })
  yield* listener.wait
}).pipe(Effect.scoped)

/** Every lifecycle callback: Effects run on the connection's fiber; a failing one is only logged. */
export const withLifecycleCallbacks = Effect.gen(function* () {
  const listener = yield* Listener.listen(onHook, {
    onConnected: (info) => Effect.log(`connected: ${info.connectionId} (${info.projectName})`),
    onDisconnected: (reason) => Effect.logWarning(`disconnected: ${reason.message}`),
    onReconnecting: (info) => Effect.log(`reconnecting in ${Duration.format(info.delay)} (attempt ${info.attempt})`),
    onAckTimeout: (info) => Effect.logWarning(`hook ${info.hookId} attempt ${info.attempt} was not answered in time`)
  })
  // Completes when the listener is closed; fails only with a final error
  // (ticket 401/403, close code 4001/4003).
  yield* listener.wait
}).pipe(Effect.scoped)

export const ListenerDeps = Layer.mergeAll(
  PosthookConfig.layerConfig(), // POSTHOOK_API_KEY
  NodeHttpClient.layerUndici, // for the ticket request
  Socket.layerWebSocketConstructorGlobal
)

// In a long-lived service, the listener can be a Layer of its own.
export const ListenerLive = Layer.effectDiscard(Listener.listen(onHook)).pipe(Layer.provide(ListenerDeps))
