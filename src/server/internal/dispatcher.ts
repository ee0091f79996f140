/**
 * One delivery attempt on the wire (PROTOCOL §2 and §4): the signed body and
 * headers, the HTTP POST with its timeout, and the WebSocket `hook` frame.
 * Signing reuses the SDK's signer; frames reuse the SDK's frame schemas.
 *
 * @internal
 */
import type * as Undici from "@effect/platform-node/Undici"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import { legacySignature, signatureHeader } from "../../internal/signing.js"
import type { ServerMessage } from "../../internal/wsProtocol.js"
import type { AttemptResponse, HookRecord } from "../HookRecord.js"
import { parseData } from "../HookRecord.js"
import { formatInstant } from "../TimeZone.js"

/** The User-Agent of every HTTP delivery (PROTOCOL §2). @internal */
export const USER_AGENT = "Posthook/1.0"

/** Response bodies kept on attempt records are cut here. @internal */
export const RESPONSE_BODY_LIMIT = 4096

/**
 * The parts of an attempt that are the same whatever the transport.
 *
 * @internal
 */
export interface Prepared {
  /** The exact body bytes (as text) that are signed and sent. */
  readonly body: string
  /** Unix seconds, sent as `Posthook-Timestamp`. */
  readonly timestamp: number
  /** `Posthook-Signature`: one `v1,<hex>` per signing key. */
  readonly signature: string
  readonly ackUrl: string | undefined
  readonly nackUrl: string | undefined
}

/** @internal */
export const prepare = (options: {
  readonly hook: HookRecord
  readonly now: number
  readonly signingKeys: ReadonlyArray<string>
  readonly callbackUrls: { readonly ackUrl: string; readonly nackUrl: string } | undefined
}): Prepared => {
  const { hook, now } = options
  // Field order as PROTOCOL §2 lists it; `data` is spliced in as the stored JSON text.
  const body = `{"id":${JSON.stringify(hook.id)},"path":${JSON.stringify(hook.path)},"postAt":${
    JSON.stringify(formatInstant(hook.postAt))
  },"postedAt":${JSON.stringify(formatInstant(now))},"data":${hook.data},"createdAt":${
    JSON.stringify(formatInstant(hook.createdAt))
  },"updatedAt":${JSON.stringify(formatInstant(hook.updatedAt))}}`
  const timestamp = Math.floor(now / 1000)
  return {
    body,
    timestamp,
    signature: signatureHeader(options.signingKeys, timestamp, body),
    ackUrl: options.callbackUrls?.ackUrl,
    nackUrl: options.callbackUrls?.nackUrl
  }
}

/**
 * The HTTP headers of a delivery, as sent (PROTOCOL §2).
 *
 * @internal
 */
export const httpHeaders = (
  hook: HookRecord,
  prepared: Prepared,
  signingKeys: ReadonlyArray<string>
): Record<string, string> => ({
  "Content-Type": "application/json",
  "User-Agent": USER_AGENT,
  "Posthook-Id": hook.id,
  "Posthook-Timestamp": String(prepared.timestamp),
  "Posthook-Signature": prepared.signature,
  ...(prepared.ackUrl !== undefined && prepared.nackUrl !== undefined
    ? { "Posthook-Ack-URL": prepared.ackUrl, "Posthook-Nack-URL": prepared.nackUrl }
    : {}),
  ...(signingKeys[0] === undefined ? {} : { "X-Ph-Signature": legacySignature(signingKeys[0], prepared.body) })
})

/**
 * The WebSocket `hook` frame of an attempt. `attempt` and `maxAttempts`
 * count within the current delivery cycle.
 *
 * @internal
 */
export const hookFrame = (options: {
  readonly hook: HookRecord
  readonly prepared: Prepared
  readonly now: number
  readonly attempt: number
  readonly maxAttempts: number
  readonly forward: boolean
  readonly includeCallbackUrls: boolean
}): ServerMessage => {
  const { hook, prepared } = options
  return {
    _tag: "hook",
    id: hook.id,
    path: hook.path,
    data: parseData(hook.data),
    postAt: formatInstant(hook.postAt),
    postedAt: formatInstant(options.now),
    createdAt: formatInstant(hook.createdAt),
    updatedAt: formatInstant(hook.updatedAt),
    timestamp: prepared.timestamp,
    attempt: options.attempt,
    maxAttempts: options.maxAttempts,
    ...(options.includeCallbackUrls && prepared.ackUrl !== undefined && prepared.nackUrl !== undefined
      ? { ackUrl: prepared.ackUrl, nackUrl: prepared.nackUrl }
      : {}),
    ...(options.forward
      ? {
        forwardRequest: {
          body: prepared.body,
          signature: prepared.signature,
          posthookId: hook.id,
          posthookTimestamp: prepared.timestamp,
          posthookSignature: prepared.signature
        }
      }
      : {})
  }
}

/**
 * What an HTTP delivery came back with.
 *
 * @internal
 */
export type HttpOutcome =
  | {
    readonly _tag: "Response"
    readonly response: AttemptResponse
    readonly durationMs: number
  }
  | {
    readonly _tag: "NoResponse"
    readonly error: string
    readonly timedOut: boolean
    readonly durationMs: number
  }

const causeCodes = (error: unknown): ReadonlyArray<string> => {
  const codes: Array<string> = []
  let current: unknown = error
  for (let depth = 0; depth < 6 && Predicate.isObject(current); depth++) {
    if (Predicate.hasProperty(current, "code") && typeof current.code === "string") codes.push(current.code)
    current = Predicate.hasProperty(current, "cause") ? current.cause : undefined
  }
  return codes
}

const describeFailure = (error: unknown, url: string): string => {
  const origin = URL.canParse(url) ? new URL(url).origin : url
  const codes = causeCodes(error)
  if (codes.includes("ECONNREFUSED")) return `connection refused by ${origin}`
  if (codes.some((code) => code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE")) {
    return `connection to ${origin} was reset`
  }
  if (codes.some((code) => code === "ENOTFOUND" || code === "EAI_AGAIN")) return `could not resolve ${origin}`
  return `request to ${origin} failed${codes[0] === undefined ? "" : ` (${codes[0]})`}`
}

const readHeaders = (headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>) => {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = typeof value === "string" ? value : value.join(", ")
  }
  return flat
}

/**
 * POSTs one delivery. Never fails: every failure is an outcome.
 *
 * This is the hot path of the scheduler, so it talks to undici's dispatcher
 * (the one `@effect/platform-node` uses) directly: going through
 * `HttpClient` halves the deliveries per second. The timeout is still an
 * Effect timeout, so `TestClock` controls it.
 *
 * @internal
 */
export const post = (options: {
  readonly dispatcher: Undici.Dispatcher
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly timeout: Duration.Duration
  readonly timeoutLabel: string
}): Effect.Effect<HttpOutcome> =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const target = URL.canParse(options.url) ? new URL(options.url) : undefined
    const result = yield* Effect.async<AttemptResponse, unknown>((resume, signal) => {
      if (target === undefined) return resume(Effect.fail(new Error(`invalid URL ${options.url}`)))
      options.dispatcher.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: "POST",
        headers: options.headers,
        body: options.body,
        signal
      }).then(
        (response) =>
          response.body.text().then((text) =>
            resume(Effect.succeed({
              status: response.statusCode,
              headers: readHeaders(response.headers),
              body: text.length > RESPONSE_BODY_LIMIT ? text.slice(0, RESPONSE_BODY_LIMIT) : text
            }))
          ),
        (error: unknown) => resume(Effect.fail(error))
      ).catch((error: unknown) => resume(Effect.fail(error)))
    }).pipe(Effect.timeout(options.timeout), Effect.either)
    const durationMs = (yield* Clock.currentTimeMillis) - start
    if (result._tag === "Right") return { _tag: "Response", response: result.right, durationMs } as const
    const error = result.left
    return error instanceof Cause.TimeoutException
      ? { _tag: "NoResponse", error: `no response within ${options.timeoutLabel}`, timedOut: true, durationMs } as const
      : { _tag: "NoResponse", error: describeFailure(error, options.url), timedOut: false, durationMs } as const
  })

/**
 * `Posthook-Async-Timeout` in seconds, when it is a positive number.
 *
 * @internal
 */
export const asyncTimeoutSeconds = (headers: Readonly<Record<string, string>>): Option.Option<number> => {
  const raw = headers["posthook-async-timeout"]
  if (raw === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(raw)) return Option.none()
  const seconds = Number(raw)
  return seconds > 0 ? Option.some(seconds) : Option.none()
}
