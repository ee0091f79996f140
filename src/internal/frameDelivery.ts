/**
 * The `Delivery` a WebSocket `hook` frame stands for (docs/protocol.md §4),
 * in the same shape as an HTTP delivery: built once per frame on the
 * listener's hot path, so dates are cached and the body is built lazily.
 *
 * @internal
 */
import type * as DateTime from "effect/DateTime"
import * as EffectResult from "effect/Result"
import type { Delivery, ForwardRequest, WebSocketMeta } from "../Delivery.js"
import type * as WsProtocol from "../protocol/frames.js"
import { callbacksOf } from "./delivery.js"
import { LastUtc } from "./utc.js"

/** @internal */
export type HookFrame = typeof WsProtocol.HookFrame.Type

const utf8 = new TextEncoder()

/**
 * One date field of hook frames, remembering the last text it decoded
 * (frames in a row often repeat a time: see `LastUtc`). Read as
 * `Schema.DateTimeUtc` reads it (not `Date.parse`: a text without an offset
 * is UTC, not the machine's local time).
 */
class UtcField {
  private readonly last = new LastUtc()
  constructor(private readonly field: string) {}
  /** The date, or what is wrong with the text. */
  parse(text: string): DateTime.Utc | string {
    return this.last.decode(text) ?? `${this.field} is not a date: ${JSON.stringify(text)}`
  }
}

const postAtField = new UtcField("postAt")
const postedAtField = new UtcField("postedAt")
const createdAtField = new UtcField("createdAt")
const updatedAtField = new UtcField("updatedAt")

/**
 * The raw body a WebSocket delivery stands for: the exact HTTP body in
 * forward mode, otherwise the JSON body an HTTP delivery would carry
 * (docs/protocol.md §2), built from the frame's own strings.
 */
const bodyOf = (frame: HookFrame, postedAt: string): Uint8Array =>
  utf8.encode(
    frame.forwardRequest?.body ??
      JSON.stringify({
        id: frame.id,
        path: frame.path,
        postAt: frame.postAt,
        postedAt,
        data: frame.data,
        createdAt: frame.createdAt,
        updatedAt: frame.updatedAt ?? frame.createdAt
      })
  )

const forwardRequestOf = (frame: HookFrame): ForwardRequest | undefined => {
  const forward = frame.forwardRequest
  if (forward === undefined) return undefined
  return {
    body: forward.body,
    signature: forward.signature,
    ...(forward.authorization === undefined ? {} : { authorization: forward.authorization }),
    ...(forward.posthookId === undefined ? {} : { posthookId: forward.posthookId }),
    ...(forward.posthookTimestamp === undefined ? {} : { posthookTimestamp: forward.posthookTimestamp }),
    ...(forward.posthookSignature === undefined ? {} : { posthookSignature: forward.posthookSignature })
  }
}

/**
 * Builds the `Delivery` a `hook` frame stands for, in the same shape as an
 * HTTP delivery. A failure names what was wrong with the frame.
 *
 * @internal
 */
export const toDelivery = (frame: HookFrame, nowMillis: number): EffectResult.Result<Delivery, string> => {
  const built = buildDelivery(frame, nowMillis)
  return typeof built === "string" ? EffectResult.fail(built) : EffectResult.succeed(built)
}

/**
 * `toDelivery` without the `Result` around it (the listener's hot path): the
 * delivery, or what is wrong with the frame.
 *
 * @internal
 */
export const buildDelivery = (frame: HookFrame, nowMillis: number): Delivery | string => {
  const timestamp = frame.timestamp ?? Math.floor(nowMillis / 1000)
  const postedAtText = frame.postedAt ?? new Date(timestamp * 1000).toISOString()
  const postAt = postAtField.parse(frame.postAt)
  if (typeof postAt === "string") return postAt
  const postedAt = postedAtField.parse(postedAtText)
  if (typeof postedAt === "string") return postedAt
  const createdAt = createdAtField.parse(frame.createdAt)
  if (typeof createdAt === "string") return createdAt
  const updatedAt = frame.updatedAt === undefined || frame.updatedAt === frame.createdAt
    ? createdAt
    : updatedAtField.parse(frame.updatedAt)
  if (typeof updatedAt === "string") return updatedAt
  const forwardRequest = forwardRequestOf(frame)
  // Built field by field: spreads after other properties leave V8's fast path (µs per delivery).
  const ws: { attempt: number; maxAttempts: number; forwardRequest?: ForwardRequest } = {
    attempt: frame.attempt,
    maxAttempts: frame.maxAttempts
  }
  if (forwardRequest !== undefined) ws.forwardRequest = forwardRequest
  return new FrameDelivery(frame, postedAtText, { timestamp, postAt, postedAt, createdAt, updatedAt, ws })
}

/** `body` of every `FrameDelivery`: one shared accessor, so defining it costs no closure and no new map. */
const lazyBody: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: FrameDelivery): Uint8Array {
    return this.bodyBytes()
  }
}

/**
 * A delivery built from a `hook` frame, in the shape `makeDelivery` gives
 * (the same own, enumerable properties). `body` is built on first read, then
 * kept: over WebSocket it is synthesized (re-serializing `data`), which costs
 * about as much as the rest of the delivery, and few handlers read it. It is
 * an own enumerable accessor, so it spreads as the same bytes. A class rather
 * than an object literal with `get body()`: such a literal takes V8's slow
 * path (about 0.6 µs per delivery, more than the rest of it).
 */
class FrameDelivery implements Delivery {
  readonly hookId: string
  readonly timestamp: number
  readonly path: string
  readonly data: unknown
  readonly postAt: DateTime.Utc
  readonly postedAt: DateTime.Utc
  readonly createdAt: DateTime.Utc
  readonly updatedAt: DateTime.Utc
  declare readonly body: Uint8Array
  readonly ws: WebSocketMeta
  readonly ack: Delivery["ack"]
  readonly nack: Delivery["nack"]
  declare readonly ackUrl?: string
  declare readonly nackUrl?: string
  readonly #frame: HookFrame
  readonly #postedAtText: string
  #body: Uint8Array | undefined = undefined
  constructor(
    frame: HookFrame,
    postedAtText: string,
    fields: Pick<Delivery, "timestamp" | "postAt" | "postedAt" | "createdAt" | "updatedAt"> & {
      readonly ws: WebSocketMeta
    }
  ) {
    this.hookId = frame.id
    this.timestamp = fields.timestamp
    this.path = frame.path
    this.data = frame.data
    this.postAt = fields.postAt
    this.postedAt = fields.postedAt
    this.createdAt = fields.createdAt
    this.updatedAt = fields.updatedAt
    Object.defineProperty(this, "body", lazyBody)
    this.ws = fields.ws
    const { ack, nack } = callbacksOf(frame.id, frame.ackUrl, frame.nackUrl)
    this.ack = ack
    this.nack = nack
    if (frame.ackUrl !== undefined) Object.assign(this, { ackUrl: frame.ackUrl })
    if (frame.nackUrl !== undefined) Object.assign(this, { nackUrl: frame.nackUrl })
    this.#frame = frame
    this.#postedAtText = postedAtText
  }
  bodyBytes(): Uint8Array {
    return (this.#body ??= bodyOf(this.#frame, this.#postedAtText))
  }
}
