/**
 * `posthook listen --forward` when the local app is down or slow. As
 * documented (src/cli/internal/forward.ts, README "posthook listen"): no
 * answer (refused, reset, or none within the forward timeout, 9 s) is a nack
 * naming the reason, so the server retries the hook; the listener goes on.
 *
 * The timeouts run on `TestClock` through the forwarding entry
 * (`Forward.forward`); the app being down, then up again, goes through the
 * built CLI against the local server.
 */
import * as Http from "node:http"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { Result } from "../../src/Delivery.js"
import * as Signatures from "../../src/Signatures.js"
import * as Forward from "../../src/cli/internal/forward.js"
import type * as LocalPosthook from "../../src/server/LocalPosthook.js"
import type { ServerEvent } from "../../src/server/ServerEvent.js"
import { within } from "../server/utils/deadline.js"
import { eventFor } from "../server/utils/events.js"
import { closedPort, envFor, hooksFor, jsonLine, startCli, startLocal } from "./utils.js"

const SIGNING_KEY = Redacted.make("ph_sk_forward")

/** A delivery as the listener hands it to the forwarder. */
const delivery = (path: string) =>
  Effect.gen(function*() {
    const signed = yield* Signatures.signDelivery({ path, data: { n: 1 } }, { signingKey: SIGNING_KEY })
    return yield* Signatures.unsafeMake({ signingKey: SIGNING_KEY }).parseDelivery(signed.body, signed.headers)
  })

interface SlowApp {
  readonly origin: string
  /** Requests received so far. */
  readonly received: () => number
  /** Requests whose connection the client closed before an answer. */
  readonly abandoned: () => number
  /** Waits (real time) until `count` requests arrived. */
  readonly awaitReceived: (count: number) => Effect.Effect<void>
}

/** A local app that answers after `delayMillis` of real time (`"never"`: never), or destroys the socket (`"reset"`). */
const slowApp = (behaviour: number | "never" | "reset") =>
  Effect.acquireRelease(
    Effect.callback<{ readonly server: Http.Server; readonly app: SlowApp }>((resume) => {
      let received = 0
      let abandoned = 0
      const waiters = new Set<() => void>()
      const server = Http.createServer((request, response) => {
        received++
        for (const waiter of waiters) waiter()
        request.resume()
        if (behaviour === "reset") return request.socket.destroy()
        response.on("close", () => {
          if (!response.writableEnded) abandoned++
        })
        if (behaviour !== "never") setTimeout(() => response.writeHead(200).end(), behaviour)
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({
          server,
          app: {
            origin: `http://127.0.0.1:${port}`,
            received: () => received,
            abandoned: () => abandoned,
            awaitReceived: (count) =>
              Effect.callback<void>((resumeWait) => {
                const check = () => {
                  if (received >= count) {
                    waiters.delete(check)
                    resumeWait(Effect.void)
                  }
                }
                waiters.add(check)
                check()
                return Effect.sync(() => waiters.delete(check))
              })
          }
        }))
      })
    }),
    ({ server }) =>
      Effect.callback<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ app }) => app))

const nackError = (result: Result): string =>
  Result.$match(result, { Ack: () => "ack", Accept: () => "accept", Nack: ({ error }) => error ?? "nack" })

describe("forwarding to an app that is down or slow (Forward.forward, TestClock)", () => {
  it.effect("refused: a nack naming the URL, at once", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const forwarded = yield* Forward.forward(new URL(`http://127.0.0.1:${port}`), yield* delivery("/webhooks/down"))
      expect(forwarded.status).toBeUndefined()
      expect(nackError(forwarded.result)).toMatch(
        new RegExp(`^no answer from http://127\\.0\\.0\\.1:${port}/webhooks/down: `)
      )
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.effect("connection reset: a nack", () =>
    Effect.gen(function*() {
      const app = yield* slowApp("reset")
      const forwarded = yield* Forward.forward(new URL(app.origin), yield* delivery("/webhooks/reset"))
      expect(forwarded.status).toBeUndefined()
      expect(nackError(forwarded.result)).toMatch(/^no answer from http:\/\/127\.0\.0\.1:\d+\/webhooks\/reset: /)
      expect(app.received()).toBe(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.effect("no answer within the forward timeout (9 s): a nack, and the request is abandoned", () =>
    Effect.gen(function*() {
      const app = yield* slowApp("never")
      const running = yield* Effect.forkChild(Forward.forward(new URL(app.origin), yield* delivery("/webhooks/slow")))
      yield* app.awaitReceived(1)
      yield* TestClock.adjust("8999 millis")
      expect(running.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("1 millis")
      const forwarded = yield* Fiber.join(running).pipe(within(10_000, "the forward's end"))
      expect(forwarded.status).toBeUndefined()
      expect(nackError(forwarded.result)).toBe(
        `no answer from ${app.origin}/webhooks/slow: no answer within 9s`
      )
      // The app sees the request given up (its connection closed), not left open.
      // Polled for up to 10 s of real time: the close crosses a socket, and the machine may be busy.
      for (let polls = 0; polls < 2000 && app.abandoned() === 0; polls++) {
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
      }
      expect(app.abandoned()).toBe(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.effect("slow but within the timeout: the app's answer counts", () =>
    Effect.gen(function*() {
      const app = yield* slowApp(300)
      const forwarded = yield* Forward.forward(new URL(app.origin), yield* delivery("/webhooks/slowish"))
      expect([forwarded.status, nackError(forwarded.result)]).toEqual([200, "ack"])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})

/** The server's event with this tag for this hook and attempt, already emitted or still to come (45 s at most). */
const eventOf = <Tag extends ServerEvent["_tag"]>(
  local: LocalPosthook.LocalPosthook,
  tag: Tag,
  hookId: string,
  attempt: number
) => eventFor(local, tag, hookId, attempt).pipe(within(45_000, `${tag} for attempt ${attempt}`))

describe("posthook listen --forward (the built CLI)", () => {
  it.live("the app is down: nack, the server retries, and once the app is up the retry is acked", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const target = `http://127.0.0.1:${port}`
      const local = yield* startLocal({ retryPolicy: { minRetries: 2, delaySecs: 2, strategy: "fixed" } })
      const listener = yield* startCli(["listen", "--forward", target, "--json"], envFor(local))
      yield* listener.waitForLine((line) => jsonLine(line)?.event === "connected", "connected")

      const hook = yield* (yield* hooksFor(local)).schedule({ path: "/webhooks/down", postIn: "1s", data: { n: 1 } })
      const isDelivery = (attempt: number) => (line: string) => {
        const parsed = jsonLine(line)
        return parsed?.event === "delivery" && parsed.hookId === hook.id && parsed.attempt === attempt
      }
      const first = jsonLine(yield* listener.waitForLine(isDelivery(1), "the first delivery line"))
      expect(first).toMatchObject({ status: null, result: "nack", url: `${target}/webhooks/down` })
      expect(String(first?.error)).toMatch(new RegExp(`^no answer from ${target}/webhooks/down: `))
      const retrying = yield* eventOf(local, "HookRetrying", hook.id, 1)
      expect(retrying.error).toMatch(/^no answer from /)

      // The app comes up on that port before the retry (2 s later): the retry reaches it and is acked.
      const app = yield* Effect.acquireRelease(
        Effect.callback<Http.Server>((resume) => {
          const server = Http.createServer((request, response) => {
            request.resume()
            response.writeHead(200).end()
          })
          server.listen(port, "127.0.0.1", () => resume(Effect.succeed(server)))
        }),
        (server) =>
          Effect.callback<void>((resume) => {
            server.close(() => resume(Effect.void))
          })
      )
      expect(app.listening).toBe(true)
      const second = jsonLine(yield* listener.waitForLine(isDelivery(2), "the retried delivery line"))
      expect(second).toMatchObject({ status: 200, result: "ack" })
      expect((yield* eventOf(local, "HookDelivered", hook.id, 2)).transport).toBe("websocket")

      yield* listener.signal("SIGINT")
      expect(yield* listener.exited).toBe(0)
    }), { timeout: 120_000 })
})
