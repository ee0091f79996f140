/**
 * Accept, then ack through the callback URL — over the WebSocket. A handler
 * must answer within the 10 s ack window; for longer work it answers
 * `Result.accept(timeout)` and reports later with `delivery.ack()` /
 * `delivery.nack(body)` (HTTP POSTs to the delivery's callback URLs, which
 * carry their own token). If neither arrives before the timeout, Posthook
 * retries the hook. `applied` is false when the attempt was already resolved
 * (404, 409, …).
 *
 * Run: POSTHOOK_API_KEY=pk_... npx tsx examples/accept-callback.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Socket from "effect/socket/Socket"
import * as Layer from "effect/Layer"
import { PosthookConfig } from "posthook-effect"

import { Effect, Queue } from "effect"
import { Delivery, Listener } from "posthook-effect"

const program = Effect.gen(function* () {
  const accepted = yield* Queue.unbounded<Delivery.Delivery>()
  // A worker in the program's scope (a fiber forked in the handler would end with it).
  yield* Effect.forkScoped(Effect.forever(
    Effect.gen(function* () {
      const delivery = yield* Queue.take(accepted)
      const result = yield* processVideo(delivery.data).pipe(
        Effect.andThen(delivery.ack()), // POST to the delivery's ackUrl
        Effect.catchCause((cause) => delivery.nack({ error: String(cause) }))
      )
      yield* Effect.log(`applied: ${result.applied} (${result.status})`)
    }).pipe(Effect.catchTag("CallbackError", (error) => Effect.logError(error.message)))
  ))
  const listener = yield* Listener.listen((delivery) =>
    Queue.offer(accepted, delivery).pipe(Effect.as(Delivery.Result.accept("5 minutes")))
  )
  yield* listener.wait
}).pipe(Effect.scoped)

/** The long work: minutes, far beyond the 10 s ack window. */
const processVideo = (data: unknown) => Effect.log("processing video", data).pipe(Effect.delay("2 minutes"))

program.pipe(
  Effect.provide(
    Layer.mergeAll(PosthookConfig.layerConfig(), NodeHttpClient.layerUndici, Socket.layerWebSocketConstructorGlobal)
  ),
  NodeRuntime.runMain
)
