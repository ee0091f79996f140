/**
 * A Next.js App Router route handler (app/webhooks/user-created/route.ts).
 * `WebHandler.make` returns `(request: Request) => Promise<Response>`, which
 * is exactly what Next.js (and Bun, Deno, Workers) expect. The runtime is
 * built once per server instance and reused by every request; it provides
 * `Signatures` (from POSTHOOK_SIGNING_KEY) and whatever services the handler
 * uses.
 */
// app/webhooks/user-created/route.ts
import { Effect, ManagedRuntime } from "effect"
import { Delivery, Signatures, WebHandler } from "posthook-effect"

const runtime = ManagedRuntime.make(Signatures.layerConfig())

export const POST = WebHandler.make(
  (delivery) => Effect.as(Effect.log(delivery.data), Delivery.Result.ack()),
  { runtime }
)
