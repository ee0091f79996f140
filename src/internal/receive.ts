/**
 * The one function every HTTP adapter wraps:
 * `(raw body, headers) → Effect<response parts>`. It verifies the delivery,
 * runs the user's handler and maps the outcome to a status code
 * (docs/protocol.md §2): 401 bad signature, 200 ack, 202 accept, 500 nack / failure /
 * defect, 413 body over the limit, 422 an authentic body that is not a delivery or
 * data not matching the handler's schema.
 * It never fails: every outcome is a response.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
// `Result` here is a handler's answer (ack / accept / nack), not effect's `Result`.
import { acceptSeconds, type Delivery, type Result } from "../Delivery.js"
import type * as PosthookError from "../PosthookError.js"
import * as AsyncTimeout from "../protocol/asyncTimeout.js"
import * as Signatures from "../Signatures.js"
import type { BodyOutcome } from "./body.js"
import { type HeadersInput, headerValue } from "./headers.js"

/**
 * A handler for delivered hooks, shared by every adapter and the WebSocket
 * listener.
 *
 * @since 0.1.0
 * @category models
 */
export type Handler<E, R> = (delivery: Delivery) => Effect.Effect<Result, E, R>

/**
 * Options shared by every HTTP adapter.
 *
 * @since 0.1.0
 * @category models
 */
export interface HandlerOptions {
  /** Larger bodies are answered with 413 without reading them. Default 1 MiB. */
  readonly maxBodyBytes?: number | undefined
  /** Overrides the `Signatures` service's tolerance. */
  readonly tolerance?: Signatures.Tolerance | undefined
}

/**
 * Where adapters called from outside Effect run handlers: a `ManagedRuntime`
 * (built from the app's layers) or a `Context` of services, e.g. one taken
 * with `Effect.context()`, or `Context.empty()` when the handler needs none.
 *
 * @since 0.1.0
 * @category models
 */
export type RuntimeLike<R> = Context.Context<R> | ManagedRuntime.ManagedRuntime<R, unknown>

/**
 * Where a non-Effect adapter gets its services: a runtime providing the
 * handler's requirements and `Signatures`, or a runtime for the handler plus
 * an explicit `signatures` service.
 *
 * @since 0.1.0
 * @category models
 */
export type RuntimeOptions<R> =
  | {
    readonly runtime: RuntimeLike<R | Signatures.Signatures>
    readonly signatures?: undefined
  }
  | {
    readonly runtime: RuntimeLike<R>
    readonly signatures: Signatures.Service
  }

/** @internal */
export interface ResponseParts {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** @internal */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

const jsonResponse = (
  status: number,
  body: Readonly<Record<string, unknown>>,
  headers: Readonly<Record<string, string>> = {}
): ResponseParts => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body)
})

/** @internal */
export const maxBodyBytes = (options: HandlerOptions | undefined): number =>
  options?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES

/**
 * 413, closing the connection: the rest of the body is never read, so the
 * connection cannot carry another request.
 *
 * @internal
 */
export const payloadTooLarge = (limit: number): ResponseParts =>
  jsonResponse(413, { error: `request body is larger than the ${limit} byte limit` }, { connection: "close" })

/** @internal */
export const methodNotAllowed: ResponseParts = jsonResponse(
  405,
  { error: "method not allowed: Posthook delivers hooks with POST" },
  { allow: "POST" }
)

/** @internal */
export const bodyUnreadable = (message: string): ResponseParts => jsonResponse(500, { error: message })

/** @internal */
export const misparsedBodyMessage = (parsedAs: string): string =>
  `posthook-effect: the request body was already parsed (req.body is ${parsedAs}), so the exact bytes the ` +
  "signature covers are lost. Mount the Posthook handler with a raw body parser, e.g. " +
  "app.post(path, express.raw({ type: \"application/json\" }), handler), not after express.json()"

/** @internal */
export const CONSUMED_BODY_MESSAGE = "posthook-effect: the request body was already read by another middleware " +
  "and is not available as raw bytes. Mount the Posthook handler before body parsers, or after " +
  "express.raw({ type: \"application/json\" })"

/**
 * Whether `Content-Length` already says the body is over the limit.
 *
 * @internal
 */
export const declaredTooLarge = (headers: HeadersInput, limit: number): boolean => {
  const declared = headerValue(headers, "content-length")?.trim()
  return declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limit
}

const toResponse = (delivery: Delivery, result: Result): Effect.Effect<ResponseParts> => {
  switch (result._tag) {
    case "Ack":
      return Effect.succeed(jsonResponse(200, { ok: true }))
    case "Accept": {
      const seconds = acceptSeconds(result.timeout)
      const response = jsonResponse(202, { ok: true }, { [AsyncTimeout.HEADER]: String(seconds) })
      return delivery.ackUrl === undefined
        ? Effect.as(
          Effect.logWarning(
            "handler accepted a delivery that has no ack/nack URLs (async hooks are not enabled for the project): " +
              "Posthook counts the 202 as success and will not wait for a callback"
          ),
          response
        )
        : Effect.succeed(response)
    }
    case "Nack":
      return Effect.as(
        Effect.logWarning(`handler nacked the delivery: ${result.error ?? "(no error given)"}`),
        jsonResponse(500, { error: result.error ?? "nacked" })
      )
  }
}

const isDeliveryDataError = (error: unknown): error is PosthookError.DeliveryDataError =>
  typeof error === "object" && error !== null && "_tag" in error && error._tag === "DeliveryDataError"

/**
 * A delivery `parseDelivery` refused. 401 only when authentication failed;
 * `InvalidBody` comes after the signature matched (the body here is always
 * bytes), so it is answered like data a schema refuses: sending it again as
 * "unauthorised" would hide a request that can never succeed.
 */
const refused = (error: PosthookError.SignatureVerificationError): Effect.Effect<ResponseParts> =>
  error.reason === "InvalidBody"
    ? Effect.as(
      Effect.logError(`rejected an authentic delivery: ${error.message}`).pipe(
        Effect.annotateLogs("reason", error.reason)
      ),
      jsonResponse(422, { error: error.message })
    )
    : Effect.as(
      Effect.logWarning(`rejected a delivery: ${error.message}`).pipe(Effect.annotateLogs("reason", error.reason)),
      jsonResponse(401, { error: error.message })
    )

const handlerFailed = (cause: Cause.Cause<unknown>): Effect.Effect<ResponseParts> => {
  const dataError = Cause.findErrorOption(cause)
  if (Option.isSome(dataError) && isDeliveryDataError(dataError.value)) {
    return Effect.as(
      Effect.logError("delivery data does not match the handler's schema", cause),
      jsonResponse(422, { error: dataError.value.message })
    )
  }
  return Effect.as(Effect.logError("delivery handler failed", cause), jsonResponse(500, { error: "handler failed" }))
}

/**
 * Verifies a delivery and runs `handler` on it. Never fails.
 *
 * @internal
 */
export const handle = <E, R>(handler: Handler<E, R>, options?: HandlerOptions) => {
  const limit = maxBodyBytes(options)
  // Decoded now, so a bad tolerance fails when the handler is made, not on each request.
  const verifyOptions = options?.tolerance === undefined
    ? {}
    : { tolerance: Duration.fromInputUnsafe(options.tolerance) }
  return (body: Uint8Array, headers: HeadersInput): Effect.Effect<ResponseParts, never, R | Signatures.Signatures> =>
    Effect.gen(function*() {
      if (body.length > limit) {
        yield* Effect.logWarning(`rejected a delivery of ${body.length} bytes (limit ${limit})`)
        return payloadTooLarge(limit)
      }
      const signatures = yield* Signatures.Signatures
      const parsed = yield* Effect.result(signatures.parseDelivery(body, headers, verifyOptions))
      if (parsed._tag === "Failure") return yield* refused(parsed.failure)
      const delivery = parsed.success
      return yield* Effect.suspend(() => handler(delivery)).pipe(
        Effect.flatMap((result) => toResponse(delivery, result)),
        Effect.catchCause(handlerFailed),
        Effect.annotateLogs({ "posthook.hook_id": delivery.hookId, "posthook.path": delivery.path })
      )
    }).pipe(
      Effect.catchCause((cause) =>
        Effect.as(Effect.logError("delivery could not be handled", cause), bodyUnreadable("internal error"))
      ),
      Effect.annotateLogs("package", "posthook-effect"),
      Effect.withSpan("Posthook.receive", { kind: "server" }, { captureStackTrace: false })
    )
}

/**
 * The response to a body read by an adapter: run the delivery through
 * `handle`, or answer 413 / 500 when the body could not be had.
 *
 * @internal
 */
export const respondToBody = <R>(
  outcome: BodyOutcome,
  headers: HeadersInput,
  handle: (body: Uint8Array, headers: HeadersInput) => Effect.Effect<ResponseParts, never, R>,
  limit: number
): Effect.Effect<ResponseParts, never, R> => {
  switch (outcome._tag) {
    case "Body":
      return handle(outcome.body, headers)
    case "TooLarge":
      return Effect.as(Effect.logWarning(`rejected a delivery larger than ${limit} bytes`), payloadTooLarge(limit))
    case "Unreadable":
      return Effect.as(Effect.logError(outcome.message), bodyUnreadable(outcome.message))
  }
}

/**
 * Runs an adapter's effect in the user's runtime. A runtime that fails to
 * start (a `ManagedRuntime` whose layer fails, e.g. without
 * `POSTHOOK_SIGNING_KEY`) still gets an answer: 500, reported on stderr since
 * no Effect logger exists then.
 *
 * @internal
 */
export const runWith = <R>(options: RuntimeOptions<R>) =>
(effect: Effect.Effect<ResponseParts, never, R | Signatures.Signatures>): Promise<ResponseParts> => {
  const promise = options.signatures === undefined
    ? runPromise(options.runtime, effect)
    : runPromise(options.runtime, Effect.provideService(effect, Signatures.Signatures, options.signatures))
  return promise.catch((error: unknown) => {
    console.error("posthook-effect: the receiver's runtime failed", error)
    return bodyUnreadable("receiver runtime failed")
  })
}

const isManagedRuntime = <R>(runtime: RuntimeLike<R>): runtime is ManagedRuntime.ManagedRuntime<R, unknown> =>
  ManagedRuntime.isManagedRuntime(runtime)

const runPromise = <A, R>(runtime: RuntimeLike<R>, effect: Effect.Effect<A, never, R>): Promise<A> =>
  isManagedRuntime(runtime) ? runtime.runPromise(effect) : Effect.runPromiseWith(runtime)(effect)
