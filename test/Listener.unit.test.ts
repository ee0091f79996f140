import { describe, expect, it } from "@effect/vitest"
import { Cause, DateTime, Duration, Result } from "effect"
import { Delivery } from "posthook-effect"
import * as FrameDelivery from "../src/internal/frameDelivery.js"
import * as WsConnection from "../src/internal/wsConnection.js"
import { hookFrame } from "./utils/WsTestServer.js"

describe("wsConnection (pure parts)", () => {
  it("connectUrl URL-encodes the ticket and appends to an existing query", () => {
    const ticket = { ticket: "a b/+=&?", url: "wss://ws.posthook.io/v1/ws", expiresAt: "2026-01-01T00:00:00Z" }
    expect(WsConnection.connectUrl(ticket, false)).toBe("wss://ws.posthook.io/v1/ws?ticket=a%20b%2F%2B%3D%26%3F")
    expect(WsConnection.connectUrl({ ...ticket, url: "wss://x/ws?region=eu" }, true)).toBe(
      "wss://x/ws?region=eu&ticket=a%20b%2F%2B%3D%26%3F&forward=true"
    )
  })

  it("answerFrame: one client frame per Result, timeout in whole seconds (at least 1)", () => {
    expect(WsConnection.answerFrame("h", Delivery.Result.ack())).toEqual({ _tag: "ack", hookId: "h" })
    expect(WsConnection.answerFrame("h", Delivery.Result.nack())).toEqual({ _tag: "nack", hookId: "h" })
    expect(WsConnection.answerFrame("h", Delivery.Result.nack("e"))).toEqual({ _tag: "nack", hookId: "h", error: "e" })
    expect(WsConnection.answerFrame("h", Delivery.Result.accept(Duration.millis(1)))).toEqual({
      _tag: "accept",
      hookId: "h",
      timeout: 1
    })
  })

  it("failureMessage: the error's message, else its tag, else its text", () => {
    expect(WsConnection.failureMessage(Cause.fail(new Error("boom")))).toBe("boom")
    expect(WsConnection.failureMessage(Cause.fail({ _tag: "Oops" }))).toBe("Oops")
    expect(WsConnection.failureMessage(Cause.fail("plain"))).toBe("plain")
    expect(WsConnection.failureMessage(Cause.die(42))).toBe("42")
    expect(WsConnection.failureMessage(Cause.interrupt())).toBe("Handler was interrupted")
  })

  it("toDelivery fills what the frame leaves out from the time of receipt", () => {
    const now = Date.parse("2026-03-01T12:00:00.500Z")
    const delivery = Result.getOrThrow(FrameDelivery.toDelivery(hookFrame("h1"), now))
    expect(delivery.timestamp).toBe(Math.floor(now / 1000))
    expect(DateTime.formatIso(delivery.postedAt)).toBe("2026-03-01T12:00:00.000Z")
    expect(delivery.updatedAt).toEqual(delivery.createdAt)
    expect(delivery.ackUrl).toBeUndefined()
    expect(Result.isFailure(FrameDelivery.toDelivery(hookFrame("h2", { createdAt: "soon" }), now))).toBe(true)
  })

  it("toDelivery: the body is built on first read, enumerable, and the same bytes every time", () => {
    const delivery = Result.getOrThrow(FrameDelivery.toDelivery(hookFrame("h3", { data: { n: 1 } }), 0))
    expect(Object.keys(delivery)).toContain("body")
    const first = delivery.body
    expect(delivery.body).toBe(first)
    expect(JSON.parse(new TextDecoder().decode(first))).toMatchObject({ id: "h3", data: { n: 1 } })
    expect({ ...delivery }.body).toBe(first)
  })

  // A time without an offset is UTC, as Schema.DateTimeUtc reads it, whatever the machine's zone.
  it("toDelivery: a date without an offset is UTC, not the machine's local time", () => {
    const zone = process.env.TZ
    process.env.TZ = "America/New_York"
    try {
      const delivery = Result.getOrThrow(FrameDelivery.toDelivery(hookFrame("h-tz", { postAt: "2026-07-01T09:00:00" }), 0))
      expect(DateTime.formatIso(delivery.postAt)).toBe("2026-07-01T09:00:00.000Z")
    } finally {
      if (zone === undefined) delete process.env.TZ
      else process.env.TZ = zone
    }
  })

  it("toDelivery: equal date texts in a row give equal dates; a different text is parsed anew", () => {
    const a = Result.getOrThrow(FrameDelivery.toDelivery(hookFrame("a", { postAt: "2026-01-01T00:00:00Z" }), 0))
    const b = Result.getOrThrow(FrameDelivery.toDelivery(hookFrame("b", { postAt: "2026-01-01T00:00:00Z" }), 0))
    const c = Result.getOrThrow(FrameDelivery.toDelivery(hookFrame("c", { postAt: "2026-01-02T00:00:00Z" }), 0))
    expect(DateTime.formatIso(a.postAt)).toBe("2026-01-01T00:00:00.000Z")
    expect(b.postAt).toEqual(a.postAt)
    expect(DateTime.formatIso(c.postAt)).toBe("2026-01-02T00:00:00.000Z")
    expect(Result.isFailure(FrameDelivery.toDelivery(hookFrame("d", { postAt: "2026-01-01T00:00:00Z", createdAt: "x" }), 0)))
      .toBe(true)
  })
})
