/**
 * One delivery attempt on the wire (docs/protocol.md §2 and §4): the signed body and
 * headers, the HTTP POST with its timeout, and the WebSocket `hook` frame.
 * Signing reuses the SDK's signer; frames reuse the SDK's frame schemas.
 *
 * @internal
 */
import type * as Undici from "@effect/platform-node/Undici"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { causeCodes, connectionFailureOf } from "../../protocol/errors.js"
import { type HmacKey, legacySignature, signatureHeader } from "../../protocol/signing.js"
import type { ServerMessage } from "../../protocol/frames.js"
import type { AttemptResponse, HookRecord } from "../HookRecord.js"
import { parseData } from "../HookRecord.js"
import { formatInstant } from "../TimeZone.js"
import * as AsyncTimeout from "../../protocol/asyncTimeout.js"
import * as WallClock from "./wallClock.js"

/** Where HTTP deliveries go out: an undici dispatcher (connection pools per origin). @internal */
export type UndiciDispatcher = Undici.Dispatcher

/** The User-Agent of every HTTP delivery (docs/protocol.md §2). @internal */
export const USER_AGENT = "Posthook/1.0"

/** Response bodies kept on attempt records are cut here. @internal */
export const RESPONSE_BODY_LIMIT = 4096

/**
 * The instants of a delivery, formatted once (docs/protocol.md §2): each is
 * used by the body and by the WebSocket frame.
 *
 * @internal
 */
export interface Instants {
  readonly postAt: string
  readonly postedAt: string
  readonly createdAt: string
  readonly updatedAt: string
}

/**
 * The parts of an attempt that are the same whatever the transport.
 *
 * @internal
 */
export interface Prepared {
  readonly instants: Instants
  /** Unix seconds, sent as `Posthook-Timestamp`. */
  readonly timestamp: number
  readonly ackUrl: string | undefined
  readonly nackUrl: string | undefined
}

/**
 * The signed body of an attempt: what an HTTP POST sends, and what a
 * forward-mode frame carries. A plain WebSocket frame needs neither.
 *
 * @internal
 */
export interface Signed {
  /** The exact body bytes (as text) that are signed and sent. */
  readonly body: string
  /** `Posthook-Signature`: one `v1,<hex>` per signing key. */
  readonly signature: string
}

/**
 * Formatted instants, cached: a burst of deliveries shares most of them (the
 * same `postAt`, the same millisecond for `postedAt`, scheduling bursts for
 * `createdAt`), and formatting was a visible share of a delivery's CPU.
 */
const formatted = new Map<number, string>()
const FORMATTED_LIMIT = 512

const format = (millis: number): string => {
  const cached = formatted.get(millis)
  if (cached !== undefined) return cached
  const text = formatInstant(millis)
  if (formatted.size >= FORMATTED_LIMIT) formatted.clear()
  formatted.set(millis, text)
  return text
}

/** @internal */
export const prepare = (options: {
  readonly hook: HookRecord
  readonly now: number
  readonly callbackUrls: { readonly ackUrl: string; readonly nackUrl: string } | undefined
}): Prepared => {
  const { hook, now } = options
  const postedAt = format(now)
  return {
    instants: {
      postAt: format(hook.postAt),
      postedAt,
      createdAt: format(hook.createdAt),
      // Starting an attempt updates the hook: `updatedAt` is nearly always `now`.
      updatedAt: hook.updatedAt === now ? postedAt : format(hook.updatedAt)
    },
    timestamp: Math.floor(now / 1000),
    ackUrl: options.callbackUrls?.ackUrl,
    nackUrl: options.callbackUrls?.nackUrl
  }
}

/**
 * The delivery body and its signature header.
 *
 * @internal
 */
export const sign = (hook: HookRecord, prepared: Prepared, signingKeys: ReadonlyArray<HmacKey>): Signed => {
  const { instants } = prepared
  // Field order as docs/protocol.md §2 lists it; `data` is spliced in as the stored JSON text. The
  // instants are `formatInstant` output (digits, `-:.TZ`), which JSON needs no escapes for: quoted as they are.
  const body = `{"id":${JSON.stringify(hook.id)},"path":${
    JSON.stringify(hook.path)
  },"postAt":"${instants.postAt}","postedAt":"${instants.postedAt}","data":${hook.data},"createdAt":"${instants.createdAt}","updatedAt":"${instants.updatedAt}"}`
  return { body, signature: signatureHeader(signingKeys, prepared.timestamp, body) }
}

/**
 * The HTTP headers of a delivery, as sent (docs/protocol.md §2).
 *
 * @internal
 */
export const httpHeaders = (
  hook: HookRecord,
  prepared: Prepared,
  signed: Signed,
  signingKeys: ReadonlyArray<HmacKey>
): Record<string, string> => ({
  "Content-Type": "application/json",
  "User-Agent": USER_AGENT,
  "Posthook-Id": hook.id,
  "Posthook-Timestamp": String(prepared.timestamp),
  "Posthook-Signature": signed.signature,
  ...(prepared.ackUrl !== undefined && prepared.nackUrl !== undefined
    ? { "Posthook-Ack-URL": prepared.ackUrl, "Posthook-Nack-URL": prepared.nackUrl }
    : {}),
  ...(signingKeys[0] === undefined ? {} : { "X-Ph-Signature": legacySignature(signingKeys[0], signed.body) })
})

/**
 * The WebSocket `hook` frame of an attempt. `attempt` and `maxAttempts`
 * count within the current delivery cycle. `forward` (forward mode) is the
 * signed body the listener re-posts.
 *
 * @internal
 */
export const hookFrame = (options: {
  readonly hook: HookRecord
  readonly prepared: Prepared
  readonly attempt: number
  readonly maxAttempts: number
  readonly forward: Signed | undefined
  readonly includeCallbackUrls: boolean
}): ServerMessage => {
  const { hook, prepared } = options
  const { instants } = prepared
  return {
    _tag: "hook",
    id: hook.id,
    path: hook.path,
    data: parseData(hook.data),
    postAt: instants.postAt,
    postedAt: instants.postedAt,
    createdAt: instants.createdAt,
    updatedAt: instants.updatedAt,
    timestamp: prepared.timestamp,
    attempt: options.attempt,
    maxAttempts: options.maxAttempts,
    ...(options.includeCallbackUrls && prepared.ackUrl !== undefined && prepared.nackUrl !== undefined
      ? { ackUrl: prepared.ackUrl, nackUrl: prepared.nackUrl }
      : {}),
    ...(options.forward !== undefined
      ? {
        forwardRequest: {
          body: options.forward.body,
          signature: options.forward.signature,
          posthookId: hook.id,
          posthookTimestamp: prepared.timestamp,
          posthookSignature: options.forward.signature
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

const describeFailure = (error: unknown, url: string): string => {
  const origin = targetOf(url)?.origin ?? url
  const codes = causeCodes(error)
  switch (connectionFailureOf(codes)) {
    case "Refused":
      return `connection refused by ${origin}`
    case "Reset":
      return `connection to ${origin} was reset`
    case "DNS":
      return `could not resolve ${origin}`
    case undefined:
      return `request to ${origin} failed${codes[0] === undefined ? "" : ` (${codes[0]})`}`
  }
}

const readHeaders = (headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>) => {
  const flat: Record<string, string> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value !== undefined) flat[name] = typeof value === "string" ? value : value.join(", ")
  }
  return flat
}

/** The answer deadlines of open POSTs (one timer for all of them, see `WallClock.deadlines`). */
const answerDeadlines = WallClock.deadlines()

const outcomeOfFailure = (
  error: unknown,
  timedOut: boolean,
  durationMs: number,
  options: { readonly url: string; readonly timeoutLabel: string }
): HttpOutcome =>
  timedOut
    ? { _tag: "NoResponse", error: `no response within ${options.timeoutLabel}`, timedOut: true, durationMs }
    : { _tag: "NoResponse", error: describeFailure(error, options.url), timedOut: false, durationMs }

/** Response bytes kept for the record: enough for {@link RESPONSE_BODY_LIMIT} characters of any UTF-8 text. */
const RESPONSE_BYTES_KEPT = RESPONSE_BODY_LIMIT * 4

/** The kept response bytes as text, as undici's `body.text()` decodes them (UTF-8, a leading BOM skipped). */
const decodeBody = (chunks: ReadonlyArray<Buffer>, length: number): string => {
  if (length === 0) return ""
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)
  const start = bytes.length > 2 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0
  const text = bytes.toString("utf8", start, length)
  return text.length > RESPONSE_BODY_LIMIT ? text.slice(0, RESPONSE_BODY_LIMIT) : text
}

interface Target {
  readonly origin: string
  /** Path and query, as undici takes them. */
  readonly path: string
}

/**
 * Parsed delivery URLs, cached: deliveries go to a few endpoints over and
 * over, and `URL.parse` was about 1 µs of every delivery. `null`: not a URL.
 */
const targets = new Map<string, Target | null>()
const TARGETS_LIMIT = 512

const targetOf = (url: string): Target | undefined => {
  let target = targets.get(url)
  if (target === undefined) {
    const parsed = URL.parse(url)
    target = parsed === null ? null : { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` }
    if (targets.size >= TARGETS_LIMIT) targets.clear()
    targets.set(url, target)
  }
  return target ?? undefined
}

interface PostOptions {
  readonly dispatcher: UndiciDispatcher
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly timeoutMillis: number
  readonly timeoutLabel: string
}

/**
 * One POST in flight, as undici's handler (undici calls its methods on it).
 * A class rather than a handler object of closures: one allocation per
 * delivery instead of about a dozen (closures were a visible share of GC).
 */
class OpenPost implements Undici.Dispatcher.DispatchHandler {
  // Measured on the wall clock: what the endpoint really took, also under `TestClock`.
  private readonly start = performance.now()
  private settled = false
  private timedOut = false
  // Set once undici starts the request (it may wait in the pool's queue until then).
  private controller: Undici.Dispatcher.DispatchController | undefined = undefined
  private abortReason: Error | undefined = undefined
  private status = 0
  private headers: Record<string, string> = {}
  private kept: Array<Buffer> = []
  private keptBytes = 0
  private readonly cancelDeadline: () => void

  constructor(
    private readonly options: PostOptions,
    private readonly resume: (effect: Effect.Effect<HttpOutcome>) => void
  ) {
    this.cancelDeadline = answerDeadlines.add(options.timeoutMillis, () => {
      this.timedOut = true
      this.abort(new Error(`no response within ${options.timeoutLabel}`))
    })
  }

  private elapsed(): number {
    return Math.round(performance.now() - this.start)
  }

  settle(outcome: HttpOutcome): void {
    if (this.settled) return
    this.settled = true
    this.cancelDeadline()
    this.resume(Effect.succeed(outcome))
  }

  fail(error: unknown): void {
    this.settle(outcomeOfFailure(error, this.timedOut, this.elapsed(), this.options))
  }

  abort(reason: Error): void {
    if (this.settled || this.abortReason !== undefined) return
    this.abortReason = reason
    if (this.controller !== undefined) return this.controller.abort(reason)
    // Still queued: answer now, and `onRequestStart` aborts the request if it ever starts.
    this.fail(reason)
  }

  onRequestStart(controller: Undici.Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.abortReason !== undefined) controller.abort(this.abortReason)
  }

  onResponseStart(
    _: Undici.Dispatcher.DispatchController,
    statusCode: number,
    responseHeaders: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  ): void {
    this.status = statusCode
    this.headers = readHeaders(responseHeaders)
  }

  onResponseData(_: Undici.Dispatcher.DispatchController, chunk: Buffer): void {
    // The rest is read (so the connection can be reused) but not kept: the record keeps 4 KB.
    if (this.keptBytes >= RESPONSE_BYTES_KEPT) return
    this.kept.push(chunk)
    this.keptBytes += chunk.length
  }

  onResponseEnd(): void {
    const body = decodeBody(this.kept, Math.min(this.keptBytes, RESPONSE_BYTES_KEPT))
    this.kept = []
    this.settle({
      _tag: "Response",
      response: { status: this.status, headers: this.headers, body },
      durationMs: this.elapsed()
    })
  }

  onResponseError(_: Undici.Dispatcher.DispatchController, error: Error): void {
    this.fail(error)
  }
}

/**
 * POSTs one delivery. Never fails: every failure is an outcome.
 *
 * This is the scheduler's hot path, so it talks to undici's dispatcher (the
 * one `@effect/platform-node` uses) directly, through its handler API:
 * `dispatcher.request` would add an `AbortSignal` listener and a body stream
 * per delivery (profiled in bench/README.md), and through `HttpClient` the
 * deliveries per second halve. The timeout is on the wall clock: it bounds a
 * real network exchange, and a test moving `TestClock` past it must not fail
 * a request that is milliseconds old. Interrupting the effect aborts the
 * request.
 *
 * @internal
 */
export const post = (options: PostOptions): Effect.Effect<HttpOutcome> =>
  // One callback, no generator, no `AbortSignal`: every Effect step here is paid once per delivery.
  Effect.callback<HttpOutcome>((resume) => {
    const open = new OpenPost(options, resume)
    const target = targetOf(options.url)
    if (target === undefined) {
      open.fail(new Error(`invalid URL ${options.url}`))
      return
    }
    try {
      options.dispatcher.dispatch({
        origin: target.origin,
        path: target.path,
        method: "POST",
        headers: options.headers,
        body: options.body
      }, open)
    } catch (error) {
      open.fail(error)
    }
    return Effect.sync(() => open.abort(new Error("the delivery was interrupted")))
  })

/**
 * `Posthook-Async-Timeout` in seconds, when it is a positive number.
 *
 * @internal
 */
export const asyncTimeoutSeconds = (headers: Readonly<Record<string, string>>): Option.Option<number> =>
  Option.fromUndefinedOr(AsyncTimeout.parseSeconds(headers))
