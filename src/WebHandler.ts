/**
 * Receive deliveries with a Web standard `(request: Request) => Promise<Response>`
 * handler: a Next.js route handler, Hono, Bun, Deno, Cloudflare Workers
 * (with `nodejs_compat`, for `node:crypto`).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Signatures from "./Signatures.js"
import { readWebStream } from "./internal/body.js"
import * as receive from "./internal/receive.js"

/**
 * A delivery handler: `(delivery) => Effect<Result, E, R>`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Delivery, WebHandler } from "posthook-effect"
 *
 * const handler: WebHandler.Handler<never, never> = (delivery) =>
 *   Effect.log(`hook ${delivery.hookId}`).pipe(Effect.as(Delivery.Result.ack()))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Handler<E, R> = receive.Handler<E, R>

/**
 * Options for {@link make}: a runtime (see `RuntimeOptions`), and optionally
 * `maxBodyBytes` (default 1 MiB) and `tolerance`.
 *
 * @example
 * ```ts
 * import { Context, Effect } from "effect"
 * import { Delivery, Signatures, WebHandler } from "posthook-effect"
 *
 * const options: WebHandler.Options<never> = {
 *   runtime: Context.empty(),
 *   signatures: Signatures.unsafeMake("ph_sk_..."),
 *   maxBodyBytes: 64 * 1024
 * }
 * export const POST = WebHandler.make(() => Effect.succeed(Delivery.Result.ack()), options)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Options<R> = receive.HandlerOptions & receive.RuntimeOptions<R>

const respond = <E, R>(handler: receive.Handler<E, R>, options: receive.HandlerOptions | undefined) => {
  const limit = receive.maxBodyBytes(options)
  const handle = receive.handle(handler, options)
  return (request: Request): Effect.Effect<receive.ResponseParts, never, R | Signatures.Signatures> =>
    Effect.gen(function*() {
      if (request.method !== "POST") return receive.methodNotAllowed
      if (request.bodyUsed) return receive.bodyUnreadable(receive.CONSUMED_BODY_MESSAGE)
      if (receive.declaredTooLarge(request.headers, limit)) return receive.payloadTooLarge(limit)
      const outcome = yield* readWebStream(request.body, limit)
      return yield* receive.respondToBody(outcome, request.headers, handle, limit)
    })
}

const toWebResponse = (parts: receive.ResponseParts): Response =>
  new Response(parts.body, { status: parts.status, headers: parts.headers })

/**
 * The whole exchange as one effect, for code that already runs Effect (a
 * Bun or Deno server written with Effect, a test).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Delivery, Signatures, WebHandler } from "posthook-effect"
 *
 * const respond = (request: Request) =>
 *   WebHandler.toResponse(request, () => Effect.succeed(Delivery.Result.ack())).pipe(
 *     Effect.provide(Signatures.layer({ signingKey: "ph_sk_..." }))
 *   )
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const toResponse = <E, R>(
  request: Request,
  handler: receive.Handler<E, R>,
  options?: receive.HandlerOptions
): Effect.Effect<Response, never, R | Signatures.Signatures> =>
  Effect.map(respond(handler, options)(request), toWebResponse)

/**
 * A `(request: Request) => Promise<Response>` that verifies each delivery
 * and runs `handler` in the given runtime. Bad signature → 401, ack → 200,
 * accept → 202 with `Posthook-Async-Timeout`, nack / failure / defect → 500,
 * a body over `maxBodyBytes` → 413, an authentic body that is not a delivery
 * (reason `InvalidBody`) or data `withSchema` refuses → 422. The promise never
 * rejects.
 *
 * @example
 * ```ts
 * // app/webhooks/user-created/route.ts (Next.js)
 * import { Effect, ManagedRuntime } from "effect"
 * import { Delivery, Signatures, WebHandler } from "posthook-effect"
 *
 * const runtime = ManagedRuntime.make(Signatures.layerConfig())
 *
 * export const POST = WebHandler.make(
 *   (delivery) => Effect.as(Effect.log(`hook ${delivery.hookId}`), Delivery.Result.ack()),
 *   { runtime }
 * )
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const make = <E, R>(
  handler: receive.Handler<E, R>,
  options: Options<R>
): (request: Request) => Promise<Response> => {
  const run = receive.runWith<R>(options)
  const respondTo = respond(handler, options)
  return async (request) => toWebResponse(await run(respondTo(request)))
}
