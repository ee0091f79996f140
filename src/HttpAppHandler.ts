/**
 * Receive deliveries in an `@effect/platform` HTTP server: an `HttpApp` to
 * mount on an `HttpRouter` route or serve on its own.
 *
 * @since 0.1.0
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import { Readable } from "node:stream"
import type * as Signatures from "./Signatures.js"
import { type BodyOutcome, readReadable, readStream, readWebStream } from "./internal/body.js"
import * as receive from "./internal/receive.js"

export type {
  /**
   * A delivery handler: `(delivery) => Effect<Result, E, R>`.
   *
   * @since 0.1.0
   * @category models
   */
  Handler
} from "./internal/receive.js"

/**
 * Options for {@link make}: `maxBodyBytes` (default 1 MiB) and `tolerance`.
 *
 * @since 0.1.0
 * @category models
 */
export type Options = receive.HandlerOptions

/**
 * Reads from the server's own request object when it is one we can stop
 * reading without tearing down the connection (Node, Web); otherwise from the
 * platform's byte stream.
 */
const readBody = (request: HttpServerRequest.HttpServerRequest, limit: number): Effect.Effect<BodyOutcome> => {
  const source = request.source
  if (source instanceof Readable) return readReadable(source, limit)
  if (typeof Request !== "undefined" && source instanceof Request && !source.bodyUsed) {
    return readWebStream(source.body, limit)
  }
  return readStream(request.stream, limit)
}

const toServerResponse = (parts: receive.ResponseParts): HttpServerResponse.HttpServerResponse => {
  const { "content-type": contentType, ...headers } = parts.headers
  return HttpServerResponse.text(parts.body, {
    status: parts.status,
    headers,
    ...(contentType === undefined ? {} : { contentType })
  })
}

/**
 * An `HttpApp` that verifies each delivery (with the `Signatures` service
 * from the context) and runs `handler`. Bad signature → 401, ack → 200,
 * accept → 202 with `Posthook-Async-Timeout`, nack / failure / defect → 500,
 * a body over `maxBodyBytes` → 413. It never fails.
 *
 * @example
 * ```ts
 * import * as HttpRouter from "@effect/platform/HttpRouter"
 * import { Effect } from "effect"
 * import { Delivery, HttpAppHandler } from "posthook-effect"
 *
 * const router = HttpRouter.empty.pipe(
 *   HttpRouter.post(
 *     "/webhooks/user-created",
 *     HttpAppHandler.make((delivery) => Effect.as(Effect.log(delivery.data), Delivery.Result.ack()))
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const make = <E, R>(
  handler: receive.Handler<E, R>,
  options?: Options
): HttpApp.Default<never, R | Signatures.Signatures | HttpServerRequest.HttpServerRequest> => {
  const limit = receive.maxBodyBytes(options)
  const handle = receive.handle(handler, options)
  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (request.method !== "POST") return toServerResponse(receive.methodNotAllowed)
    if (receive.declaredTooLarge(request.headers, limit)) return toServerResponse(receive.payloadTooLarge(limit))
    const outcome = yield* readBody(request, limit)
    return toServerResponse(yield* receive.respondToBody(outcome, request.headers, handle, limit))
  })
}
