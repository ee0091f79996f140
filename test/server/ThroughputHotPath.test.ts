/**
 * What the HTTP delivery hot path keeps doing after its throughput work
 * (issue #14): parsed target URLs are cached per URL, yet every delivery goes
 * to its own path and query; events are stamped with the fiber's `Clock`
 * (read synchronously) and published in order; an invalid target is an
 * attempt failure, not a crash.
 */
import * as Http from "node:http"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Queue } from "effect"
import { TestClock } from "effect/testing"
import { computeSignature, legacySignature } from "../../src/protocol/signing.js"
import { makeReceiver } from "./utils/receiver.js"
import { attemptEnd, eventFor } from "./utils/events.js"
import { startServer } from "./utils/sdk.js"

const JUNE_1 = Date.parse("2026-06-01T00:00:00Z")

interface Recorded {
  readonly target: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

/** A `node:http` endpoint answering 200 and recording each request's target (path and query), headers and body. */
const recording = Effect.acquireRelease(
  Effect.flatMap(Queue.unbounded<Recorded>(), (requests) =>
    Effect.callback<{ readonly origin: string; readonly server: Http.Server; readonly requests: Queue.Queue<Recorded> }>(
      (resume) => {
        const server = Http.createServer((request, response) => {
          const chunks: Array<Buffer> = []
          request.on("data", (chunk: Buffer) => chunks.push(chunk))
          request.on("end", () => {
            response.writeHead(200).end()
            Queue.offerUnsafe(requests, {
              target: request.url ?? "",
              headers: request.headers,
              body: Buffer.concat(chunks).toString("utf8")
            })
          })
        })
        server.listen(0, "127.0.0.1", () => {
          const address = server.address()
          const port = typeof address === "object" && address !== null ? address.port : 0
          resume(Effect.succeed({ origin: `http://127.0.0.1:${port}`, server, requests }))
        })
      }
    )),
  ({ server }) => Effect.sync(() => server.close())
)

const setup = Effect.gen(function*() {
  yield* TestClock.setTime(JUNE_1)
  const server = yield* startServer({ signingKeys: ["ph_sk_local_hot"] })
  const receiver = yield* makeReceiver(server.local.signingKeys)
  yield* server.local.setTargetOrigin(receiver.origin)
  return { ...server, receiver }
})

describe("HTTP delivery hot path", () => {
  it.effect("deliveries to several paths (with queries) on one origin each reach their own request target, signed", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const endpoint = yield* recording
      const { hooks } = yield* startServer({ signingKeys: ["ph_sk_local_hot"], targetOrigin: endpoint.origin })
      const paths = ["/a", "/b?x=1", "/a", "/b?x=2", "/c/d?y=%20z"]
      for (const [n, path] of paths.entries()) yield* hooks.schedule({ path, postIn: `${n + 1}s`, data: { n } })
      const seen: Array<string> = []
      for (let n = 0; n < paths.length; n++) {
        yield* TestClock.adjust("1 second")
        const received = yield* Queue.take(endpoint.requests)
        seen.push(received.target)
        const timestamp = received.headers["posthook-timestamp"]
        expect(typeof timestamp).toBe("string")
        expect(received.headers["posthook-signature"]).toBe(
          `v1,${computeSignature("ph_sk_local_hot", String(timestamp), received.body)}`
        )
        expect(received.headers["x-ph-signature"]).toBe(legacySignature("ph_sk_local_hot", received.body))
        expect(JSON.parse(received.body)).toMatchObject({ path: paths[n], data: { n } })
      }
      expect(seen).toEqual(paths)
    }))

  it.effect("a delivery's events carry the TestClock time and come in order: AttemptStarted, then HookDelivered", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* setup
      const hook = yield* hooks.schedule({ path: "/stamped", postIn: "1h", data: {} })
      yield* TestClock.adjust("1 hour")
      const delivered = yield* eventFor(local, "HookDelivered", hook.id)
      const started = yield* eventFor(local, "AttemptStarted", hook.id)
      expect(started.at).toBe(JUNE_1 + 3_600_000)
      expect(delivered.at).toBe(JUNE_1 + 3_600_000)
      expect(started.seq).toBeLessThan(delivered.seq)
      const recent = yield* local.recentEvents()
      const tags = recent.filter((event) => "hookId" in event && event.hookId === hook.id).map((event) => event._tag)
      expect(tags).toEqual(["HookScheduled", "AttemptStarted", "HookDelivered"])
    }))

  it.effect("a target origin that makes no URL fails the attempt (recorded), and the next delivery still goes out", () =>
    Effect.gen(function*() {
      const { hooks, local, receiver } = yield* setup
      yield* local.setTargetOrigin("not a url")
      const broken = yield* hooks.schedule({ path: "/x", postIn: "1s", data: {} })
      yield* TestClock.adjust("1 second")
      const end = yield* attemptEnd(local, broken.id, 1)
      expect(end._tag === "HookRetrying" || end._tag === "HookFailed").toBe(true)
      yield* local.setTargetOrigin(receiver.origin)
      const fine = yield* hooks.schedule({ path: "/y", postIn: "1s", data: {} })
      yield* TestClock.adjust("1 second")
      expect((yield* receiver.next).path).toBe("/y")
      yield* eventFor(local, "HookDelivered", fine.id)
    }))
})
