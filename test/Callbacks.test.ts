import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { Callbacks, PosthookError, Signatures } from "posthook-effect"

interface Recorded {
  readonly method: string | undefined
  readonly path: string | undefined
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}

/**
 * A stand-in for Posthook's callback endpoints on 127.0.0.1: the path says
 * how to answer (`/<status>/<body kind>`); `/hang` never answers.
 */
const CallbackServer = Effect.acquireRelease(
  Effect.callback<{ readonly url: string; readonly requests: Array<Recorded>; readonly close: () => void }>((resume) => {
    const requests: Array<Recorded> = []
    const answer = (request: IncomingMessage, response: ServerResponse, body: string) => {
      requests.push({ method: request.method, path: request.url, headers: request.headers, body })
      const [, status, kind] = (request.url ?? "").split("?")[0]?.split("/") ?? []
      if (status === "hang") return
      const payload = kind === "completed" || kind === "nacked" || kind === "stale"
        ? JSON.stringify({ data: { status: kind === "stale" ? "completed" : kind } })
        : kind === "html"
        ? "<html>bad gateway</html>"
        : kind === "empty"
        ? ""
        : JSON.stringify({ error: `server says ${status}` })
      response.writeHead(Number(status), { "content-type": "application/json" })
      response.end(payload)
    }
    const server = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => answer(request, response, Buffer.concat(chunks).toString("utf8")))
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () => {
          server.closeAllConnections()
          server.close()
        }
      }))
    })
  }),
  (server) => Effect.sync(server.close)
)

const ClientLive = NodeHttpClient.layerUndici

describe("Callbacks", () => {
  it.live("ack: 200 completed → applied; no API key; no body unless given", () =>
    Effect.gen(function*() {
      const server = yield* CallbackServer
      const result = yield* Callbacks.ack(`${server.url}/200/completed?token=secret-token`)
      expect(result).toEqual({ applied: true, status: "completed" })
      const [request] = server.requests
      expect(request?.method).toBe("POST")
      expect(request?.headers["x-api-key"]).toBeUndefined()
      expect(request?.headers["content-type"]).toBeUndefined()
      expect(request?.body).toBe("")
      expect(request?.path).toBe("/200/completed?token=secret-token")
    }).pipe(Effect.provide(ClientLive)))

  it.live("nack: JSON body with Content-Type; 200 nacked → applied", () =>
    Effect.gen(function*() {
      const server = yield* CallbackServer
      const result = yield* Callbacks.nack(`${server.url}/200/nacked`, { error: "disk full" })
      expect(result).toEqual({ applied: true, status: "nacked" })
      const [request] = server.requests
      expect(request?.headers["content-type"]).toBe("application/json")
      expect(JSON.parse(request?.body ?? "")).toEqual({ error: "disk full" })
    }).pipe(Effect.provide(ClientLive)))

  it.live("200 with another status → not applied (already resolved)", () =>
    Effect.gen(function*() {
      const server = yield* CallbackServer
      expect(yield* Callbacks.nack(`${server.url}/200/stale`)).toEqual({ applied: false, status: "completed" })
      expect(yield* Callbacks.ack(`${server.url}/200/nacked`)).toEqual({ applied: false, status: "nacked" })
    }).pipe(Effect.provide(ClientLive)))

  it.live("404 → not_found and 409 → conflict are results, not errors", () =>
    Effect.gen(function*() {
      const server = yield* CallbackServer
      for (const call of [Callbacks.ack, Callbacks.nack]) {
        expect(yield* call(`${server.url}/404/error`)).toEqual({ applied: false, status: "not_found" })
        expect(yield* call(`${server.url}/409/error`)).toEqual({ applied: false, status: "conflict" })
      }
    }).pipe(Effect.provide(ClientLive)))

  it.live("401, 410, 500, 502 (HTML) and an unreadable 200 → CallbackError with the status", () =>
    Effect.gen(function*() {
      const server = yield* CallbackServer
      const cases = [
        [`/401/error`, 401, "ack callback rejected: invalid callback token (401): server says 401"],
        [`/410/error`, 410, "ack callback rejected: token or deadline expired (410): server says 410"],
        [`/500/error`, 500, "ack callback failed with HTTP 500: server says 500"],
        [`/502/html`, 502, "ack callback failed with HTTP 502: HTTP 502"],
        [`/200/empty`, 200, "ack callback answered 200 without a {\"data\": {\"status\": …}} body"]
      ] as const
      for (const [path, status, message] of cases) {
        const error = yield* Effect.flip(Callbacks.ack(`${server.url}${path}`))
        expect(error).toBeInstanceOf(PosthookError.CallbackError)
        expect(error.code).toBe("callback_error")
        expect(error.status).toBe(status)
        expect(error.message).toBe(message)
      }
    }).pipe(Effect.provide(ClientLive)))

  it.live("no answer within the timeout → CallbackError without a status or the token", () =>
    Effect.gen(function*() {
      const server = yield* CallbackServer
      const error = yield* Effect.flip(
        Callbacks.ack(`${server.url}/hang/x?token=secret-token`, undefined, { timeout: "300 millis" })
      )
      expect(error.status).toBeUndefined()
      expect(error.message).toBe(`ack callback to ${server.url} timed out after 300ms`)
    }).pipe(Effect.provide(ClientLive)))

  it.live("connection refused, invalid URL and an unserialisable body → CallbackError", () =>
    Effect.gen(function*() {
      const server = yield* CallbackServer
      const closedUrl = server.url
      server.close()
      const refused = yield* Effect.flip(Callbacks.nack(`${closedUrl}/200/nacked?token=secret-token`))
      expect(refused.status).toBeUndefined()
      expect(refused.message).toMatch(new RegExp(`^nack callback to ${closedUrl} got no response`))
      expect(refused.message).not.toContain("secret-token")

      const invalid = yield* Effect.flip(Callbacks.ack("not a url"))
      expect(invalid.message).toBe("ack callback URL is not a valid URL")

      const unserialisable = yield* Effect.flip(Callbacks.nack(`${closedUrl}/200/nacked`, { n: 1n }))
      expect(unserialisable.message).toMatch(/^nack callback body is not JSON-serialisable/)
    }).pipe(Effect.provide(ClientLive)))

  it.live("delivery.ack / delivery.nack post to the delivery's callback URLs", () =>
    Effect.gen(function*() {
      const server = yield* CallbackServer
      const signed = yield* Signatures.signDelivery(
        { path: "/webhooks/async", data: { job: 1 } },
        {
          signingKey: "ph_sk_cb",
          ackUrl: `${server.url}/200/completed?t=1`,
          nackUrl: `${server.url}/409/error?t=2`
        }
      )
      const signatures = yield* Signatures.make({ signingKey: "ph_sk_cb" })
      const delivery = yield* signatures.parseDelivery(signed.body, signed.headers)
      expect(yield* delivery.ack()).toEqual({ applied: true, status: "completed" })
      expect(yield* delivery.nack({ error: "late" })).toEqual({ applied: false, status: "conflict" })
      expect(server.requests.map((request) => request.path)).toEqual(["/200/completed?t=1", "/409/error?t=2"])
    }).pipe(Effect.provide(ClientLive)))
})
