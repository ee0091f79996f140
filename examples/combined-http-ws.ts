/**
 * Combining HTTP and WebSocket: Posthook delivers over the WebSocket while a
 * listener is connected and falls back to your HTTP endpoint otherwise. Both
 * paths hand the handler the same `Delivery` and take the same `Result`, so
 * one handler serves both.
 *
 * Run: POSTHOOK_API_KEY=pk_... POSTHOOK_SIGNING_KEY=ph_sk_... npx tsx examples/combined-http-ws.ts
 */
import * as HttpRouter from "effect/http/HttpRouter"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Socket from "effect/socket/Socket"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import { Delivery, HttpAppHandler, Listener, PosthookConfig, Signatures } from "posthook-effect"

const processOrder = (data: unknown) => Effect.log("processing order", data)

const processHook = (delivery: Delivery.Delivery) =>
  Effect.gen(function* () {
    yield* processOrder(delivery.data)
    return Delivery.Result.ack()
  })

// HTTP delivery (an Effect HTTP server; NodeHandler / WebHandler work the same way)
const HttpLive = HttpRouter.serve(
  HttpRouter.add("POST", "/webhooks/orders", HttpAppHandler.make(processHook))
).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port: 3000 })), Layer.provide(Signatures.layerConfig()))

// WebSocket delivery, alongside
const websocket = Effect.gen(function* () {
  const listener = yield* Listener.listen(processHook)
  yield* listener.wait
}).pipe(Effect.scoped)

// Should the listener end for good (a revoked key), HTTP delivery carries on.
export const main = Effect.andThen(
  websocket.pipe(
    Effect.catch((error) => Effect.logError(`WebSocket listener stopped: ${error.message}; HTTP delivery continues`))
  ),
  Effect.never
).pipe(
  Effect.provide(
    Layer.mergeAll(
      HttpLive,
      PosthookConfig.layerConfig(),
      NodeHttpClient.layerUndici,
      Socket.layerWebSocketConstructorGlobal
    )
  )
)

if (import.meta.url === `file://${process.argv[1]}`) {
  NodeRuntime.runMain(main)
}
