/**
 * Typed delivery data: a `Schema` decodes `delivery.data`, at parse time or
 * around a handler. Data that does not match is a `DeliveryDataError` (the
 * request was authentic); the HTTP adapters answer it with 422, which
 * Posthook retries.
 *
 * Run: POSTHOOK_SIGNING_KEY=ph_sk_... npx tsx examples/typed-data.ts
 */
import * as HttpRouter from "effect/http/HttpRouter"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Layer from "effect/Layer"
import { createServer } from "node:http"
import { HttpAppHandler } from "posthook-effect"

import { Effect, Schema } from "effect"
import { Delivery, Signatures } from "posthook-effect"

const UserCreated = Schema.Struct({ userId: Schema.String, event: Schema.Literal("user.created") })

// At parse time: a Delivery<{ userId: string; … }>…
const parseUserCreated = (body: Uint8Array, headers: Signatures.HeadersInput) =>
  Signatures.Signatures.use((signatures) => signatures.parseDelivery(body, headers, { schema: UserCreated }))

// …or around a handler (works for the HTTP adapters and the WebSocket listener alike):
const onUserCreated = Signatures.withSchema(UserCreated, (delivery) =>
  Effect.as(Effect.log(delivery.data.userId), Delivery.Result.ack())
)

/** By hand: the typed data, or why the delivery was refused. */
export const describeUserCreated = (body: Uint8Array, headers: Signatures.HeadersInput) =>
  parseUserCreated(body, headers).pipe(
    Effect.map((delivery) => `user ${delivery.data.userId} created`),
    Effect.catchTags({
      SignatureVerificationError: (error) => Effect.succeed(`not from Posthook: ${error.message}`),
      DeliveryDataError: (error) => Effect.succeed(`authentic, but not a user.created: ${error.message}`)
    })
  )

export const WebhookRoutes = HttpRouter.add("POST", "/webhooks/user-created", HttpAppHandler.make(onUserCreated))

// HttpRouter.serve logs the address it listens on.
export const ServerLive = HttpRouter.serve(WebhookRoutes).pipe(
  Layer.provide(NodeHttpServer.layer(createServer, { port: 3000 })),
  Layer.provide(Signatures.layerConfig())
)

NodeRuntime.runMain(Layer.launch(ServerLive))
