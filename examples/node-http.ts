/**
 * Receiving deliveries with plain `node:http` (the seed's WSGI / ASGI
 * wrappers): `NodeHandler.make` is a complete `(req, res)` request listener.
 * The handler needs no services, so the default runtime will do, with
 * `Signatures.unsafeMake` (like the Python SDK's `create_signatures`: it
 * throws at once without a key).
 *
 * Run: npx vite-node examples/node-http.ts
 */
import { createServer } from "node:http"
import { Effect, Runtime } from "effect"
import { Delivery, NodeHandler, Signatures } from "posthook-effect"

createServer(
  NodeHandler.make((delivery) => Effect.as(Effect.log(delivery.hookId), Delivery.Result.ack()), {
    runtime: Runtime.defaultRuntime,
    signatures: Signatures.unsafeMake("ph_sk_...")
  })
).listen(3000)
