/**
 * A Next.js App Router route handler (app/webhooks/user-created/route.ts).
 * `WebHandler.make` returns `(request: Request) => Promise<Response>`, which
 * is exactly what Next.js (and Hono, Bun, Deno, Workers) expect.
 */
import { Context, Effect, Layer, ManagedRuntime } from "effect"
import { Delivery, Signatures, WebHandler } from "posthook-effect"

/** An app service the handler uses, provided by the route's runtime. */
class Users extends Context.Tag("app/Users")<Users, {
  readonly markWelcomed: (userId: string) => Effect.Effect<void>
}>() {}

const UsersLive = Layer.succeed(Users, {
  markWelcomed: (userId) => Effect.log(`welcomed ${userId}`)
})

// Built once per server instance, reused by every request.
const runtime = ManagedRuntime.make(Layer.mergeAll(Signatures.layerConfig(), UsersLive))

export const POST = WebHandler.make(
  (delivery) =>
    Effect.gen(function*() {
      const users = yield* Users
      yield* users.markWelcomed(delivery.hookId)
      return Delivery.Result.ack()
    }),
  { runtime }
)
