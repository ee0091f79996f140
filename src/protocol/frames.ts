/**
 * The WebSocket frames of docs/protocol.md §4 as schemas: one definition used
 * by the SDK's listener and by the local server.
 *
 * Only what the SDK needs is checked: required fields by type, optional
 * ones by type when present. Unknown fields are ignored, a `null` field
 * counts as absent (see `toTagged`), and an optional field the SDK only
 * reports (never acts on) counts as absent when its value is malformed
 * (`informational`): such a field must never cost a frame, least of all a
 * `ping` (no `pong`, a dropped connection) or a `closing`.
 *
 * @internal
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"
import type { Mutable } from "effect/Types"

const optional = Schema.optionalKey

/**
 * An optional field the SDK can do without: a value that does not decode
 * counts as absent instead of making the whole frame undecodable.
 */
const informational = <S extends Schema.Top>(schema: S) =>
  optional(schema.pipe(Schema.catchDecoding(() => Effect.succeedNone)))

/**
 * Unix seconds. docs/protocol.md §4 does not say how the service spells them:
 * a JSON number, a numeric string (the official SDKs type them as strings)
 * or an ISO-8601 date all decode to whole seconds; the local server sends
 * numbers.
 *
 * @internal
 */
export const UnixSeconds = Schema.Union([
  Schema.Finite,
  Schema.Trim.pipe(Schema.decodeTo(Schema.FiniteFromString)),
  Schema.DateTimeUtcFromString.pipe(Schema.decodeTo(
    Schema.Finite,
    SchemaTransformation.transform({
      decode: (date) => Math.floor(DateTime.toEpochMillis(date) / 1000),
      encode: (seconds) => DateTime.makeUnsafe(seconds * 1000)
    })
  ))
])

/** @internal */
export const ForwardRequest = Schema.Struct({
  body: Schema.String,
  signature: Schema.String,
  authorization: optional(Schema.String),
  posthookId: optional(Schema.String),
  posthookTimestamp: optional(UnixSeconds),
  posthookSignature: optional(Schema.String)
})

/** @internal */
export const Connected = Schema.TaggedStruct("connected", {
  connectionId: Schema.String,
  projectId: Schema.String,
  projectName: Schema.String,
  serverTime: informational(Schema.String)
})

/** @internal */
export const HookFrame = Schema.TaggedStruct("hook", {
  id: Schema.String,
  path: Schema.String,
  data: Schema.Unknown,
  postAt: Schema.String,
  postedAt: optional(Schema.String),
  createdAt: Schema.String,
  updatedAt: optional(Schema.String),
  timestamp: optional(UnixSeconds),
  attempt: Schema.Number,
  maxAttempts: Schema.Number,
  ackUrl: optional(Schema.String),
  nackUrl: optional(Schema.String),
  forwardRequest: optional(ForwardRequest)
})

/** @internal */
export const Ping = Schema.TaggedStruct("ping", { timestamp: informational(UnixSeconds) })

/** @internal */
export const AckTimeout = Schema.TaggedStruct("ack_timeout", { hookId: Schema.String, attempt: Schema.Number })

/** @internal */
export const AsyncAck = Schema.TaggedStruct("async_ack", {
  hookId: Schema.String,
  ackUrl: informational(Schema.String),
  nackUrl: informational(Schema.String),
  deadline: informational(Schema.String)
})

/** @internal */
export const Closing = Schema.TaggedStruct("closing", {
  reason: informational(Schema.String),
  message: informational(Schema.String)
})

/** @internal */
export const ErrorFrame = Schema.TaggedStruct("error", {
  code: informational(Schema.String),
  message: informational(Schema.String)
})

/**
 * Every message the server sends. The tag field on the wire is `type`.
 *
 * @internal
 */
export const ServerMessage = Schema.Union([Connected, HookFrame, Ping, AckTimeout, AsyncAck, Closing, ErrorFrame])

/** @internal */
export type ServerMessage = typeof ServerMessage.Type

/** @internal */
export const Ack = Schema.TaggedStruct("ack", { hookId: Schema.String })
/** @internal */
export const Accept = Schema.TaggedStruct("accept", { hookId: Schema.String, timeout: Schema.Number })
/** @internal */
export const Nack = Schema.TaggedStruct("nack", { hookId: Schema.String, error: optional(Schema.String) })
/** @internal */
export const Pong = Schema.TaggedStruct("pong", {})

/**
 * Every message the client sends.
 *
 * @internal
 */
export const ClientMessage = Schema.Union([Ack, Accept, Nack, Pong])

/** @internal */
export type ClientMessage = typeof ClientMessage.Type

/** The one nested object of a frame whose fields get the same `null` treatment. */
const nestedObjects: ReadonlySet<string> = new Set(["forwardRequest"])

const withoutNulls = (input: { readonly [key: string]: unknown }): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) if (value !== null) out[key] = value
  return out
}

/**
 * Frames carry their tag in `type`; the schemas above use `_tag`, so both
 * sides share one definition. The service may send `null` for an absent
 * optional field: such fields are dropped here (at the top level and in
 * `forwardRequest`, never inside `data`), so the schemas only deal with
 * absent keys.
 */
const toTagged = (input: unknown): unknown => {
  if (!Predicate.isObject(input) || !("type" in input)) return input
  const out: Record<string, unknown> = { _tag: input.type }
  for (const [key, value] of Object.entries(input)) {
    // `data` is the hook's payload, where `null` is a value (a hook scheduled without data).
    if (key === "type" || (value === null && key !== "data")) continue
    out[key] = nestedObjects.has(key) && Predicate.isObject(value) ? withoutNulls(value) : value
  }
  return out
}

const decodeServerMessageUnknown = Schema.decodeUnknownOption(ServerMessage)
const decodeClientMessageUnknown = Schema.decodeUnknownOption(ClientMessage)

/**
 * `JSON.parse` without the exception: `undefined` for text that is not JSON
 * (JSON has no `undefined`, so it cannot be a parsed value). Not an `Option`:
 * every frame goes through here.
 */
const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * Decodes a text frame from the server; `None` for non-JSON, unknown types
 * or malformed known types (all of which a client ignores).
 *
 * @internal
 */
export const decodeServerFrame = (text: string): Option.Option<ServerMessage> =>
  Option.fromUndefinedOr(decodeServerFrameOrUndefined(text))

/**
 * `decodeServerFrame` without the `Option` (the listener's hot path):
 * `undefined` where that gives `None`.
 *
 * @internal
 */
export const decodeServerFrameOrUndefined = (text: string): ServerMessage | undefined => {
  const json = parseJson(text)
  if (json === undefined) return undefined
  const fast = fastHookFrame(json)
  return fast !== undefined ? fast : Option.getOrUndefined(decodeServerMessageUnknown(toTagged(json)))
}

const isOptionalString = (value: unknown): value is string | null | undefined =>
  value === undefined || value === null || typeof value === "string"

type HookFrame = typeof HookFrame.Type

/**
 * The common `hook` frame checked field by field without the Schema interpreter
 * (listen's hot path). Anything unusual (a forward request, a string timestamp, a
 * missing field) returns `undefined` and goes down the Schema path, which decides.
 */
const fastHookFrame = (json: unknown): HookFrame | undefined => {
  if (!Predicate.isObject(json) || json.type !== "hook" || json.forwardRequest !== undefined || !("data" in json)) {
    return undefined
  }
  const { ackUrl, attempt, createdAt, id, maxAttempts, nackUrl, path, postAt, postedAt, timestamp, updatedAt } = json
  if (
    typeof id !== "string" || typeof path !== "string" || typeof postAt !== "string" ||
    typeof createdAt !== "string" || typeof attempt !== "number" || typeof maxAttempts !== "number" ||
    !isOptionalString(postedAt) || !isOptionalString(updatedAt) || !isOptionalString(ackUrl) ||
    !isOptionalString(nackUrl) || !(timestamp === undefined || timestamp === null || typeof timestamp === "number")
  ) return undefined
  // Optional fields are assigned one by one: conditional spreads after other
  // properties leave V8's fast object paths (a measurable cost per frame).
  const frame: Mutable<HookFrame> = { _tag: "hook", id, path, data: json.data, postAt, createdAt, attempt, maxAttempts }
  if (typeof postedAt === "string") frame.postedAt = postedAt
  if (typeof updatedAt === "string") frame.updatedAt = updatedAt
  if (typeof timestamp === "number") frame.timestamp = timestamp
  if (typeof ackUrl === "string") frame.ackUrl = ackUrl
  if (typeof nackUrl === "string") frame.nackUrl = nackUrl
  return frame
}

/**
 * Decodes a text frame from a client (used by the local server).
 *
 * @internal
 */
export const decodeClientFrame = (text: string): Option.Option<ClientMessage> => {
  const json = parseJson(text)
  return json === undefined ? Option.none() : decodeClientMessageUnknown(toTagged(json))
}

const toWire = (message: { readonly _tag: string }): string => {
  const wire: Record<string, unknown> = { type: message._tag }
  for (const [key, value] of Object.entries(message)) if (key !== "_tag") wire[key] = value
  return JSON.stringify(wire)
}

/**
 * Encodes a client frame as JSON text with `type`. Written out per frame
 * rather than through `toWire`: one of these goes out for every delivery.
 * Same text as `toWire` would give (same key order, `error` left out when
 * absent).
 *
 * @internal
 */
export const encodeClientFrame = (message: ClientMessage): string => {
  switch (message._tag) {
    case "ack":
      return `{"type":"ack","hookId":${JSON.stringify(message.hookId)}}`
    case "nack":
      return message.error === undefined
        ? `{"type":"nack","hookId":${JSON.stringify(message.hookId)}}`
        : `{"type":"nack","hookId":${JSON.stringify(message.hookId)},"error":${JSON.stringify(message.error)}}`
    case "accept":
      return `{"type":"accept","hookId":${JSON.stringify(message.hookId)},"timeout":${JSON.stringify(message.timeout)}}`
    case "pong":
      return `{"type":"pong"}`
  }
}

/**
 * Encodes a server frame as JSON text with `type`.
 *
 * @internal
 */
export const encodeServerFrame = (message: ServerMessage): string => toWire(message)
