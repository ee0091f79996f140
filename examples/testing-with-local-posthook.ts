/**
 * Testing your own code against a local Posthook, in-process, with
 * `@effect/vitest`: the test Layer starts the server on a free port and
 * provides `PosthookConfig` pointed at it, so the SDK services you use in
 * production talk to it unchanged. `TestClock` turns "five days later" into
 * a millisecond, and the `LocalPosthook` service shows what was delivered.
 *
 * Put this in a `*.test.ts` file and run it with `vitest`.
 */
import * as HttpServer from "effect/http/HttpServer"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { createServer } from "node:http"
import { Signatures } from "posthook-effect"

import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { expect, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as TestClock from "effect/testing/TestClock"
import { Hooks } from "posthook-effect"
import { LocalPosthook, type ServerEvent } from "posthook-effect/server"

const TestPosthook = LocalPosthook.layer({ log: false })
const HooksLive = Hooks.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))

type Delivered = Extract<ServerEvent.ServerEvent, { readonly _tag: "HookDelivered" }>

layer(Layer.provideMerge(HooksLive, TestPosthook))("trial reminders", (it) => {
  it.effect("the reminder arrives five days later, signed", () =>
    Effect.gen(function* () {
      const local = yield* LocalPosthook.LocalPosthook
      const myEndpointOrigin = yield* startEndpoint // your handler, listening on 127.0.0.1:0
      yield* local.setTargetOrigin(myEndpointOrigin)
      const hooks = yield* Hooks.Hooks
      const hook = yield* hooks.schedule({ path: "/webhooks/trial-ends", postIn: "5d", data: { accountId: "acme" } })

      yield* TestClock.adjust("5 days")

      yield* local.awaitEvent((event): event is Delivered => event._tag === "HookDelivered" && event.hookId === hook.id)
      const [attempt] = yield* local.attempts(hook.id)
      expect(attempt?.response?.status).toBe(200)
      expect(attempt?.request.headers["Posthook-Signature"]).toMatch(/^v1,[0-9a-f]{64}$/)
    }))
})

/**
 * Your app's webhook endpoint on a free port, in the test's scope: 200 for a
 * delivery whose signature verifies with the local server's keys, 401
 * otherwise. Returns its origin.
 */
const startEndpoint = Effect.gen(function* () {
  const local = yield* LocalPosthook.LocalPosthook
  const signatures = Signatures.unsafeMake({ signingKey: local.signingKeys })
  const app = Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const body = new Uint8Array(yield* request.arrayBuffer)
    yield* signatures.parseDelivery(body, request.headers)
    return HttpServerResponse.empty({ status: 200 })
  }).pipe(Effect.catch(() => Effect.succeed(HttpServerResponse.empty({ status: 401 }))))
  const server = yield* NodeHttpServer.make(() => createServer(), { port: 0, host: "127.0.0.1" })
  yield* server.serve(app)
  return HttpServer.formatAddress(server.address)
})
