/**
 * The listener's answer writer (src/internal/answerWriter.ts): answers of one
 * synchronous run leave together on a `ws` WebSocket's TCP socket, in order,
 * flushed every `CORKED_WRITES_MAX` answers and at the end of the run (a lone
 * answer included: nothing waits for a later frame).
 */
import { describe, expect, it } from "@effect/vitest"
import type * as Socket from "effect/socket/Socket"
import * as AnswerWriter from "../src/internal/answerWriter.js"

/** What reached the wire: the texts `uncork` released, one array per flush. */
const fakeWs = (options: { readonly tcp: boolean; readonly throwOnSend?: boolean }) => {
  const flushes: Array<Array<string>> = []
  let held: Array<string> = []
  let corks = 0
  const socket = {
    cork: () => void corks++,
    uncork: () => {
      if (corks > 0) corks--
      if (corks === 0 && held.length > 0) {
        flushes.push(held)
        held = []
      }
    }
  }
  const ws: Socket.WebSocketLike & { readyState: number; _socket?: typeof socket } = {
    readyState: AnswerWriter.OPEN,
    addEventListener: () => {},
    removeEventListener: () => {},
    close: () => {},
    send: (data) => {
      if (options.throwOnSend === true) throw new Error("socket gone")
      held.push(String(data))
      if (corks === 0) {
        flushes.push(held)
        held = []
      }
    }
  }
  if (options.tcp) ws._socket = socket
  return { ws, flushes, held: () => held.length }
}

const nextMicrotask = () => new Promise<void>((resolve) => queueMicrotask(resolve))

describe("Listener: answer writer", () => {
  it("a lone answer leaves at the end of the synchronous run, without waiting for another frame", async () => {
    const { flushes, held, ws } = fakeWs({ tcp: true })
    const write = AnswerWriter.make(ws, () => {})
    expect(write(`{"type":"pong"}`)).toBe(true)
    expect(held()).toBe(1)
    await nextMicrotask()
    expect(held()).toBe(0)
    expect(flushes).toEqual([[`{"type":"pong"}`]])
  })

  it("a long run leaves every CORKED_WRITES_MAX answers and at its end, in order", async () => {
    const { flushes, ws } = fakeWs({ tcp: true })
    const write = AnswerWriter.make(ws, () => {})
    const total = AnswerWriter.CORKED_WRITES_MAX * 2 + 5
    for (let i = 0; i < total; i++) write(`a${i}`)
    expect(flushes.map((flush) => flush.length)).toEqual([AnswerWriter.CORKED_WRITES_MAX, AnswerWriter.CORKED_WRITES_MAX])
    await nextMicrotask()
    expect(flushes.map((flush) => flush.length)).toEqual([AnswerWriter.CORKED_WRITES_MAX, AnswerWriter.CORKED_WRITES_MAX, 5])
    const sent = flushes.flat()
    expect(sent.every((text, i) => text === `a${i}`)).toBe(true)
    // A later run corks afresh.
    write("later")
    await nextMicrotask()
    expect(flushes.at(-1)).toEqual(["later"])
  })

  it("without a TCP socket (the standard API) every answer is sent at once", () => {
    const { flushes, ws } = fakeWs({ tcp: false })
    const write = AnswerWriter.make(ws, () => {})
    write("a")
    write("b")
    expect(flushes).toEqual([["a"], ["b"]])
  })

  it("nothing is written to a socket that is not open; a send that throws reports the write error", () => {
    const closed = fakeWs({ tcp: true })
    closed.ws.readyState = 3
    let errors = 0
    expect(AnswerWriter.make(closed.ws, () => errors++)("a")).toBe(false)
    expect(closed.flushes.length + closed.held()).toBe(0)
    expect(errors).toBe(0)
    const broken = fakeWs({ tcp: true, throwOnSend: true })
    expect(AnswerWriter.make(broken.ws, () => errors++)("a")).toBe(false)
    expect(errors).toBe(1)
  })
})
