/**
 * Accept, then ack through the callback URL — over the WebSocket. A handler
 * must answer within the 10 s ack window; for longer work it answers
 * `Result.accept(timeout)` and reports later with `delivery.ack()` /
 * `delivery.nack(body)` (HTTP POSTs to the delivery's callback URLs, which
 * carry their own token). If neither arrives before the timeout, Posthook
 * retries the hook.
 *
 * Run: POSTHOOK_API_KEY=pk_... npx vite-node examples/accept-callback.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import { Effect, Layer, Queue } from "effect"
import { Delivery, Listener, PosthookConfig } from "posthook-effect"

const processVideo = (data: unknown) => Effect.log("processing video", data).pipe(Effect.delay("2 minutes"))

export const program = Effect.gen(function*() {
  const accepted = yield* Queue.unbounded<Delivery.Delivery>()

  // The worker outlives each handler: it runs in the program's scope.
  yield* Effect.forkScoped(Effect.forever(
    Effect.gen(function*() {
      const delivery = yield* Queue.take(accepted)
      const result = yield* processVideo(delivery.data).pipe(
        Effect.zipRight(delivery.ack()),
        Effect.catchAllCause((cause) => delivery.nack({ error: String(cause) }))
      )
      // `applied` is false when the attempt was already resolved (404, 409, …).
      yield* Effect.log(`callback applied: ${result.applied} (${result.status})`)
    }).pipe(Effect.catchTag("CallbackError", (error) => Effect.logError(`callback failed: ${error.message}`)))
  ))

  const listener = yield* Listener.listen((delivery) =>
    Effect.gen(function*() {
      if (delivery.ackUrl === undefined) return Delivery.Result.nack("async hooks are not enabled for this project")
      yield* Queue.offer(accepted, delivery)
      return Delivery.Result.accept("5 minutes") // sent as {"type":"accept","timeout":300}
    })
  )
  yield* listener.wait
}).pipe(Effect.scoped)

if (import.meta.url === `file://${process.argv[1]}`) {
  NodeRuntime.runMain(
    program.pipe(
      Effect.provide(
        Layer.mergeAll(PosthookConfig.layerConfig(), NodeHttpClient.layerUndici, NodeSocket.layerWebSocketConstructor)
      )
    )
  )
}
