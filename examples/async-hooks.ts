/**
 * Async hooks: answer `accept` within the 10 s window, do the work in a
 * background worker, then report through the delivery's callback URLs.
 * The worker only needs the URLs (they carry their own token, no API key).
 *
 * Run: POSTHOOK_SIGNING_KEY=ph_sk_... npx tsx examples/async-hooks.ts
 */
import * as HttpRouter from "effect/http/HttpRouter"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Layer from "effect/Layer"
import { createServer } from "node:http"
import { HttpAppHandler, Signatures } from "posthook-effect"

import { Effect, Queue } from "effect"
import { Callbacks, Delivery } from "posthook-effect"

const onVideo = (delivery: Delivery.Delivery) =>
  Effect.gen(function* () {
    if (delivery.ackUrl === undefined || delivery.nackUrl === undefined) return Delivery.Result.nack("async hooks off")
    yield* Queue.offer(jobs, { data: delivery.data, ackUrl: delivery.ackUrl, nackUrl: delivery.nackUrl })
    return Delivery.Result.accept("5 minutes")
  })

// Later, in the background worker (needs only the URLs and an HttpClient):
const finish = (job: Job) =>
  transcode(job.data).pipe(
    Effect.andThen(Callbacks.ack(job.ackUrl)),
    Effect.catchCause((cause) => Callbacks.nack(job.nackUrl, { error: String(cause) })),
    Effect.tap((result) => Effect.log(`applied: ${result.applied} (${result.status})`))
  )

/** What the worker needs: the data and where to report. */
interface Job {
  readonly data: unknown
  readonly ackUrl: string
  readonly nackUrl: string
}

/** The jobs accepted but not done yet, from the handler to the worker. */
const jobs = Effect.runSync(Queue.unbounded<Job>())

const transcode = (data: unknown) => Effect.log("transcoding", data).pipe(Effect.delay("30 seconds"))

/** Takes jobs one by one. 404 (hook deleted) and 409 (a newer attempt) are outcomes, not errors. */
const worker = Effect.forever(
  Queue.take(jobs).pipe(
    Effect.flatMap(finish),
    Effect.catchTag("CallbackError", (error) => Effect.logError(`callback failed: ${error.message}`))
  )
)

export const AppLive = HttpRouter.serve(
  HttpRouter.add("POST", "/webhooks/process-video", HttpAppHandler.make(onVideo))
).pipe(
  Layer.merge(Layer.effectDiscard(Effect.forkScoped(worker))),
  Layer.provide(NodeHttpServer.layer(createServer, { port: 3000 })),
  Layer.provide(Layer.mergeAll(Signatures.layerConfig(), NodeHttpClient.layerUndici))
)

NodeRuntime.runMain(Layer.launch(AppLive))
