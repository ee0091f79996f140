/**
 * Receiving deliveries in Hono (or any framework that hands you a Web
 * `Request`): `WebHandler.make` is `(request: Request) => Promise<Response>`,
 * so the route passes Hono's raw request straight to it.
 *
 * Needs `npm install hono`; serve `app` with Bun, Deno, Workers or
 * `@hono/node-server`.
 */
import { Effect, ManagedRuntime } from "effect"
import { Delivery, Signatures, WebHandler } from "posthook-effect"

/** Signatures from POSTHOOK_SIGNING_KEY, built once and shared by every request. */
const runtime = ManagedRuntime.make(Signatures.layerConfig())

const handler = (delivery: Delivery.Delivery) => Effect.as(Effect.log(delivery.data), Delivery.Result.ack())

import { Hono } from "hono"

const onHook = WebHandler.make(handler, { runtime })
const app = new Hono()
app.post("/webhooks/user-created", (c) => onHook(c.req.raw))

export default app
