/**
 * What keeps the local server up against hostile or careless clients (issue
 * 13): body limits enforced while reading, HTTP timeouts, 405 for a wrong
 * method, and how much of a key is ever shown. Over raw sockets, to send what
 * no well-behaved client would. Waits are bounded and short: a regression
 * fails in seconds, not by hanging.
 */
import * as Net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Option, Redacted } from "effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { TestClock } from "effect/testing"
import * as Dashboard from "../../src/server/Dashboard.js"
import { MAX_API_BODY_BYTES, MAX_CALLBACK_BODY_BYTES } from "../../src/server/internal/rest.js"
import { MAX_LISTENER_FRAME_BYTES } from "../../src/server/internal/wsEndpoint.js"
import type * as LocalPosthook from "../../src/server/LocalPosthook.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import { eventFor } from "./utils/events.js"
import { makeReceiver } from "./utils/receiver.js"
import { raw, startServer } from "./utils/sdk.js"
import { connectListener } from "./utils/wsClient.js"

const TEN_MB = 10 * 1024 * 1024

interface Exchange {
  /** The status of the response, if one came (in full). */
  readonly status: number | undefined
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** Whether the server closed the connection before the wait was over. */
  readonly closed: boolean
}

const parseResponse = (bytes: Buffer): Exchange & { readonly complete: boolean } => {
  const text = bytes.toString("latin1")
  const end = text.indexOf("\r\n\r\n")
  if (end < 0) return { status: undefined, headers: {}, body: "", closed: false, complete: false }
  const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n")
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(":")
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const body = bytes.subarray(end + 4)
  const complete = body.length >= Number(headers["content-length"] ?? 0)
  return {
    status: complete ? Number(statusLine.split(" ")[1]) : undefined,
    headers,
    body: body.toString("utf8"),
    closed: false,
    complete
  }
}

/**
 * Connects to the server, lets `send` write (it may keep writing until the
 * socket closes), and ends at the first whole response (`until: "response"`)
 * or when the server closes the connection (`until: "close"`), or after
 * `waitMs` (real time) whichever comes first.
 */
const exchange = (
  local: LocalPosthook.LocalPosthook,
  options: {
    readonly send: (socket: Net.Socket) => void
    readonly until: "response" | "close"
    readonly waitMs: number
  }
): Effect.Effect<Exchange> =>
  Effect.callback<Exchange>((resume) => {
    const socket = Net.connect(local.port, "127.0.0.1")
    let received = Buffer.alloc(0)
    let done = false
    const finish = (closed: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      const { complete: _, ...response } = parseResponse(received)
      resume(Effect.succeed({ ...response, closed }))
    }
    const timer = setTimeout(() => finish(false), options.waitMs)
    socket.on("connect", () => options.send(socket))
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (options.until === "response" && parseResponse(received).complete) finish(false)
    })
    socket.on("close", () => finish(true))
    socket.on("error", () => undefined)
    return Effect.sync(() => {
      done = true
      clearTimeout(timer)
      socket.destroy()
    })
  })

const requestHead = (method: string, path: string, headers: Readonly<Record<string, string>> = {}): string =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${
    Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("")
  }\r\n`

/** Writes `total` bytes of `fill` as a chunked body, 64 KB a chunk. */
const writeChunked = (socket: Net.Socket, total: number, fill = "x") => {
  const chunk = fill.repeat(64 * 1024)
  for (let sent = 0; sent < total && !socket.destroyed; sent += chunk.length) {
    socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)
  }
  if (!socket.destroyed) socket.write("0\r\n\r\n")
}

/** Writes one byte every 100 ms until the socket closes. */
const trickle = (socket: Net.Socket, byte = "x") => {
  const interval = setInterval(() => socket.write(byte), 100)
  socket.once("close", () => clearInterval(interval))
}

const errorOf = (response: Exchange): unknown => {
  try {
    return JSON.parse(response.body)
  } catch {
    return `not JSON: ${response.body.slice(0, 80)}`
  }
}

/** Sends POST /v1/hooks with the server's API key and a 10 MB JSON body framed by `framing`; the answer. */
const postTenMegabytes = (local: LocalPosthook.LocalPosthook, framing: "content-length" | "chunked") =>
  exchange(local, {
    send: (socket) => {
      socket.write(requestHead("POST", "/v1/hooks", {
        "x-api-key": Redacted.value(local.apiKey),
        "content-type": "application/json",
        ...(framing === "chunked" ? { "transfer-encoding": "chunked" } : { "content-length": String(TEN_MB) })
      }))
      if (framing === "chunked") writeChunked(socket, TEN_MB, " ")
      else socket.write(Buffer.alloc(TEN_MB, " "))
    },
    until: "response",
    waitMs: 10_000
  })

/** The server still answers a plain API call. */
const expectAlive = (local: LocalPosthook.LocalPosthook) =>
  Effect.map(raw(local, "GET", "/v1/hooks"), (response) => expect(response.status).toBe(200))

describe("body limits", () => {
  it.live("a 10 MB POST /v1/hooks is answered 413 from its Content-Length, and the server lives on", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer()
      const response = yield* postTenMegabytes(local, "content-length")
      expect(response.status).toBe(413)
      expect(errorOf(response)).toEqual({ error: expect.stringContaining(`${MAX_API_BODY_BYTES / 1024} KB`) })
      yield* expectAlive(local)
    }))

  it.live("a chunked body (no Content-Length) is cut once the bytes read pass the limit", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer()
      const response = yield* postTenMegabytes(local, "chunked")
      expect(response.status).toBe(413)
      expect(errorOf(response)).toEqual({ error: expect.any(String) })
      yield* expectAlive(local)
    }))

  it.live("a body just under the limit is read and accepted", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer()
      const body = JSON.stringify({ path: "/x", postIn: "5m", padding: "p".repeat(MAX_API_BODY_BYTES - 100) })
      const response = yield* raw(local, "POST", "/v1/hooks", { body })
      expect(response.status).toBe(200)
    }))

  it.live("a callback with a forged token is answered 401 without waiting for its body", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer()
      const forged = `00000000-0000-4000-8000-000000000000.1.${"A".repeat(43)}`
      for (const kind of ["ack", "nack"]) {
        // The body is announced but never sent: an answer can only come from not reading it.
        const response = yield* exchange(local, {
          send: (socket) => socket.write(requestHead("POST", `/${kind}/${forged}`, { "content-length": String(TEN_MB) })),
          until: "response",
          waitMs: 5000
        })
        expect({ kind, status: response.status }).toEqual({ kind, status: 401 })
        expect(errorOf(response)).toEqual({ error: "invalid callback token" })
      }
      yield* expectAlive(local)
    }))

  it.effect("a nack callback over 16 KB is answered 413 and changes nothing; a small one is applied", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* startServer({ retryPolicy: { minRetries: 1, delaySecs: 5, strategy: "fixed" } })
      const receiver = yield* makeReceiver(local.signingKeys)
      yield* local.setTargetOrigin(receiver.origin)
      yield* receiver.reply(() => ({ status: 202, headers: { "Posthook-Async-Timeout": "60" } }))
      const hook = yield* hooks.schedule({ path: "/video", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      const received = yield* receiver.next
      yield* eventFor(local, "HookAccepted", hook.id, 1)
      const nackPath = new URL(received.delivery.nackUrl ?? "").pathname
      const tooBig = JSON.stringify({ error: "e".repeat(MAX_CALLBACK_BODY_BYTES) })

      const declared = yield* exchange(local, {
        send: (socket) => {
          socket.write(requestHead("POST", nackPath, { "content-length": String(Buffer.byteLength(tooBig)) }))
          socket.write(tooBig)
        },
        until: "response",
        waitMs: 5000
      })
      expect(declared.status).toBe(413)
      expect(errorOf(declared)).toEqual({ error: expect.stringContaining("16 KB") })
      const chunked = yield* exchange(local, {
        send: (socket) => {
          socket.write(requestHead("POST", nackPath, { "transfer-encoding": "chunked" }))
          writeChunked(socket, MAX_CALLBACK_BODY_BYTES * 4)
        },
        until: "response",
        waitMs: 5000
      })
      expect(chunked.status).toBe(413)
      expect((yield* hooks.get(hook.id)).status).toBe("pending")

      const small = yield* raw(local, "POST", nackPath, { body: JSON.stringify({ error: "transcoder crashed" }) })
      expect([small.status, small.json]).toEqual([200, { data: { status: "nacked" } }])
    }))

  it.live("a body read past the server's default limit by extra routes is 413 with a JSON error", () =>
    Effect.gen(function*() {
      // Extra routes that read every body they are sent, with no limit of their own.
      const echoLength = Effect.flatMap(
        HttpServerRequest.HttpServerRequest,
        (request) => Effect.map(request.text, (text) => HttpServerResponse.text(String(text.length)))
      )
      const { local } = yield* startServer({ routes: () => echoLength })
      const response = yield* exchange(local, {
        send: (socket) => {
          socket.write(requestHead("POST", "/extra", { "transfer-encoding": "chunked" }))
          writeChunked(socket, MAX_API_BODY_BYTES * 4)
        },
        until: "response",
        waitMs: 10_000
      })
      expect(response.status).toBe(413)
      expect(errorOf(response)).toEqual({ error: expect.stringContaining("limit") })
      const small = yield* raw(local, "POST", "/extra", { body: "12345" })
      expect(small.status).toBe(200)
    }))
})

describe("HTTP timeouts", () => {
  it("default to 10 s for headers, 30 s for a request and 5 s for an idle keep-alive connection", () => {
    const config = ServerConfig.resolve()
    expect([config.headersTimeout, config.requestTimeout, config.keepAliveTimeout].map(Duration.toSeconds))
      .toEqual([10, 30, 5])
  })

  it.live("a headers timeout longer than the request timeout is capped (Node would refuse it)", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer({ headersTimeout: "60 seconds", requestTimeout: "1 second" })
      yield* expectAlive(local)
      const unlimited = yield* startServer({ requestTimeout: Duration.infinity, keepAliveTimeout: "1.5 millis" })
      yield* expectAlive(unlimited.local)
    }))

  const short = { headersTimeout: "1 second", requestTimeout: "2 seconds", keepAliveTimeout: "300 millis" } as const

  it.live("a request whose headers are trickled is cut at the headers timeout", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer(short)
      const response = yield* exchange(local, {
        send: (socket) => {
          socket.write("GET /v1/hooks HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
          trickle(socket)
        },
        until: "close",
        waitMs: 6000
      })
      expect(response.closed).toBe(true)
      yield* expectAlive(local)
    }))

  it.live("a request whose body is trickled is cut at the request timeout", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer(short)
      const response = yield* exchange(local, {
        send: (socket) => {
          socket.write(requestHead("POST", "/v1/hooks", {
            "x-api-key": Redacted.value(local.apiKey),
            "content-length": "10000"
          }))
          trickle(socket, " ")
        },
        until: "close",
        waitMs: 8000
      })
      expect(response.closed).toBe(true)
    }))

  it.live("a connection that sends nothing is closed; an idle keep-alive connection too", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer(short)
      const silent = yield* exchange(local, { send: () => undefined, until: "close", waitMs: 6000 })
      expect(silent.closed).toBe(true)
      // Node's default keep-alive timeout is 5 s: closing within 3.5 s is the configured 300 ms.
      const idle = yield* exchange(local, {
        send: (socket) => socket.write(requestHead("GET", "/v1/hooks", { "x-api-key": Redacted.value(local.apiKey) })),
        until: "close",
        waitMs: 3500
      })
      expect([idle.status, idle.closed]).toEqual([200, true])
    }))

  it.live("a listener frame over 64 KB closes that connection with 1009; the server goes on", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer()
      const { socket } = yield* connectListener(local)
      yield* socket.send(JSON.stringify({ type: "nack", hookId: "x", error: "e".repeat(MAX_LISTENER_FRAME_BYTES) }))
      const closed = yield* Deferred.await(socket.closed).pipe(Effect.timeout("10 seconds"))
      expect(closed.code).toBe(1009)
      yield* expectAlive(local)
      const again = yield* connectListener(local)
      expect(Option.isNone(yield* Deferred.poll(again.socket.closed))).toBe(true)
    }))

  it.live("a WebSocket listener outlives the request and headers timeouts", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer({ ...short, requestTimeout: "1 second" })
      const { socket } = yield* connectListener(local)
      yield* Effect.sleep("2500 millis")
      expect(Option.isNone(yield* Deferred.poll(socket.closed))).toBe(true)
      expect((yield* local.listeners).length).toBe(1)
    }))
})

describe("methods", () => {
  const call = (local: LocalPosthook.LocalPosthook, method: string, path: string) =>
    exchange(local, {
      send: (socket) =>
        socket.write(requestHead(method, path, { "x-api-key": Redacted.value(local.apiKey), "content-length": "0" })),
      until: "response",
      waitMs: 5000
    })

  it.live("a known path with another method is 405 with Allow; OPTIONS answers 204 with Allow", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer()
      for (const method of ["PUT", "PATCH", "DELETE"]) {
        const response = yield* call(local, method, "/v1/hooks")
        expect({ method, status: response.status }).toEqual({ method, status: 405 })
        expect(response.headers.allow).toBe("POST, GET, HEAD, OPTIONS")
        expect(errorOf(response)).toEqual({ error: `${method} is not allowed on /v1/hooks: use POST, GET, HEAD, OPTIONS` })
      }
      const options = yield* call(local, "OPTIONS", "/v1/hooks")
      expect([options.status, options.headers.allow]).toEqual([204, "POST, GET, HEAD, OPTIONS"])
      const token = `00000000-0000-4000-8000-000000000000.1.${"A".repeat(43)}`
      const getAck = yield* call(local, "GET", `/ack/${token}`)
      expect([getAck.status, getAck.headers.allow]).toEqual([405, "POST, OPTIONS"])
      expect(getAck.body).not.toContain(token)
      const bulk = yield* call(local, "PUT", "/v1/hooks/bulk/retry")
      expect([bulk.status, bulk.headers.allow]).toEqual([405, "POST, OPTIONS"])
      const byId = yield* call(local, "PATCH", "/v1/hooks/00000000-0000-4000-8000-000000000000")
      expect([byId.status, byId.headers.allow]).toEqual([405, "GET, HEAD, DELETE, OPTIONS"])
      // What the API does not serve is still 404.
      const unknown = yield* call(local, "PUT", "/v1/nothing-here")
      expect([unknown.status, errorOf(unknown)]).toEqual([404, { error: "not found" }])
    }))

  it.live("the dashboard's paths answer another method with 405 and Allow too", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer({ routes: Dashboard.routes })
      const overview = yield* call(local, "POST", "/_dashboard/api/overview")
      expect([overview.status, overview.headers.allow]).toEqual([405, "GET, HEAD, OPTIONS"])
      const action = yield* call(local, "GET", "/_dashboard/api/hooks/00000000-0000-4000-8000-000000000000/retry")
      expect([action.status, action.headers.allow]).toEqual([405, "POST, OPTIONS"])
      const page = yield* call(local, "OPTIONS", "/")
      expect([page.status, page.headers.allow]).toEqual([204, "GET, HEAD, OPTIONS"])
    }))
})

describe("maskKey", () => {
  it("shows at most 8 characters and never more than half of a key", () => {
    const mask = (key: string) => ServerConfig.maskKey(Redacted.make(key))
    expect(mask("pk_local_0123456789")).toBe("pk_local…")
    expect(mask("devkey12")).toBe("devk…")
    expect(mask("abc")).toBe("a…")
    expect(mask("a")).toBe("…")
    for (let length = 1; length <= 40; length++) {
      const key = "k".repeat(length)
      const shown = mask(key).length - 1
      expect({ length, shown }).toEqual({ length, shown: Math.min(8, Math.floor(length / 2)) })
    }
  })
})
