import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import { Delivery, Hooks, Posthook, PosthookConfig, Signatures } from "posthook-effect"
import * as WsTestServer from "./utils/WsTestServer.js"
import { eventually } from "./utils/WsTestServer.js"

describe("Posthook aggregate", () => {
  it.live("hooks.listen reaches the WebSocket through the Hooks service", () =>
    Effect.gen(function*() {
      const server = yield* WsTestServer.make
      const context = yield* Layer.build(WsTestServer.quietLayer(server))
      const config = yield* PosthookConfig.PosthookConfig.pipe(Effect.provide(context))
      const layer = Posthook.layer({ apiKey: config.apiKey, baseUrl: config.baseUrl }).pipe(
        Layer.provide(WsTestServer.quietLayer(server))
      )
      const seen: Array<string> = []
      yield* Effect.gen(function*() {
        const hooks = yield* Hooks.Hooks
        yield* hooks.listen((delivery) =>
          Effect.sync(() => seen.push(delivery.hookId)).pipe(Effect.as(Delivery.Result.ack()))
        )
        yield* eventually("connected", () => server.connections.length === 1)
        server.connections[0]!.sendHook("hook-1")
        yield* eventually("acked", () => server.connections[0]!.received.some((frame) => frame.type === "ack"))
      }).pipe(Effect.provide(Layer.merge(layer, WsTestServer.quietLayer(server))))
      expect(seen).toEqual(["hook-1"])
      expect(server.connections[0]!.received).toContainEqual({ type: "ack", hookId: "hook-1" })
    }))

  it.live("hooks.stream yields deliveries answered by hand", () =>
    Effect.gen(function*() {
      const server = yield* WsTestServer.make
      const context = yield* Layer.build(WsTestServer.quietLayer(server))
      const config = yield* PosthookConfig.PosthookConfig.pipe(Effect.provide(context))
      const layer = Posthook.layer({ apiKey: config.apiKey, baseUrl: config.baseUrl }).pipe(
        Layer.provide(WsTestServer.quietLayer(server))
      )
      server.onConnection = (connection) => {
        connection.connected()
        connection.sendHook("hook-s")
      }
      const hookIds = yield* Effect.gen(function*() {
        const hooks = yield* Hooks.Hooks
        return yield* hooks.stream().pipe(
          Stream.take(1),
          Stream.mapEffect((delivery) => Effect.as(delivery.nack("not ready"), delivery.delivery.hookId)),
          Stream.runCollect
        )
      }).pipe(Effect.provide(Layer.merge(layer, WsTestServer.quietLayer(server))))
      expect(hookIds).toEqual(["hook-s"])
      yield* eventually("nacked", () => server.connections[0]!.received.some((frame) => frame.type === "nack"))
      expect(server.connections[0]!.received).toContainEqual({ type: "nack", hookId: "hook-s", error: "not ready" })
    }))

  it.effect("posthook.signatures verifies with the configured signing key", () =>
    Effect.gen(function*() {
      const posthook = yield* Posthook.Posthook
      const body = JSON.stringify({
        id: "h1",
        path: "/webhooks/x",
        postAt: "2026-01-01T00:00:00Z",
        postedAt: "2026-01-01T00:00:01Z",
        data: { ok: true },
        createdAt: "2026-01-01T00:00:00Z",
        updatedAt: "2026-01-01T00:00:00Z"
      })
      const headers = Signatures.sign(body, { signingKey: "ph_sk_aggregate", timestamp: 0 })
      const delivery = yield* posthook.signatures.parseDelivery(body, headers)
      expect(delivery.hookId).toBe("h1")
      expect(delivery.data).toEqual({ ok: true })
      const wrong = Signatures.sign(body, { signingKey: "ph_sk_other", timestamp: 0 })
      const failure = yield* Effect.flip(posthook.signatures.parseDelivery(body, wrong))
      expect(failure.reason).toBe("NoMatchingSignature")
    }).pipe(
      Effect.provide(
        // The HTTP client is never used: nothing here talks to the API.
        Posthook.layer({ apiKey: "pk_test", signingKey: "ph_sk_aggregate" }).pipe(Layer.provide(FetchHttpClient.layer))
      )
    ))
})
