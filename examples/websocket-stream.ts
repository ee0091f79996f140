/**
 * Stream API: deliveries as an Effect `Stream`, answered by hand with
 * `ack`, `nack(error?)` or `accept(timeout)`. The stream sits on a bounded
 * buffer: when the consumer falls behind and the buffer is full, new
 * deliveries are nacked at once ("At capacity") and Posthook retries them.
 * Ending the stream nacks whatever is unanswered and closes the socket.
 *
 * Run: POSTHOOK_API_KEY=pk_... npx vite-node examples/websocket-stream.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import { Effect, Layer, Stream } from "effect"
import { type Delivery, Listener, PosthookConfig } from "posthook-effect"

const shouldProcess = (delivery: Delivery.Delivery): boolean =>
  typeof delivery.data === "object" && delivery.data !== null

export const program = Listener.stream({ bufferSize: 50 }).pipe(
  // Up to 4 deliveries in progress at once; the buffer holds the rest.
  Stream.mapEffect(
    ({ ack, delivery, nack }) =>
      Effect.gen(function*() {
        yield* Effect.log(`${delivery.hookId}`, delivery.data)
        // Each answer effect returns whether it went out; only the first answer counts.
        return shouldProcess(delivery) ? yield* ack : yield* nack("not ready")
      }),
    { concurrency: 4 }
  ),
  Stream.runDrain
)

if (import.meta.url === `file://${process.argv[1]}`) {
  NodeRuntime.runMain(
    program.pipe(
      Effect.provide(
        Layer.mergeAll(PosthookConfig.layerConfig(), NodeHttpClient.layerUndici, NodeSocket.layerWebSocketConstructor)
      )
    )
  )
}
