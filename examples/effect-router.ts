/**
 * Receiving deliveries in an Effect HTTP server: `HttpAppHandler.make` is an
 * `HttpApp` to mount on an `HttpRouter` route. Typed data via `withSchema`:
 * data that does not match is answered 422 (and retried by Posthook).
 *
 * Run: POSTHOOK_SIGNING_KEY=ph_sk_... npx vite-node examples/effect-router.ts
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer, Schema } from "effect"
import { createServer } from "node:http"
import { Delivery, HttpAppHandler, Signatures } from "posthook-effect"

const UserCreated = Schema.Struct({ userId: Schema.String, event: Schema.Literal("user.created") })

const onUserCreated = Signatures.withSchema(UserCreated, (delivery) =>
  Effect.gen(function*() {
    yield* Effect.log(`user ${delivery.data.userId} created (hook ${delivery.hookId})`)
    return Delivery.Result.ack()
  }))

export const router = HttpRouter.empty.pipe(
  HttpRouter.post("/webhooks/user-created", HttpAppHandler.make(onUserCreated))
)

export const ServerLive = HttpServer.serve(router).pipe(
  HttpServer.withLogAddress,
  Layer.provide(NodeHttpServer.layer(createServer, { port: 3000 })),
  Layer.provide(Signatures.layerConfig())
)

NodeRuntime.runMain(Layer.launch(ServerLive))
