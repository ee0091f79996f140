/**
 * Retrying writes, switched on in the configuration (`PosthookConfig`'s
 * `retry.retryWrites`), not per call: a real fault-injecting server
 * (`TestApiServer`, in front of the real local Posthook) answers 503 once,
 * then lets the request through. With the switch on, `POST /v1/hooks` and
 * the bulk calls are sent again; off (the default), they are not.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Layer } from "effect"
import { Hooks, Posthook } from "posthook-effect"
import { runDrivingClock } from "./utils/testClock.js"
import { layer as testServerLayer, layerWithClient, Reply, TEST_API_KEY, TestApiServer } from "./utils/TestApiServer.js"

const LATER = "2030-01-01T00:00:00Z"

/** The methods and paths the server received, as `METHOD /path` lines. */
const requestLines = Effect.map(
  Effect.flatMap(TestApiServer, (server) => server.requests),
  (requests) => requests.map((request) => `${request.method} ${request.path}`)
)

describe("retryWrites in the configuration", () => {
  it.effect("on: a POST /v1/hooks answered 503 is sent again and the hook is scheduled once", () =>
    Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.error(503, "down"))
      const { exit } = yield* runDrivingClock(hooks.schedule({ path: "/config-retry", postAt: LATER }))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(yield* requestLines).toEqual(["POST /v1/hooks", "POST /v1/hooks"])
      expect((yield* server.local.hooks()).length).toBe(1)
    }).pipe(Effect.provide(layerWithClient({ retry: { retryWrites: true } }))))

  it.effect("on: bulk calls are retried too", () =>
    Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const [seeded] = yield* server.seed([{ path: "/bulk", postAt: LATER }])
      yield* server.enqueue(Reply.error(502, "bad gateway"))
      const { exit } = yield* runDrivingClock(hooks.bulk.cancel([seeded!.id]))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(yield* requestLines).toEqual(["POST /v1/hooks/bulk/cancel", "POST /v1/hooks/bulk/cancel"])
    }).pipe(Effect.provide(layerWithClient({ retry: { retryWrites: true } }))))

  it.effect("on: the configured times still bound the retries", () =>
    Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.error(503, "1"), Reply.error(503, "2"))
      const { exit } = yield* runDrivingClock(hooks.schedule({ path: "/twice", postAt: LATER }))
      expect(Exit.isFailure(exit)).toBe(true)
      expect((yield* requestLines).length).toBe(2)
      expect((yield* server.local.hooks()).length).toBe(0)
    }).pipe(Effect.provide(layerWithClient({ retry: { retryWrites: true, times: 1 } }))))

  it.effect("on, but retry: false for one call: that call is not retried", () =>
    Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.error(503, "down"))
      const { exit } = yield* runDrivingClock(hooks.schedule({ path: "/once", postAt: LATER }, { retry: false }))
      expect(Exit.isFailure(exit)).toBe(true)
      expect((yield* requestLines).length).toBe(1)
    }).pipe(Effect.provide(layerWithClient({ retry: { retryWrites: true } }))))

  for (const [name, retry] of [["off (the default)", undefined], ["off (retryWrites: false)", { retryWrites: false }]] as const) {
    it.effect(`${name}: a POST /v1/hooks answered 503 is not sent again; a GET still is`, () =>
      Effect.gen(function*() {
        const hooks = yield* Hooks.Hooks
        const server = yield* TestApiServer
        yield* server.enqueue(Reply.error(503, "down"))
        const post = yield* runDrivingClock(hooks.schedule({ path: "/no-retry", postAt: LATER }))
        expect(Exit.isFailure(post.exit)).toBe(true)
        expect(yield* requestLines).toEqual(["POST /v1/hooks"])
        yield* server.enqueue(Reply.error(503, "down"))
        const get = yield* runDrivingClock(hooks.list())
        expect(Exit.isSuccess(get.exit)).toBe(true)
        expect((yield* requestLines).length).toBe(3)
      }).pipe(Effect.provide(layerWithClient(retry === undefined ? {} : { retry }))))
  }

  it.effect("layerConfig passes the switch through (configuration read from the environment)", () =>
    Effect.gen(function*() {
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.error(503, "down"))
      const { exit } = yield* runDrivingClock(
        Effect.flatMap(Hooks.Hooks, (hooks) => hooks.schedule({ path: "/env", postAt: LATER })).pipe(
          Effect.provide(
            // A 10-minute timeout: the clock driver must not mistake the request timeout for a retry delay.
            Posthook.layerConfig({ retry: { retryWrites: true }, timeout: "10 minutes" }).pipe(
              Layer.provide(NodeHttpClient.layerUndici),
              Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({
                env: { POSTHOOK_API_KEY: TEST_API_KEY, POSTHOOK_BASE_URL: server.url }
              })))
            )
          )
        )
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect((yield* requestLines).length).toBe(2)
    }).pipe(Effect.provide(testServerLayer())))
})
