/**
 * Async hooks: answer `accept` within the 10 s window, do the work in a
 * background worker, then report through the delivery's callback URLs.
 * The worker only needs the URLs (they carry their own token, no API key).
 *
 * Run: POSTHOOK_SIGNING_KEY=ph_sk_... npx vite-node examples/async-hooks.ts
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Context, Effect, Layer, Queue } from "effect"
import { createServer } from "node:http"
import { Callbacks, Delivery, HttpAppHandler, Signatures } from "posthook-effect"

/** What the worker needs: the data and where to report. */
interface Job {
  readonly data: unknown
  readonly ackUrl: string
  readonly nackUrl: string
}

class Jobs extends Context.Tag("app/Jobs")<Jobs, Queue.Queue<Job>>() {}

const transcode = (data: unknown) => Effect.log("transcoding", data).pipe(Effect.delay("30 seconds"))

/** Takes jobs one by one; reports each outcome through the callback URLs. */
const worker = Effect.gen(function*() {
  const jobs = yield* Jobs
  return yield* Effect.forever(
    Effect.gen(function*() {
      const job = yield* Queue.take(jobs)
      const result = yield* transcode(job.data).pipe(
        Effect.zipRight(Callbacks.ack(job.ackUrl)),
        Effect.catchAllCause((cause) => Callbacks.nack(job.nackUrl, { error: String(cause) }))
      )
      // 404 (hook deleted) and 409 (a newer attempt) are outcomes, not errors.
      yield* Effect.log(`callback applied: ${result.applied} (${result.status})`)
    }).pipe(Effect.catchTag("CallbackError", (error) => Effect.logError(`callback failed: ${error.message}`)))
  )
})

const onVideo = (delivery: Delivery.Delivery) =>
  Effect.gen(function*() {
    if (delivery.ackUrl === undefined || delivery.nackUrl === undefined) {
      // Async hooks are off for this project: do the work inline instead.
      return Delivery.Result.nack("async hooks are not enabled")
    }
    yield* Queue.offer(yield* Jobs, { data: delivery.data, ackUrl: delivery.ackUrl, nackUrl: delivery.nackUrl })
    return Delivery.Result.accept("5 minutes")
  })

const JobsLive = Layer.effect(Jobs, Queue.unbounded<Job>())

export const AppLive = HttpRouter.empty.pipe(
  HttpRouter.post("/webhooks/process-video", HttpAppHandler.make(onVideo)),
  HttpServer.serve(),
  Layer.merge(Layer.scopedDiscard(Effect.forkScoped(worker))),
  Layer.provide(NodeHttpServer.layer(createServer, { port: 3000 })),
  Layer.provide(Layer.mergeAll(JobsLive, Signatures.layerConfig(), NodeHttpClient.layerUndici))
)

NodeRuntime.runMain(Layer.launch(AppLive))
