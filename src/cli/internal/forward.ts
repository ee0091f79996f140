/**
 * Forward mode of `posthook listen`: replay a WebSocket delivery as the
 * signed HTTP POST the endpoint would have received (docs/protocol.md §4,
 * `forwardRequest`), and turn the local app's answer into the delivery's
 * result exactly as docs/protocol.md §2 maps an HTTP answer:
 *
 * | local answer | result |
 * |---|---|
 * | 202, async hooks on (the delivery has ack/nack URLs) | accept, timeout from `Posthook-Async-Timeout` (default 300 s) |
 * | any other 2xx (202 too when async hooks are off) | ack |
 * | anything else | nack `HTTP <status>` |
 * | no answer within the timeout, refused, reset | nack with the reason |
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import { type Delivery, Result } from "../../Delivery.js"
import * as AsyncTimeout from "../../protocol/asyncTimeout.js"

/**
 * How long the local app may take. The service wants an answer within its
 * 10 s ack window, so forwarding gives up a little before that.
 *
 * @internal
 */
export const DEFAULT_FORWARD_TIMEOUT: Duration.Duration = Duration.seconds(9)

/** Most characters of a local error response quoted in a nack. */
const NACK_BODY_SNIPPET = 200

/**
 * The request replayed to the local app.
 *
 * @internal
 */
export interface ForwardedRequest {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/**
 * What came of forwarding one delivery.
 *
 * @internal
 */
export interface Forwarded {
  readonly request: ForwardedRequest
  /** The local app's status; `undefined` when it did not answer. */
  readonly status: number | undefined
  readonly responseHeaders: Readonly<Record<string, string>>
  readonly responseBody: string
  readonly durationMs: number
  readonly result: Result
}

/**
 * `target` + the hook's path: `http://127.0.0.1:3000` and `/webhooks/x` give
 * `http://127.0.0.1:3000/webhooks/x`; a target with a path prefixes it
 * (`http://127.0.0.1:3000/api` gives `/api/webhooks/x`).
 *
 * @internal
 */
export const targetUrl = (target: URL, path: string): string => {
  const url = new URL(target.href)
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${path.startsWith("/") ? path : `/${path}`}`
  return url.href
}

const isV1Signature = (value: string): boolean => value.split(" ").some((part) => part.startsWith("v1,"))

/**
 * The HTTP request the endpoint would have received for this delivery:
 * the exact body, the signature headers from `forwardRequest`, and the
 * callback URLs when async hooks are on.
 *
 * @internal
 */
export const buildRequest = (target: URL, delivery: Delivery): ForwardedRequest => {
  const forward = delivery.ws?.forwardRequest
  const body = forward?.body ?? new TextDecoder().decode(delivery.body)
  const signature = forward?.posthookSignature ?? (forward !== undefined && isV1Signature(forward.signature)
    ? forward.signature
    : undefined)
  // `signature` without the `v1,` scheme is the legacy body-only HMAC.
  const legacySignature = forward !== undefined && !isV1Signature(forward.signature) ? forward.signature : undefined
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "Posthook/1.0",
    "posthook-id": forward?.posthookId ?? delivery.hookId,
    "posthook-timestamp": String(forward?.posthookTimestamp ?? delivery.timestamp)
  }
  if (signature !== undefined) headers["posthook-signature"] = signature
  if (legacySignature !== undefined) headers["x-ph-signature"] = legacySignature
  if (forward?.authorization !== undefined) headers["authorization"] = forward.authorization
  if (delivery.ackUrl !== undefined && delivery.nackUrl !== undefined) {
    headers["posthook-ack-url"] = delivery.ackUrl
    headers["posthook-nack-url"] = delivery.nackUrl
  }
  return { url: targetUrl(target, delivery.path), headers, body }
}

/** `Posthook-Async-Timeout: <seconds>`, when it is a positive number, else the default. */
const asyncTimeoutOf = (headers: Readonly<Record<string, string>>): Duration.Duration =>
  Duration.seconds(AsyncTimeout.parseSeconds(headers) ?? AsyncTimeout.DEFAULT_SECONDS)

/**
 * The result an HTTP answer stands for (the table above).
 *
 * @internal
 */
export const resultOf = (
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string,
  asyncHooks: boolean
): Result => {
  if (status === 202 && asyncHooks) return Result.accept(asyncTimeoutOf(headers))
  if (status >= 200 && status < 300) return Result.ack()
  const snippet = body.trim().slice(0, NACK_BODY_SNIPPET)
  return Result.nack(snippet.length > 0 ? `HTTP ${status}: ${snippet}` : `HTTP ${status}`)
}

const describeFailure = (error: unknown): string => {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ""
    return `${error.message}${cause}`
  }
  return String(error)
}

/**
 * POSTs the delivery to the local app and maps its answer to a `Result`.
 * Never fails: no answer is a nack, so the service retries the hook.
 *
 * @internal
 */
export const forward = (
  target: URL,
  delivery: Delivery,
  timeout: Duration.Duration = DEFAULT_FORWARD_TIMEOUT
): Effect.Effect<Forwarded, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const request = buildRequest(target, delivery)
    const asyncHooks = delivery.ackUrl !== undefined && delivery.nackUrl !== undefined
    const client = yield* HttpClient.HttpClient
    const start = yield* Clock.currentTimeMillis
    const outcome = yield* client.execute(
      HttpClientRequest.post(request.url).pipe(
        HttpClientRequest.setHeaders(request.headers),
        HttpClientRequest.bodyText(request.body, "application/json")
      )
    ).pipe(
      Effect.flatMap((response) =>
        Effect.map(
          Effect.orElseSucceed(response.text, () => ""),
          (text) => ({ status: response.status, headers: response.headers, text })
        )
      ),
      Effect.mapError(describeFailure),
      Effect.timeoutOrElse({
        duration: timeout,
        orElse: () => Effect.fail(`no answer within ${Duration.format(timeout)}`)
      }),
      // The replay carries the delivery's headers only: no trace headers of ours.
      Effect.provideService(HttpClient.TracerPropagationEnabled, false),
      Effect.match({
        onFailure: (reason): Omit<Forwarded, "durationMs"> => ({
          request,
          status: undefined,
          responseHeaders: {},
          responseBody: "",
          result: Result.nack(`no answer from ${request.url}: ${reason}`)
        }),
        onSuccess: ({ headers, status, text }): Omit<Forwarded, "durationMs"> => ({
          request,
          status,
          responseHeaders: headers,
          responseBody: text,
          result: resultOf(status, headers, text, asyncHooks)
        })
      })
    )
    const durationMs = (yield* Clock.currentTimeMillis) - start
    return { ...outcome, durationMs }
  }).pipe(Effect.withSpan("posthook.cli.listen.forward", { attributes: { "posthook.hook_id": delivery.hookId } }))
