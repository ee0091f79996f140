/**
 * The one place where the SDK talks HTTP to the REST API: auth and
 * User-Agent headers, timeout, the `{data}` envelope, error mapping, retries
 * and the Debug log line.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as PosthookConfig from "../PosthookConfig.js"
import * as PosthookError from "../PosthookError.js"
import { VERSION } from "./version.js"

/** @internal */
export type Method = "GET" | "POST" | "DELETE"

/**
 * Per-call options accepted by every REST method.
 *
 * @internal
 */
export interface CallOptions {
  readonly timeout?: Duration.DurationInput | undefined
  readonly retry?: PosthookConfig.RetryPolicy | false | undefined
}

/** @internal */
export interface RequestSpec {
  readonly method: Method
  readonly path: string
  readonly query?: Readonly<Record<string, string | undefined>> | undefined
  readonly body?: unknown
  /** Safe to retry without risk of doing the work twice (GET, DELETE). */
  readonly idempotent: boolean
}

/** @internal */
export interface Response<A> {
  readonly data: A
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
}

/** @internal */
export interface Transport {
  readonly config: PosthookConfig.Resolved
  readonly request: <A, I>(
    spec: RequestSpec,
    schema: Schema.Schema<A, I>,
    options?: CallOptions
  ) => Effect.Effect<Response<A>, PosthookError.RequestError>
}

/** @internal */
export const userAgent: string = (() => {
  const runtime = typeof process !== "undefined" && typeof process.version === "string"
    ? `Node.js ${process.version.replace(/^v/, "")}; ${process.platform}`
    : "unknown runtime"
  return `posthook-effect/${VERSION} (${runtime})`
})()

const ErrorBody = Schema.parseJson(
  Schema.Union(
    Schema.Struct({ error: Schema.String }),
    Schema.Struct({ error: Schema.Struct({ message: Schema.String }) }),
    Schema.Struct({ message: Schema.String })
  )
)

/**
 * The server's error message, or `HTTP <status>` for a body that is empty,
 * HTML, or JSON without a message.
 *
 * @internal
 */
export const errorMessage = (status: number, body: string): string =>
  Option.match(Schema.decodeUnknownOption(ErrorBody)(body), {
    onNone: () => `HTTP ${status}`,
    onSome: (parsed) =>
      "error" in parsed
        ? typeof parsed.error === "string" ? parsed.error : parsed.error.message
        : parsed.message
  })

/**
 * `Retry-After` as seconds or an HTTP date.
 *
 * @internal
 */
export const parseRetryAfter = (
  value: string | undefined,
  nowMillis: number
): Option.Option<Duration.Duration> => {
  if (value === undefined) return Option.none()
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Option.some(Duration.seconds(Number(trimmed)))
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return Option.none()
  return Option.some(Duration.millis(Math.max(0, date - nowMillis)))
}

const isTransient = (error: PosthookError.RequestError): boolean => {
  switch (error._tag) {
    case "PosthookConnectionError":
      return error.reason !== "InvalidUrl"
    case "RateLimitError":
    case "InternalServerError":
      return true
    case "PosthookApiError":
      return error.status === 408
    default:
      return false
  }
}

const causeCodes = (error: unknown): ReadonlyArray<string> => {
  const codes: Array<string> = []
  let current: unknown = error
  for (let depth = 0; depth < 5 && Predicate.isObject(current); depth++) {
    if (Predicate.hasProperty(current, "code") && typeof current.code === "string") codes.push(current.code)
    current = Predicate.hasProperty(current, "cause") ? current.cause : undefined
  }
  return codes
}

const describeTransportFailure = (
  cause: unknown,
  url: string
): { readonly reason: PosthookError.ConnectionFailure; readonly message: string } => {
  const codes = causeCodes(cause)
  const origin = URL.canParse(url) ? new URL(url).origin : url
  if (codes.includes("ECONNREFUSED")) return { reason: "Refused", message: `connection refused by ${origin}` }
  if (codes.some((code) => code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE")) {
    return { reason: "Reset", message: `connection to ${origin} was reset` }
  }
  if (codes.some((code) => code === "ENOTFOUND" || code === "EAI_AGAIN")) {
    return { reason: "DNS", message: `could not resolve the host of ${origin}` }
  }
  const detail = codes[0] ?? (cause instanceof Error ? cause.message : "transport failure")
  return { reason: "Transport", message: `request to ${origin} failed: ${detail}` }
}

const Envelope = <A, I>(schema: Schema.Schema<A, I>) => Schema.parseJson(Schema.Struct({ data: schema }))

/** @internal */
export const defaultRetrySchedule: Schedule.Schedule<unknown, PosthookError.RequestError> = Schedule.exponential(
  "250 millis",
  2
).pipe(
  Schedule.jittered,
  Schedule.modifyDelay((delay) => Duration.min(delay, Duration.seconds(10)))
)

const retrySchedule = (
  policy: PosthookConfig.RetryPolicy,
  nowMillis: () => number
): Schedule.Schedule<unknown, PosthookError.RequestError> => {
  const maxRetryAfter = Duration.decode(policy.maxRetryAfter ?? "60 seconds")
  return Schedule.intersect(policy.schedule ?? defaultRetrySchedule, Schedule.identity<PosthookError.RequestError>())
    .pipe(
      Schedule.whileInput(isTransient),
      Schedule.intersect(Schedule.recurs(policy.times ?? 3)),
      Schedule.modifyDelay(([[, error]], delay) => {
        if (error._tag !== "RateLimitError" && error._tag !== "InternalServerError") return delay
        const fromHeader = error._tag === "RateLimitError"
          ? error.retryAfter
          : parseRetryAfter(error.headers["retry-after"], nowMillis())
        return Option.match(fromHeader, {
          onNone: () => delay,
          onSome: (wanted) => Duration.max(delay, Duration.min(wanted, maxRetryAfter))
        })
      })
    )
}

/** @internal */
export const make = (config: PosthookConfig.Resolved, client: HttpClient.HttpClient): Transport => {
  const baseHeaders = {
    "x-api-key": Redacted.value(config.apiKey),
    "user-agent": userAgent,
    accept: "application/json"
  }

  const request = <A, I>(
    spec: RequestSpec,
    schema: Schema.Schema<A, I>,
    options?: CallOptions
  ): Effect.Effect<Response<A>, PosthookError.RequestError> => {
    const url = `${config.baseUrl}${spec.path}`
    const timeout = options?.timeout === undefined ? config.timeout : Duration.decode(options.timeout)
    const query: Record<string, string> = {}
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) query[key] = value
    }
    let httpRequest = HttpClientRequest.make(spec.method)(url).pipe(
      HttpClientRequest.setHeaders(baseHeaders),
      HttpClientRequest.setUrlParams(query)
    )
    if (spec.body !== undefined) {
      httpRequest = HttpClientRequest.bodyText(httpRequest, JSON.stringify(spec.body), "application/json")
    }
    const decode = Schema.decodeUnknown(Envelope(schema), { onExcessProperty: "ignore" })

    const attempt = Effect.gen(function*() {
      const start = yield* Clock.currentTimeMillis
      const outcome = yield* client.execute(httpRequest).pipe(
        Effect.flatMap((response) =>
          Effect.map(response.text, (text) => ({ status: response.status, headers: response.headers, text }))
        ),
        Effect.mapError((error) =>
          new PosthookError.PosthookConnectionError({
            ...(error._tag === "RequestError" && error.reason === "InvalidUrl"
              ? { reason: "InvalidUrl", message: `invalid URL: ${url}` }
              : describeTransportFailure(error.cause, url)),
            cause: error
          })
        ),
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () =>
            new PosthookError.PosthookConnectionError({
              reason: "Timeout",
              message: `${spec.method} ${spec.path} timed out after ${Duration.format(timeout)}`
            })
        }),
        Effect.tapError((error) =>
          Effect.flatMap(Clock.currentTimeMillis, (end) =>
            Effect.logDebug(`${spec.method} ${spec.path} -> ${error.reason} (${seconds(end - start)})`)
          )
        )
      )
      const end = yield* Clock.currentTimeMillis
      yield* Effect.logDebug(`${spec.method} ${spec.path} -> ${outcome.status} (${seconds(end - start)})`).pipe(
        Effect.annotateLogs({ "http.status": outcome.status })
      )
      if (outcome.status >= 400) {
        return yield* Effect.fail(
          PosthookError.fromStatus(
            outcome.status,
            errorMessage(outcome.status, outcome.text),
            outcome.headers,
            parseRetryAfter(outcome.headers["retry-after"], end)
          )
        )
      }
      const data = yield* decode(outcome.text).pipe(
        Effect.mapError((error) =>
          new PosthookError.ResponseDecodeError({
            status: outcome.status,
            headers: outcome.headers,
            message: `unexpected response to ${spec.method} ${spec.path}: ${
              ParseResult.TreeFormatter.formatErrorSync(error)
            }`
          })
        )
      )
      return { data: data.data, status: outcome.status, headers: outcome.headers }
    })

    const policy = options?.retry === undefined ? config.retry : options.retry
    const retried = policy === false || (!spec.idempotent && policy.retryWrites !== true)
      ? attempt
      : Effect.retry(attempt, retrySchedule(policy, Date.now))

    return retried.pipe(
      Effect.annotateLogs({ package: "posthook-effect", "http.method": spec.method, "http.path": spec.path }),
      Effect.withSpan(`Posthook.http ${spec.method}`, {
        kind: "client",
        attributes: { "http.request.method": spec.method, "url.path": spec.path }
      })
    )
  }

  return { config, request }
}

const seconds = (millis: number): string => `${(millis / 1000).toFixed(3)}s`
