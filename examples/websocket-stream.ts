/**
 * Stream API: deliveries as an Effect `Stream`, answered by hand with
 * `ack`, `nack(error?)` or `accept(timeout)`. The stream sits on a bounded
 * buffer: when the consumer falls behind and the buffer is full, new
 * deliveries are nacked at once ("At capacity") and Posthook retries them.
 * Ending the stream nacks whatever is unanswered and closes the socket.
 *
 * Run: POSTHOOK_API_KEY=pk_... npx tsx examples/websocket-stream.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Socket from "effect/socket/Socket"
import * as Layer from "effect/Layer"
import { type Delivery, PosthookConfig } from "posthook-effect"

import { Effect, Stream } from "effect"
import { Listener } from "posthook-effect"

const program = Listener.stream({ bufferSize: 50 }).pipe(
  Stream.runForEach(({ ack, delivery, nack }) =>
    Effect.gen(function* () {
      yield* Effect.log(delivery.hookId, delivery.data)
      if (shouldProcess(delivery)) yield* ack
      else yield* nack("not ready")
    })
  )
)

function shouldProcess(delivery: Delivery.Delivery): boolean {
  return typeof delivery.data === "object" && delivery.data !== null
}

/** Up to 4 deliveries in progress at once; the buffer holds the rest. */
export const concurrent = Listener.stream({ bufferSize: 50 }).pipe(
  Stream.mapEffect(
    ({ ack, delivery, nack }) =>
      Effect.gen(function* () {
        yield* Effect.log(delivery.hookId, delivery.data)
        // Each answer effect returns whether it went out; only the first answer counts.
        return shouldProcess(delivery) ? yield* ack : yield* nack("not ready")
      }),
    { concurrency: 4 }
  ),
  Stream.runDrain
)

program.pipe(
  Effect.provide(
    Layer.mergeAll(PosthookConfig.layerConfig(), NodeHttpClient.layerUndici, Socket.layerWebSocketConstructorGlobal)
  ),
  NodeRuntime.runMain
)
