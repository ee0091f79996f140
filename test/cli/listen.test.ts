/**
 * `posthook listen` as a child process against the local server (no HTTP
 * target, so every delivery goes over the WebSocket).
 *
 * Forward mode end to end: each delivery reaches a local HTTP app as the
 * signed POST the endpoint would have received (verified here with the
 * server's signing keys), and the app's 200 / 202 / 500 become ack / accept /
 * nack on the server.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { Callbacks, Signatures } from "posthook-effect"
import type * as LocalPosthook from "../../src/server/LocalPosthook.js"
import type { ServerEvent } from "../../src/server/ServerEvent.js"
import { envFor, eventuallyEffect, hooksFor, jsonLine, runAll, startApp, startCli, startLocal } from "./utils.js"

const TIMEOUT = { timeout: 300_000 }

type EventOf<Tag extends ServerEvent["_tag"]> = Extract<ServerEvent, { readonly _tag: Tag }>

/** The server's first event with this tag for this hook, already emitted or still to come. */
const eventFor = <Tag extends ServerEvent["_tag"]>(local: LocalPosthook.LocalPosthook, tag: Tag, hookId: string) =>
  local.awaitEvent((event): event is EventOf<Tag> => event._tag === tag && "hookId" in event && event.hookId === hookId)

const deliveryLineFor = (hookId: string) => (line: string) => {
  const parsed = jsonLine(line)
  return parsed?.event === "delivery" && parsed.hookId === hookId
}

describe("posthook listen --forward", () => {
  it.live("replays signed deliveries to the local app; 200 → ack, 202 → accept, 500 → nack", () =>
    Effect.gen(function*() {
      const app = yield* startApp((request) =>
        request.path === "/webhooks/ok"
          ? { status: 200 }
          : request.path === "/webhooks/async"
          ? { status: 202, headers: { "Posthook-Async-Timeout": "120" } }
          : { status: 500, body: "boom" }
      )
      const local = yield* startLocal()
      const listener = yield* startCli(["listen", "--forward", app.origin, "--json"], envFor(local))
      const connected = jsonLine(yield* listener.waitForLine((line) => jsonLine(line)?.event === "connected", "connected"))
      expect(connected).toMatchObject({ projectName: "Local Posthook", forward: `${app.origin}/` })
      expect((yield* local.listeners).map((info) => info.forward)).toEqual([true])

      const hooks = yield* hooksFor(local)
      const ok = yield* hooks.schedule({ path: "/webhooks/ok", postIn: "1s", data: { n: 1 } })
      const async = yield* hooks.schedule({ path: "/webhooks/async", postIn: "1s", data: { n: 2 } })
      const failing = yield* hooks.schedule({ path: "/webhooks/fail", postIn: "1s", data: { n: 3 } })

      // 200 → ack: the server records a WebSocket delivery.
      const okLine = jsonLine(yield* listener.waitForLine(deliveryLineFor(ok.id), "ok delivery"))
      expect(okLine).toMatchObject({
        path: "/webhooks/ok",
        method: "POST",
        url: `${app.origin}/webhooks/ok`,
        status: 200,
        result: "ack",
        attempt: 1
      })
      expect(yield* eventFor(local, "HookDelivered", ok.id)).toMatchObject({ transport: "websocket" })

      // 202 → accept with the app's timeout; finishing through the ack URL completes the hook.
      const asyncLine = jsonLine(yield* listener.waitForLine(deliveryLineFor(async.id), "async delivery"))
      expect(asyncLine).toMatchObject({ status: 202, result: "accept", timeoutSeconds: 120 })
      const accepted = yield* eventFor(local, "HookAccepted", async.id)
      expect(accepted.transport).toBe("websocket")

      // 500 → nack: the server schedules a retry, with the app's answer as the error.
      const failLine = jsonLine(yield* listener.waitForLine(deliveryLineFor(failing.id), "failing delivery"))
      expect(failLine).toMatchObject({ status: 500, result: "nack", error: "HTTP 500: boom" })
      const retrying = yield* eventFor(local, "HookRetrying", failing.id)
      expect(retrying.error).toContain("HTTP 500: boom")

      // What the app received: the signed HTTP POST, verifiable with the project's signing keys.
      const signatures = Signatures.unsafeMake(local.signingKeys)
      for (const hook of [ok, async, failing]) {
        const request = app.received.find((received) => received.headers["posthook-id"] === hook.id)
        expect(request).toBeDefined()
        expect(request!.method).toBe("POST")
        expect(request!.headers["content-type"]).toBe("application/json")
        const delivery = yield* signatures.parseDelivery(request!.body, request!.headers)
        expect(delivery).toMatchObject({ hookId: hook.id, path: hook.path, data: hook.data })
        // Async hooks are on: the callback URLs travel with the request.
        expect(request!.headers["posthook-ack-url"]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ack\//)
      }
      // A tampered body does not verify: the signature is over the exact bytes.
      const okRequest = app.received.find((received) => received.headers["posthook-id"] === ok.id)!
      const tampered = yield* Effect.flip(signatures.verify(`${okRequest.body} `, okRequest.headers))
      expect(tampered.reason).toBe("NoMatchingSignature")

      const asyncRequest = app.received.find((received) => received.headers["posthook-id"] === async.id)!
      const acked = yield* Callbacks.ack(asyncRequest.headers["posthook-ack-url"]!).pipe(
        Effect.provide(NodeHttpClient.layerUndici)
      )
      expect(acked).toEqual({ applied: true, status: "completed" })
      yield* eventuallyEffect(
        "the accepted hook completes",
        Effect.map(local.hook(async.id), (found) => Option.exists(found, (hook) => hook.status === "completed") || undefined)
      )

      // Ctrl-C: a clean stop.
      yield* listener.signal("SIGINT")
      expect(yield* listener.exited).toBe(0)
    }), TIMEOUT)
})

describe("posthook listen", () => {
  it.live("without --forward: prints each delivery (--verbose: its data) and acks it", () =>
    Effect.gen(function*() {
      const local = yield* startLocal()
      const listener = yield* startCli(["listen", "--verbose"], envFor(local))
      yield* listener.waitForLine((line) => line.includes("Connected to Local Posthook"), "connected")
      const hook = yield* (yield* hooksFor(local)).schedule({
        path: "/webhooks/plain",
        postAt: new Date(Date.now() - 1000),
        data: { greeting: "hello" }
      })
      const line = yield* listener.waitForLine((line) => line.includes(hook.id), "delivery line")
      expect(line).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d  /webhooks/plain ack  \\(hook ${hook.id} attempt 1/\\d+\\)$`))
      yield* listener.waitForLine((line) => line.includes("\"greeting\": \"hello\""), "verbose data")
      expect(yield* eventFor(local, "HookDelivered", hook.id)).toMatchObject({ transport: "websocket" })
      yield* listener.signal("SIGINT")
      expect(yield* listener.exited).toBe(0)
    }), TIMEOUT)

  it.live("a bad --forward URL exits 1; a wrong API key exits 2", () =>
    Effect.gen(function*() {
      const local = yield* startLocal()
      const [badUrl, badKey] = yield* runAll([
        [["listen", "--forward", "localhost:3000"], envFor(local)],
        [["listen"], { ...envFor(local), POSTHOOK_API_KEY: "pk_wrong" }]
      ])
      expect(badUrl!.code).toBe(1)
      expect(badUrl!.stderr).toMatch(/--forward: not an http\(s\) URL/)
      expect(badKey!.code).toBe(2)
      expect(badKey!.stderr).toMatch(/authentication_error|401/)
    }), TIMEOUT)
})
