/**
 * Text from outside printed on a terminal (issue 13, item 3): control
 * characters, escape sequences, CR/LF, C1 and bidi controls come out as
 * visible escapes; everything else, and JSON, stays as it was.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import { escape, escapeLines } from "../src/internal/terminal.js"
import * as LocalPosthook from "../src/server/LocalPosthook.js"
import { within } from "./server/utils/deadline.js"
import { eventFor } from "./server/utils/events.js"
import { hooksClient } from "./server/utils/sdk.js"
import { connectListener } from "./server/utils/wsClient.js"

const SAFE = /^[^\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]*$/

describe("Terminal.escape", () => {
  it("shows control characters as escapes", () => {
    expect(escape("/webhooks/\u001b[2Jx\r\nok\t\u0000")).toBe("/webhooks/\\u001b[2Jx\\r\\nok\\t\\u0000")
    expect(escape("\u009b31m\u007f\u202eevil\u2028")).toBe("\\u009b31m\\u007f\\u202eevil\\u2028")
  })

  it("leaves printable text alone, backslashes, quotes and non-Latin text included", () => {
    const text = `/webhooks/ünïcödé/日本/emoji-🎉 "quoted" C:\\path`
    expect(escape(text)).toBe(text)
  })

  it("every one of the first 65,536 code points comes out safe", () => {
    const unsafe: Array<number> = []
    for (let code = 0; code < 0x10000; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue
      if (!SAFE.test(escape(String.fromCharCode(code)))) unsafe.push(code)
    }
    expect(unsafe).toEqual([])
  })

  it("an escaped JSON text is JSON with the same value", () => {
    const value = { path: "/a\u001b[31m\u009b\u2028\u202e", nested: ["\r\n", { "k\u0007": "\u0085" }] }
    const printed = escape(JSON.stringify(value))
    expect(SAFE.test(printed)).toBe(true)
    expect(JSON.parse(printed)).toEqual(value)
    const pretty = escapeLines(JSON.stringify(value, null, 2))
    expect(pretty.split("\n").length).toBe(JSON.stringify(value, null, 2).split("\n").length)
    expect(JSON.parse(pretty)).toEqual(value)
  })

  it("escapeLines keeps the line breaks and escapes the rest of each line", () => {
    expect(escapeLines("a\r\nb\u001b[K\nc")).toBe("a\\r\nb\\u001b[K\nc")
  })
})

describe("the local server's log lines", () => {
  it.live("a listener's nack error with escape codes and CR/LF is logged escaped, on one line", () =>
    Effect.gen(function*() {
      const hostile = "\u001b]0;pwned\u0007\u001b[2J\r\nFAKE failed"
      const lines: Array<string> = []
      const capture = Logger.layer([
        Logger.make(({ message }) => lines.push(String(Array.isArray(message) ? message[0] : message)))
      ])
      yield* Effect.gen(function*() {
        const local = yield* LocalPosthook.make({ retryPolicy: { minRetries: 0, delaySecs: 1, strategy: "fixed" } })
        const { socket } = yield* connectListener(local)
        const hooks = yield* hooksClient(local)
        const hook = yield* hooks.schedule({ path: "/webhooks/x", postAt: new Date(Date.now() - 1000).toISOString() })
        const frame = yield* socket.nextOfType("hook").pipe(within(20_000, "the hook frame"))
        yield* socket.send(JSON.stringify({ type: "nack", hookId: frame.id, error: hostile }))
        yield* eventFor(local, "HookFailed", hook.id).pipe(within(20_000, "the HookFailed event"))
      }).pipe(Effect.provide(capture))
      const failed = lines.filter((line) => line.startsWith("failed "))
      expect(failed.length).toBe(1)
      // Booleans and counts only: a failure must not print the escape codes raw.
      expect(failed[0]!.includes("\\u001b]0;pwned\\u0007\\u001b[2J\\r\\nFAKE failed")).toBe(true)
      expect(lines.filter((line) => !SAFE.test(line)).length).toBe(0)
    }))
})
