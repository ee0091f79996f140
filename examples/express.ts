/**
 * Receiving deliveries in Express (the seed's Flask / Django examples).
 *
 * Two routes: one with the ready-made `NodeHandler`, one verifying by hand
 * with `parseDelivery`. Both need the raw body: mount `express.raw()` (or no
 * body parser at all), never `express.json()`. One runtime for the app: the
 * signing key(s) from POSTHOOK_SIGNING_KEY (comma-separated while rotating
 * keys). No API key is needed to receive.
 *
 * Run: POSTHOOK_SIGNING_KEY=ph_sk_... npx tsx examples/express.ts
 */
import { Effect, ManagedRuntime, Result } from "effect"
import express from "express"
import { Delivery, Signatures } from "posthook-effect"
import { NodeHandler } from "posthook-effect/node"

const runtime = ManagedRuntime.make(Signatures.layerConfig())
const app = express()

app.post(
  "/webhooks/user-created",
  express.raw({ type: "application/json", limit: "1mb" }),
  NodeHandler.make((delivery) => Effect.as(Effect.log(delivery.data), Delivery.Result.ack()), { runtime })
)
app.listen(3000)

// By hand, as in the Python README: parse, answer 401 on a bad signature (422 on an authentic body that is not a delivery).
app.post("/webhooks/manual", express.raw({ type: "application/json" }), async (req, res) => {
  const parsed = await runtime.runPromise(
    Effect.result(Signatures.Signatures.use((s) => s.parseDelivery(req.body, req.headers)))
  )
  if (Result.isFailure(parsed)) {
    // 401: not from Posthook; 422: authentic, but the body is not a delivery (retrying cannot help).
    const status = parsed.failure.reason === "InvalidBody" ? 422 : 401
    return void res.status(status).json({ error: parsed.failure.message })
  }
  console.log(parsed.success.hookId, parsed.success.data)
  res.sendStatus(200)
})
