/**
 * Receiving deliveries in Express (the seed's Flask / Django examples).
 *
 * Two routes: one with the ready-made `NodeHandler`, one verifying by hand
 * with `parseDelivery`. Both need the raw body: mount `express.raw()` (or no
 * body parser at all), never `express.json()`.
 *
 * Run: POSTHOOK_SIGNING_KEY=ph_sk_... npx vite-node examples/express.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, ManagedRuntime } from "effect"
import express from "express"
import { Delivery, NodeHandler, Signatures } from "posthook-effect"

// One runtime for the app: the signing key(s) from POSTHOOK_SIGNING_KEY
// (comma-separated while rotating keys). No API key is needed to receive.
const runtime = ManagedRuntime.make(Signatures.layerConfig())

export const app = express()

// 1. The ready-made handler: verifies, runs the effect, answers 200 / 202 / 401 / 500.
app.post(
  "/webhooks/user-created",
  express.raw({ type: "application/json", limit: "1mb" }),
  NodeHandler.make(
    (delivery) =>
      Effect.gen(function*() {
        yield* Effect.log(`hook ${delivery.hookId} for ${delivery.path}`, delivery.data)
        return Delivery.Result.ack()
      }),
    { runtime }
  )
)

// 2. By hand, as in the Python README: parse, answer 401 on a bad signature.
app.post("/webhooks/manual", express.raw({ type: "application/json" }), async (req, res) => {
  const body: unknown = req.body
  if (!(body instanceof Uint8Array)) {
    res.status(400).json({ error: "expected a raw body" })
    return
  }
  const parsed = await runtime.runPromise(
    Effect.either(Effect.flatMap(Signatures.Signatures, (signatures) => signatures.parseDelivery(body, req.headers)))
  )
  if (parsed._tag === "Left") {
    res.status(401).json({ error: parsed.left.message })
    return
  }
  const delivery = parsed.right
  console.log(delivery.hookId, delivery.path, delivery.data, delivery.postAt, delivery.postedAt)
  res.sendStatus(200)
})

const server = Effect.acquireRelease(
  Effect.sync(() => app.listen(3000)),
  (listening) => Effect.promise(() => new Promise<void>((resolve) => listening.close(() => resolve())))
)

NodeRuntime.runMain(Effect.scoped(Effect.zipRight(server, Effect.never)))
