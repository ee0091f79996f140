/**
 * The delivery hot path on the wire: the response an HTTP attempt records
 * (read through undici's handler API, as `body.text()` would decode it), the
 * `LocalPosthook.deliver` span (made only where a tracer can see it), and
 * WebSocket frames written in batches (everything queued at one turn).
 */
import * as Http from "node:http"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Tracer } from "effect"
import { TestClock } from "effect/testing"
import type * as LocalPosthook from "../../src/server/LocalPosthook.js"
import { eventFor } from "./utils/events.js"
import { raw, startServer } from "./utils/sdk.js"
import { connectRaw } from "./utils/wsClient.js"

const JUNE_1 = Date.parse("2026-06-01T00:00:00Z")

/** A `node:http` endpoint answering every POST 200 with `chunks`, written one `write` each. */
const answering = (chunks: ReadonlyArray<string | Buffer>) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly origin: string; readonly server: Http.Server }>((resume) => {
      const server = Http.createServer((request, response) => {
        request.resume()
        request.on("end", () => {
          response.writeHead(200, { "content-type": "text/plain; charset=utf-8" })
          for (const chunk of chunks) response.write(chunk)
          response.end()
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({ origin: `http://127.0.0.1:${port}`, server }))
      })
    }),
    ({ server }) => Effect.sync(() => server.close())
  )

/** Schedules one hook due now, delivers it and gives its attempt record. */
const deliverOne = (local: LocalPosthook.LocalPosthook, hooks: Effect.Success<ReturnType<typeof startServer>>["hooks"]) =>
  Effect.gen(function*() {
    const hook = yield* hooks.schedule({ path: "/wire", postIn: "1s", data: { n: 1 } })
    yield* TestClock.adjust("1 second")
    yield* eventFor(local, "HookDelivered", hook.id)
    const [attempt] = yield* local.attempts(hook.id)
    return attempt
  })

describe("HTTP delivery on the wire", () => {
  it.effect("records the response text as body.text() decodes it: UTF-8, a leading BOM skipped, cut at 4,096 characters", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      // 3 + 6,000 + 20,000 bytes in three writes: more than the bytes kept, multi-byte characters first.
      const endpoint = yield* answering([Buffer.from([0xef, 0xbb, 0xbf]), "é".repeat(3000), "x".repeat(20_000)])
      const { hooks, local } = yield* startServer({ targetOrigin: endpoint.origin })
      const attempt = yield* deliverOne(local, hooks)
      expect(attempt?.outcome).toBe("completed")
      expect(attempt?.response?.status).toBe(200)
      expect(attempt?.response?.headers["content-type"]).toBe("text/plain; charset=utf-8")
      expect(attempt?.response?.body).toBe(`${"é".repeat(3000)}${"x".repeat(1096)}`)
    }))

  it.effect("records a short body whole, and an empty one as empty text", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const short = yield* answering(["ok ", "ünïcode"])
      const empty = yield* answering([])
      const { hooks, local } = yield* startServer({ targetOrigin: short.origin })
      expect((yield* deliverOne(local, hooks))?.response?.body).toBe("ok ünïcode")
      yield* local.setTargetOrigin(empty.origin)
      expect((yield* deliverOne(local, hooks))?.response?.body).toBe("")
    }))

  it.effect("with a tracer installed, each delivery runs in a LocalPosthook.deliver span", () => {
    const names: Array<string> = []
    const recording = Tracer.make({
      span: (options) => {
        names.push(options.name)
        return Tracer.nativeTracer.span(options)
      }
    })
    return Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const endpoint = yield* answering(["ok"])
      const { hooks, local } = yield* startServer({ targetOrigin: endpoint.origin })
      const attempt = yield* deliverOne(local, hooks)
      expect(attempt?.outcome).toBe("completed")
      expect(names).toContain("LocalPosthook.deliver")
    }).pipe(Effect.withTracer(recording))
  })
})

describe("WebSocket frames in batches", () => {
  it.effect("200 hooks due at one instant: each hook frame arrives once, after connected, and every ack completes its hook", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const { hooks, local } = yield* startServer({})
      const ticket = yield* raw(local, "POST", "/v1/ws/ticket")
      const data = (ticket.json as { readonly data: { readonly ticket: string; readonly url: string } }).data
      const socket = yield* connectRaw(`${data.url}?ticket=${encodeURIComponent(data.ticket)}`)
      yield* socket.nextOfType("connected")
      const ids = yield* Effect.forEach(
        Array.from({ length: 200 }, (_, n) => n),
        (n) => Effect.map(hooks.schedule({ path: `/batch/${n}`, postIn: "1s", data: { n } }), (hook) => hook.id),
        { concurrency: 8 }
      )
      yield* TestClock.adjust("1 second")
      const seen: Array<string> = []
      while (seen.length < ids.length) {
        const frame = yield* socket.nextOfType("hook")
        const id = String(frame.id)
        seen.push(id)
        yield* socket.send(JSON.stringify({ type: "ack", hookId: id }))
      }
      expect([...seen].sort()).toEqual([...ids].sort())
      yield* Effect.forEach(ids, (id) => eventFor(local, "HookDelivered", id), { discard: true })
      const statuses = yield* Effect.forEach(ids, (id) =>
        Effect.map(local.hook(id), (found) => Option.map(found, (hook) => hook.status)))
      expect(statuses.every((status) => Option.getOrNull(status) === "completed")).toBe(true)
    }))
})
