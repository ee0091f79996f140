/**
 * Receive deliveries with a Node `(req, res)` handler, for `node:http` and
 * Express (and anything else built on `IncomingMessage` / `ServerResponse`).
 * Exported from `posthook-effect/node`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { IncomingMessage, ServerResponse } from "node:http"
import type * as Signatures from "./Signatures.js"
import { type BodyOutcome, readReadable } from "./internal/body.js"
import * as receive from "./internal/receive.js"

/**
 * A delivery handler: `(delivery) => Effect<Result, E, R>`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Delivery } from "posthook-effect"
 * import { NodeHandler } from "posthook-effect/node"
 *
 * const handler: NodeHandler.Handler<never, never> = (delivery) =>
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
 * import { Delivery, Signatures } from "posthook-effect"
 * import { NodeHandler } from "posthook-effect/node"
 *
 * const options: NodeHandler.Options<never> = {
 *   runtime: Context.empty(),
 *   signatures: Signatures.unsafeMake("ph_sk_..."),
 *   tolerance: "10 minutes"
 * }
 * const handler = NodeHandler.make(() => Effect.succeed(Delivery.Result.ack()), options)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Options<R> = receive.HandlerOptions & receive.RuntimeOptions<R>

/**
 * Where the raw body is: already in `req.body` as a Buffer (after
 * `express.raw()`), still in the stream (no parser ran, or one skipped this
 * content type — Express 4 then leaves `req.body` as `{}`), or lost to a
 * parser that consumed the stream (after `express.json()` / `express.text()`).
 */
const readBody = (request: IncomingMessage, limit: number): Effect.Effect<BodyOutcome> => {
  const parsed: unknown = "body" in request ? request.body : undefined
  if (parsed instanceof Uint8Array) {
    return Effect.succeed(parsed.length > limit ? { _tag: "TooLarge" } : { _tag: "Body", body: parsed })
  }
  if (!request.readableEnded) {
    if (receive.declaredTooLarge(request.headers, limit)) return Effect.succeed({ _tag: "TooLarge" })
    return readReadable(request, limit)
  }
  return Effect.succeed({
    _tag: "Unreadable",
    message: parsed === undefined
      ? receive.CONSUMED_BODY_MESSAGE
      : receive.misparsedBodyMessage(`a parsed ${typeof parsed}`)
  })
}

const respond = <E, R>(handler: receive.Handler<E, R>, options: receive.HandlerOptions | undefined) => {
  const limit = receive.maxBodyBytes(options)
  const handle = receive.handle(handler, options)
  return (request: IncomingMessage): Effect.Effect<receive.ResponseParts, never, R | Signatures.Signatures> =>
    request.method !== "POST"
      ? Effect.succeed(receive.methodNotAllowed)
      : Effect.flatMap(
        readBody(request, limit),
        (outcome) => receive.respondToBody(outcome, request.headers, handle, limit)
      )
}

const writeResponse = (response: ServerResponse, parts: receive.ResponseParts): void => {
  if (response.headersSent || response.writableEnded) return
  response.writeHead(parts.status, parts.headers)
  response.end(parts.body)
}

/**
 * A Node `(req, res)` handler that verifies each delivery and runs `handler`
 * in the given runtime. Works with `http.createServer` and as an Express
 * route handler: mount it with `express.raw({ type: "application/json" })`
 * (it then uses the Buffer) or with no body parser (it reads the stream
 * itself). After `express.json()` the exact bytes are gone, so it answers
 * 500 with a message saying how to mount it instead; it never re-serialises
 * parsed JSON.
 *
 * Bad signature → 401, ack → 200, accept → 202 with `Posthook-Async-Timeout`,
 * nack / failure / defect → 500, a body over `maxBodyBytes` → 413 (decided
 * from `Content-Length` when present, else while streaming), an authentic body
 * that is not a delivery (reason `InvalidBody`) or data `withSchema` refuses
 * → 422. The promise never rejects.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http"
 * import { Context, Effect } from "effect"
 * import { Delivery, Signatures } from "posthook-effect"
 * import { NodeHandler } from "posthook-effect/node"
 *
 * const handler = NodeHandler.make(
 *   (delivery) => Effect.as(Effect.log(`hook ${delivery.hookId}`), Delivery.Result.ack()),
 *   { runtime: Context.empty(), signatures: Signatures.unsafeMake("ph_sk_...") }
 * )
 *
 * createServer(handler).listen(3000)
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const make = <E, R>(
  handler: receive.Handler<E, R>,
  options: Options<R>
): (request: IncomingMessage, response: ServerResponse) => Promise<void> => {
  const run = receive.runWith<R>(options)
  const respondTo = respond(handler, options)
  return async (request, response) => writeResponse(response, await run(respondTo(request)))
}
