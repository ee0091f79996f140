/**
 * WebSocket metadata: deliveries received over the WebSocket carry `ws`
 * with the attempt number, the attempts allowed, and in forward mode the
 * original signed HTTP request. HTTP deliveries have no `ws`.
 *
 * Run: POSTHOOK_API_KEY=pk_... npx tsx examples/metadata.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Socket from "effect/socket/Socket"
import { Effect, Layer } from "effect"
import { Delivery, Listener, PosthookConfig } from "posthook-effect"

export const program = Effect.gen(function* () {
  const onHook = (delivery: Delivery.Delivery) =>
    Effect.gen(function* () {
      if (delivery.ws) {
        yield* Effect.log(`attempt ${delivery.ws.attempt}/${delivery.ws.maxAttempts}`)
        if (delivery.ws.forwardRequest) {
          yield* Effect.log(`original body: ${delivery.ws.forwardRequest.body}`)
        }
      }
      return Delivery.Result.ack()
    })

  const listener = yield* Listener.listen(onHook, { forward: true })
  // forward: true asks the service for `ws.forwardRequest` on each delivery:
  // everything needed to replay the delivery as the signed HTTP POST.
  yield* listener.wait
}).pipe(Effect.scoped)

if (import.meta.url === `file://${process.argv[1]}`) {
  NodeRuntime.runMain(
    program.pipe(
      Effect.provide(
        Layer.mergeAll(PosthookConfig.layerConfig(), NodeHttpClient.layerUndici, Socket.layerWebSocketConstructorGlobal)
      )
    )
  )
}
