/**
 * Testing your own code against a local Posthook, in-process, with
 * `@effect/vitest`: the test Layer starts the server on a free port and
 * provides `PosthookConfig` pointed at it, so the SDK services you use in
 * production talk to it unchanged. `TestClock` turns "five days later" into
 * a millisecond, and the `LocalPosthook` service shows what was delivered.
 *
 * Put this in a `*.test.ts` file and run it with `vitest`.
 */
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { expect, layer } from "@effect/vitest"
import { Effect, Layer, Queue, TestClock } from "effect"
import { createServer } from "node:http"
import { Hooks, Signatures } from "posthook-effect"
import { LocalPosthook, ServerEvent } from "posthook-effect/server"

// The code under test: schedules a reminder when a trial starts.
const startTrial = (accountId: string) =>
  Effect.flatMap(Hooks.Hooks, (hooks) =>
    hooks.schedule({ path: "/webhooks/trial-ends", postIn: "5d", data: { accountId } }))

// The Layers: the local server (quiet), and the SDK on top of the config it provides.
const TestPosthook = LocalPosthook.layer({ log: false })
const HooksLive = Hooks.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))

/** Your app's webhook endpoint on a free port, verifying signatures with the SDK. */
const startEndpoint = Effect.gen(function*() {
  const local = yield* LocalPosthook.LocalPosthook
  const signatures = Signatures.unsafeMake({ signingKey: local.signingKeys })
  const received = yield* Queue.unbounded<unknown>()
  const app = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const body = new Uint8Array(yield* request.arrayBuffer)
    const delivery = yield* signatures.parseDelivery(body, request.headers)
    yield* Queue.offer(received, delivery.data)
    return HttpServerResponse.empty({ status: 200 })
  }).pipe(Effect.catchAll(() => Effect.succeed(HttpServerResponse.empty({ status: 401 }))))
  const server = yield* NodeHttpServer.make(() => createServer(), { port: 0, host: "127.0.0.1" })
  yield* server.serve(app)
  yield* local.setTargetOrigin(HttpServer.formatAddress(server.address))
  return received
})

type Delivered = Extract<ServerEvent.ServerEvent, { readonly _tag: "HookDelivered" }>

layer(Layer.provideMerge(HooksLive, TestPosthook))("trial reminders", (it) => {
  it.scoped("the reminder reaches the endpoint five days later, signed", () =>
    Effect.gen(function*() {
      const local = yield* LocalPosthook.LocalPosthook
      const received = yield* startEndpoint
      const hook = yield* startTrial("acme")

      yield* TestClock.adjust("5 days")

      expect(yield* Queue.take(received)).toEqual({ accountId: "acme" })
      yield* local.awaitEvent((event): event is Delivered => event._tag === "HookDelivered" && event.hookId === hook.id)
      const [attempt] = yield* local.attempts(hook.id)
      expect(attempt?.response?.status).toBe(200)
      expect(attempt?.request.headers["Posthook-Signature"]).toMatch(/^v1,[0-9a-f]{64}$/)
    }))
})
