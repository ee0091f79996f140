/**
 * Receive deliveries in an Effect HTTP server (`effect/http`): an HTTP effect
 * (`Effect<HttpServerResponse, never, HttpServerRequest | …>`) to mount on an
 * `HttpRouter` route or serve on its own with `HttpServer.serve`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Signatures from "./Signatures.js"
import { type BodyOutcome, isNodeReadable, readReadable, readStream, readWebStream } from "./internal/body.js"
import * as receive from "./internal/receive.js"

/**
 * A delivery handler: `(delivery) => Effect<Result, E, R>`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Delivery, HttpAppHandler } from "posthook-effect"
 *
 * const handler: HttpAppHandler.Handler<never, never> = (delivery) =>
 *   Effect.log(`hook ${delivery.hookId}`).pipe(Effect.as(Delivery.Result.ack()))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Handler<E, R> = receive.Handler<E, R>

/**
 * Options for {@link make}: `maxBodyBytes` (default 1 MiB) and `tolerance`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Delivery, HttpAppHandler } from "posthook-effect"
 *
 * const options: HttpAppHandler.Options = { maxBodyBytes: 64 * 1024, tolerance: "10 minutes" }
 * const app = HttpAppHandler.make(() => Effect.succeed(Delivery.Result.ack()), options)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Options = receive.HandlerOptions

/**
 * What {@link make} returns: an HTTP effect, the v4 form of an HTTP app. It
 * reads the request from the context, never fails, and needs the handler's
 * services and `Signatures`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as HttpRouter from "effect/http/HttpRouter"
 * import { Delivery, HttpAppHandler } from "posthook-effect"
 *
 * const app: HttpAppHandler.HttpEffect<never> = HttpAppHandler.make(() => Effect.succeed(Delivery.Result.ack()))
 * const routes = HttpRouter.add("POST", "/webhooks/posthook", app)
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export type HttpEffect<R> = Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  never,
  R | Signatures.Signatures | HttpServerRequest.HttpServerRequest
>

/**
 * Reads from the server's own request object when it is one we can stop
 * reading without tearing down the connection (a Node `IncomingMessage`,
 * recognised by shape so that no `node:stream` import is needed, or a Web
 * `Request`); otherwise from the platform's byte stream.
 */
const readBody = (request: HttpServerRequest.HttpServerRequest, limit: number): Effect.Effect<BodyOutcome> => {
  const source = request.source
  if (isNodeReadable(source)) return readReadable(source, limit)
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
 * An HTTP effect that verifies each delivery (with the `Signatures` service
 * from the context) and runs `handler`. Bad signature → 401, ack → 200,
 * accept → 202 with `Posthook-Async-Timeout`, nack / failure / defect → 500,
 * a body over `maxBodyBytes` → 413, an authentic body that is not a delivery
 * (reason `InvalidBody`) or data `withSchema` refuses → 422. It never fails.
 *
 * @example
 * ```ts
 * import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
 * import { Effect, Layer } from "effect"
 * import * as HttpRouter from "effect/http/HttpRouter"
 * import { Delivery, HttpAppHandler, Signatures } from "posthook-effect"
 * import { createServer } from "node:http"
 *
 * const Webhooks = HttpRouter.add(
 *   "POST",
 *   "/webhooks/user-created",
 *   HttpAppHandler.make((delivery) => Effect.as(Effect.log(delivery.data), Delivery.Result.ack()))
 * )
 *
 * const ServerLive = HttpRouter.serve(Webhooks).pipe(
 *   Layer.provide(Signatures.layerConfig()),
 *   Layer.provide(NodeHttpServer.layer(createServer, { port: 3000 }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category handlers
 */
export const make = <E, R>(handler: receive.Handler<E, R>, options?: Options): HttpEffect<R> => {
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
