/**
 * Receiving deliveries with plain `node:http` (the seed's WSGI / ASGI
 * wrappers): `NodeHandler.make` is a complete `(req, res)` request listener.
 * The handler needs no services, so an empty context will do, with
 * `Signatures.unsafeMake` (like the Python SDK's `create_signatures`: it
 * throws at once without a key).
 *
 * Run: npx tsx examples/node-http.ts
 */
import { createServer } from "node:http"
import { Context, Effect } from "effect"
import { Delivery, Signatures } from "posthook-effect"
import { NodeHandler } from "posthook-effect/node"

createServer(
  NodeHandler.make((delivery) => Effect.as(Effect.log(delivery.hookId), Delivery.Result.ack()), {
    runtime: Context.empty(),
    signatures: Signatures.unsafeMake("ph_sk_...")
  })
).listen(3000)
