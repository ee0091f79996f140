/**
 * Receiving deliveries in an Effect HTTP server: `HttpAppHandler.make` is an
 * `HttpApp` to mount on an `HttpRouter` route; it takes `Signatures` (and your
 * services) from the context. For typed data see examples/typed-data.ts.
 *
 * Run: POSTHOOK_SIGNING_KEY=ph_sk_... npx vite-node examples/effect-router.ts
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import { Delivery, HttpAppHandler, Signatures } from "posthook-effect"

const router = HttpRouter.empty.pipe(
  HttpRouter.post(
    "/webhooks/user-created",
    HttpAppHandler.make((delivery) => Effect.as(Effect.log(delivery.data), Delivery.Result.ack()))
  )
)

HttpServer.serve(router).pipe(
  Layer.provide(NodeHttpServer.layer(createServer, { port: 3000 })),
  Layer.provide(Signatures.layerConfig()),
  Layer.launch,
  NodeRuntime.runMain
)
