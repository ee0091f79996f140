/**
 * Receiving deliveries with plain `node:http` (the seed's WSGI / ASGI
 * wrappers): `NodeHandler.make` is a complete `(req, res)` request listener.
 *
 * Run: npx vite-node examples/node-http.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Runtime } from "effect"
import { createServer } from "node:http"
import { Delivery, NodeHandler, Signatures } from "posthook-effect"

// Like the Python SDK's `create_signatures("ph_sk_...")`: throws at once without a key.
const signatures = Signatures.unsafeMake(process.env["POSTHOOK_SIGNING_KEY"] ?? "ph_sk_example")

export const listener = NodeHandler.make(
  (delivery) => Effect.as(Effect.log(`received ${delivery.hookId}`, delivery.data), Delivery.Result.ack()),
  // The handler needs no services, so the default runtime will do.
  { runtime: Runtime.defaultRuntime, signatures, maxBodyBytes: 256 * 1024 }
)

const serve = Effect.acquireRelease(
  Effect.async<ReturnType<typeof createServer>>((resume) => {
    const server = createServer(listener)
    server.listen(3000, () => resume(Effect.succeed(server)))
  }),
  (server) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve())))
)

NodeRuntime.runMain(Effect.scoped(Effect.zipRight(serve, Effect.never)))
