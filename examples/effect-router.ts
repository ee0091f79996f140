/**
 * Receiving deliveries in an Effect HTTP server: `HttpAppHandler.make` is an
 * Effect to mount as an `HttpRouter` route; it takes `Signatures` (and your
 * services) from the context. For typed data see examples/typed-data.ts.
 *
 * Run: POSTHOOK_SIGNING_KEY=ph_sk_... npx tsx examples/effect-router.ts
 */
import * as HttpRouter from "effect/http/HttpRouter"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import { Delivery, HttpAppHandler, Signatures } from "posthook-effect"

const WebhookRoutes = HttpRouter.add(
  "POST",
  "/webhooks/user-created",
  HttpAppHandler.make((delivery) => Effect.as(Effect.log(delivery.data), Delivery.Result.ack()))
)

HttpRouter.serve(WebhookRoutes).pipe(
  Layer.provide(NodeHttpServer.layer(createServer, { port: 3000 })),
  Layer.provide(Signatures.layerConfig()),
  Layer.launch,
  NodeRuntime.runMain
)
