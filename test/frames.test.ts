import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import * as WsProtocol from "../src/protocol/frames.js"

/** The required fields of a hook frame: what goes on the wire besides `type`, and what decodes besides `_tag`. */
const hookFields = {
  id: "h-1",
  path: "/webhooks/x",
  data: { n: 1 },
  postAt: "2026-01-01T00:00:00Z",
  createdAt: "2025-12-31T00:00:00Z",
  attempt: 1,
  maxAttempts: 3
}

const hookJson = { type: "hook", ...hookFields }

const decode = (frame: unknown) => WsProtocol.decodeServerFrame(JSON.stringify(frame))

describe("protocol frames", () => {
  it("a plain hook frame decodes (fast path) with optional fields kept and nulls dropped", () => {
    const decoded = decode({ ...hookJson, timestamp: 1767225600, ackUrl: "http://a", nackUrl: null, extra: true })
    expect(Option.getOrThrow(decoded)).toEqual({
      _tag: "hook",
      ...hookFields,
      timestamp: 1767225600,
      ackUrl: "http://a"
    })
  })

  it("the fast path and the Schema path agree on every hook frame shape", () => {
    const shapes: ReadonlyArray<Record<string, unknown> & { readonly timestamp?: number }> = [
      hookJson,
      { ...hookJson, postedAt: "2026-01-01T00:00:01Z", updatedAt: null },
      { ...hookJson, timestamp: 1767225600 },
      { ...hookJson, ackUrl: "http://a", nackUrl: "http://n" }
    ]
    for (const shape of shapes) {
      const viaSchema = WsProtocol.decodeServerFrame(JSON.stringify({ ...shape, timestamp: String(shape.timestamp ?? 5) }))
      const viaFast = decode({ ...shape, timestamp: shape.timestamp ?? 5 })
      // Two `None`s would agree too: every shape here is a valid frame.
      expect(Option.isSome(viaFast)).toBe(true)
      expect(viaSchema).toEqual(viaFast)
    }
  })

  // The official SDKs read these as strings; a number-only schema would drop real frames.
  it("timestamps arrive as numbers or as numeric strings", () => {
    const hook = Option.getOrThrow(decode({ ...hookJson, timestamp: "1767225600" }))
    expect(hook._tag === "hook" && hook.timestamp).toBe(1767225600)

    const forward = Option.getOrThrow(decode({
      ...hookJson,
      forwardRequest: { body: "{}", signature: "v1,ab", posthookId: "h-1", posthookTimestamp: "1767225600" }
    }))
    expect(forward._tag === "hook" && forward.forwardRequest?.posthookTimestamp).toBe(1767225600)

    expect(Option.getOrThrow(decode({ type: "ping", timestamp: "1767225600" }))).toEqual({
      _tag: "ping",
      timestamp: 1767225600
    })
    expect(Option.getOrThrow(decode({ type: "ping", timestamp: 1767225600 }))).toEqual({
      _tag: "ping",
      timestamp: 1767225600
    })
  })

  // The service may send `null` for an absent optional field, at the top level or in `forwardRequest`.
  it("null optional fields count as absent on the Schema path too, never inside `data`", () => {
    const hook = Option.getOrThrow(decode({
      ...hookJson,
      data: { kept: null },
      timestamp: "5",
      ackUrl: null,
      forwardRequest: { body: "{}", signature: "v1,ab", authorization: null, posthookId: "h-1" }
    }))
    expect(hook).toEqual({
      _tag: "hook",
      ...hookFields,
      data: { kept: null },
      timestamp: 5,
      forwardRequest: { body: "{}", signature: "v1,ab", posthookId: "h-1" }
    })
    expect(WsProtocol.decodeClientFrame(`{"type":"nack","hookId":"h","error":null}`)).toEqual(
      Option.some({ _tag: "nack", hookId: "h" })
    )
    expect(decode({ ...hookJson, id: null })).toEqual(Option.none())
  })

  // issue 13 item 8: the official SDKs type `ping.timestamp` as a string, and a ping
  // that does not decode goes unanswered (the server then drops the connection).
  it("informational fields count as absent when malformed; timestamps may be ISO-8601 dates", () => {
    expect(Option.getOrThrow(decode({ type: "ping", timestamp: "2026-03-01T12:00:00Z" }))).toEqual({
      _tag: "ping",
      timestamp: 1772366400
    })
    expect(Option.getOrThrow(decode({ type: "ping", timestamp: "soon" }))).toEqual({ _tag: "ping" })
    expect(Option.getOrThrow(decode({ type: "ping", timestamp: { at: 1 } }))).toEqual({ _tag: "ping" })
    expect(Option.getOrThrow(decode({ type: "closing", reason: 5, message: "restarting" }))).toEqual({
      _tag: "closing",
      message: "restarting"
    })
    expect(Option.getOrThrow(decode({ type: "error", code: 500, message: ["x"] }))).toEqual({ _tag: "error" })
    expect(Option.getOrThrow(decode({ type: "async_ack", hookId: "h", deadline: 7 }))).toEqual({
      _tag: "async_ack",
      hookId: "h"
    })
    expect(Option.getOrThrow(decode({
      type: "connected",
      connectionId: "c",
      projectId: "p",
      projectName: "n",
      serverTime: 12
    }))).toEqual({ _tag: "connected", connectionId: "c", projectId: "p", projectName: "n" })
    const hook = Option.getOrThrow(decode({ ...hookJson, timestamp: "2026-03-01T12:00:00.900Z" }))
    expect(hook._tag === "hook" && hook.timestamp).toBe(1772366400)
    // What the SDK acts on stays checked.
    expect(decode({ type: "ack_timeout", hookId: "h" })).toEqual(Option.none())
    expect(decode({ ...hookJson, timestamp: "soon" })).toEqual(Option.none())
  })

  // A hook scheduled without data arrives with `"data": null`; in forward mode it takes the Schema path.
  it("a null `data` is kept, on the fast path and on the Schema path", () => {
    const plain = Option.getOrThrow(decode({ ...hookJson, data: null }))
    expect(plain._tag === "hook" && plain.data).toBeNull()
    const forwarded = Option.getOrThrow(decode({ ...hookJson, data: null, forwardRequest: { body: "{}", signature: "v1,ab" } }))
    expect(forwarded._tag === "hook" && forwarded.data).toBeNull()
  })

  it("garbage is None, never an exception", () => {
    expect(WsProtocol.decodeServerFrame("{not json")).toEqual(Option.none())
    expect(decode({ ...hookJson, attempt: "1" })).toEqual(Option.none())
    expect(decode({ ...hookJson, id: undefined })).toEqual(Option.none())
    expect(decode([1, 2])).toEqual(Option.none())
    expect(decode(null)).toEqual(Option.none())
  })

  it("client frames go out with `type`, never `_tag`", () => {
    expect(JSON.parse(WsProtocol.encodeClientFrame({ _tag: "ack", hookId: "h-1" }))).toEqual({ type: "ack", hookId: "h-1" })
  })

  it("client frames: exact text, strings escaped, `error` left out when absent", () => {
    expect(WsProtocol.encodeClientFrame({ _tag: "ack", hookId: "h\"1" })).toBe(`{"type":"ack","hookId":"h\\"1"}`)
    expect(WsProtocol.encodeClientFrame({ _tag: "nack", hookId: "h" })).toBe(`{"type":"nack","hookId":"h"}`)
    expect(WsProtocol.encodeClientFrame({ _tag: "nack", hookId: "h", error: "At \n capacity" })).toBe(
      `{"type":"nack","hookId":"h","error":"At \\n capacity"}`
    )
    expect(WsProtocol.encodeClientFrame({ _tag: "accept", hookId: "h", timeout: 300 })).toBe(
      `{"type":"accept","hookId":"h","timeout":300}`
    )
    expect(WsProtocol.encodeClientFrame({ _tag: "pong" })).toBe(`{"type":"pong"}`)
    // Every frame decodes back to what was encoded.
    const frames = [
      { _tag: "ack", hookId: "é\u2028" },
      { _tag: "nack", hookId: "x", error: "\"quoted\"" },
      { _tag: "accept", hookId: "y", timeout: 1 },
      { _tag: "pong" }
    ] as const
    for (const frame of frames) {
      expect(WsProtocol.decodeClientFrame(WsProtocol.encodeClientFrame(frame))).toEqual(Option.some(frame))
    }
  })
})
