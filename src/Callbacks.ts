/**
 * Async hook callbacks (docs/protocol.md §3): after a handler answered
 * `Result.accept(timeout)`, the app reports the outcome by POSTing to the
 * delivery's ack or nack URL. The URL carries its own token, so no API key
 * is needed (or sent).
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { CallbackResult } from "./Delivery.js"
import * as PosthookError from "./PosthookError.js"
import { errorMessage, userAgent } from "./internal/transport.js"

/**
 * How long a callback may take before it fails with a `CallbackError`:
 * 30 seconds, like REST calls.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { Callbacks } from "posthook-effect"
 *
 * console.log(Duration.format(Callbacks.DEFAULT_TIMEOUT)) // "30s"
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_TIMEOUT: Duration.Duration = Duration.seconds(30)

/**
 * Options for {@link ack} and {@link nack}.
 *
 * @example
 * ```ts
 * import { Callbacks } from "posthook-effect"
 *
 * const options: Callbacks.Options = { timeout: "10 seconds" }
 * const finish = (ackUrl: string) => Callbacks.ack(ackUrl, undefined, options)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Give up (with a `CallbackError`) after this long. Defaults to {@link DEFAULT_TIMEOUT}. */
  readonly timeout?: Duration.Input | undefined
}

/**
 * Which callback is being made.
 *
 * @example
 * ```ts
 * import { Callbacks } from "posthook-effect"
 *
 * const answer = (kind: Callbacks.Kind, url: string) => Callbacks.call(kind, url)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Kind = "ack" | "nack"

/** The `status` that means "this call changed the hook's state", per kind. */
const appliedStatus: Record<Kind, string> = { ack: "completed", nack: "nacked" }

// Unknown fields are ignored (Schema 4's default).
const SuccessBody = Schema.fromJsonString(Schema.Struct({ data: Schema.Struct({ status: Schema.String }) }))
const decodeSuccessBody = Schema.decodeUnknownOption(SuccessBody)

/**
 * The callback URL's origin only: the rest of the URL carries the callback
 * token, which must not end up in error messages, logs or spans.
 */
const safeOrigin = (url: string): string => (URL.canParse(url) ? new URL(url).origin : "<invalid URL>")

/** Reads a callback response as docs/protocol.md §3 defines it. */
const interpretResponse = (
  kind: Kind,
  status: number,
  body: string
): CallbackResult | PosthookError.CallbackError => {
  switch (status) {
    case 200:
      return Option.match(decodeSuccessBody(body), {
        onNone: () =>
          new PosthookError.CallbackError({
            status,
            message: `${kind} callback answered 200 without a {"data": {"status": …}} body`
          }),
        onSome: ({ data }) => ({ applied: data.status === appliedStatus[kind], status: data.status })
      })
    case 404:
      return { applied: false, status: "not_found" }
    case 409:
      return { applied: false, status: "conflict" }
    case 401:
      return new PosthookError.CallbackError({
        status,
        message: `${kind} callback rejected: invalid callback token (401): ${errorMessage(status, body)}`
      })
    case 410:
      return new PosthookError.CallbackError({
        status,
        message: `${kind} callback rejected: token or deadline expired (410): ${errorMessage(status, body)}`
      })
    default:
      return new PosthookError.CallbackError({
        status,
        message: `${kind} callback failed with HTTP ${status}: ${errorMessage(status, body)}`
      })
  }
}

/** `TransportError` → `Transport`; response failures say so (`StatusCode response`). */
const describeFailure = (error: HttpClientError.HttpClientError): string => {
  const reason = error.reason._tag.replace(/Error$/, "")
  switch (error.reason._tag) {
    case "TransportError":
    case "EncodeError":
    case "InvalidUrlError":
      return reason
    default:
      return `${reason} response`
  }
}

const encodeBody = (kind: Kind, body: unknown): Effect.Effect<string | undefined, PosthookError.CallbackError> =>
  body === undefined
    ? Effect.succeed(undefined)
    : Effect.try({
      try: () => JSON.stringify(body),
      catch: (cause) =>
        new PosthookError.CallbackError({
          status: undefined,
          message: `${kind} callback body is not JSON-serialisable: ${
            cause instanceof Error ? cause.message : String(cause)
          }`
        })
    })

/**
 * POSTs one callback and interprets the answer. Shared by {@link ack} and
 * {@link nack}.
 *
 * @example
 * ```ts
 * import { Callbacks } from "posthook-effect"
 *
 * const report = (url: string) => Callbacks.call("nack", url, { error: "disk full" })
 * ```
 *
 * @since 0.1.0
 * @category callbacks
 */
export const call = (
  kind: Kind,
  url: string,
  body?: unknown,
  options?: Options
): Effect.Effect<CallbackResult, PosthookError.CallbackError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    if (!URL.canParse(url)) {
      return yield* new PosthookError.CallbackError({
        status: undefined,
        message: `${kind} callback URL is not a valid URL`
      })
    }
    const timeout = options?.timeout === undefined ? DEFAULT_TIMEOUT : Duration.fromInputUnsafe(options.timeout)
    const json = yield* encodeBody(kind, body)
    const client = yield* HttpClient.HttpClient
    const base = HttpClientRequest.post(url).pipe(
      HttpClientRequest.setHeaders({ "user-agent": userAgent, accept: "application/json" })
    )
    const request = json === undefined ? base : HttpClientRequest.bodyText(base, json, "application/json")
    const origin = safeOrigin(url)
    const answer = yield* client.execute(request).pipe(
      Effect.flatMap((response) => Effect.map(response.text, (text) => ({ status: response.status, text }))),
      // The client's own span would record the full URL, token included.
      Effect.provideService(HttpClient.TracerDisabledWhen, () => true),
      Effect.mapError((error) =>
        new PosthookError.CallbackError({
          status: undefined,
          message: `${kind} callback to ${origin} got no response: ${describeFailure(error)}`
        })
      ),
      Effect.timeoutOrElse({
        duration: timeout,
        orElse: () =>
          Effect.fail(
            new PosthookError.CallbackError({
              status: undefined,
              message: `${kind} callback to ${origin} timed out after ${Duration.format(timeout)}`
            })
          )
      })
    )
    const outcome = interpretResponse(kind, answer.status, answer.text)
    return outcome instanceof PosthookError.CallbackError ? yield* outcome : outcome
  }).pipe(
    Effect.withSpan(
      `Posthook.callbacks.${kind}`,
      { kind: "client", attributes: { "server.origin": safeOrigin(url) } },
      { captureStackTrace: false }
    )
  )

/**
 * Reports an accepted delivery as done by POSTing to its ack URL. 200, 404
 * (hook deleted) and 409 (hook moved on to a newer attempt) are results;
 * `applied` is `true` only when this call completed the hook. 401 (bad
 * token), 410 (expired), any other status, no response and a timeout fail
 * with a `CallbackError`. `body` is optional; when given it is sent as JSON
 * (Posthook ignores ack bodies).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
 * import { Callbacks } from "posthook-effect"
 *
 * const finish = (ackUrl: string) =>
 *   Callbacks.ack(ackUrl).pipe(
 *     Effect.tap((result) => Effect.log(`applied: ${result.applied} (${result.status})`)),
 *     Effect.provide(NodeHttpClient.layerUndici)
 *   )
 * ```
 *
 * @since 0.1.0
 * @category callbacks
 */
export const ack = (
  url: string,
  body?: unknown,
  options?: Options
): Effect.Effect<CallbackResult, PosthookError.CallbackError, HttpClient.HttpClient> => call("ack", url, body, options)

/**
 * Reports an accepted delivery as failed by POSTing to its nack URL, so
 * Posthook retries it per policy. `body` (optional, JSON, max 8 KB) is kept
 * by Posthook for diagnostics. Outcomes as for {@link ack}; `applied` is
 * `true` when the status is `nacked`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
 * import { Callbacks } from "posthook-effect"
 *
 * const fail = (nackUrl: string, error: string) =>
 *   Callbacks.nack(nackUrl, { error }).pipe(Effect.provide(NodeHttpClient.layerUndici))
 * ```
 *
 * @since 0.1.0
 * @category callbacks
 */
export const nack = (
  url: string,
  body?: unknown,
  options?: Options
): Effect.Effect<CallbackResult, PosthookError.CallbackError, HttpClient.HttpClient> =>
  call("nack", url, body, options)
