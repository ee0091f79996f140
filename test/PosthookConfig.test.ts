import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Undici from "@effect/platform-node/Undici"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Exit, Layer, Redacted } from "effect"
import { inspect } from "node:util"
import { Hooks, Posthook, PosthookConfig } from "posthook-effect"
import { TEST_API_KEY, TestApiServer, layer as testServerLayer } from "./utils/TestApiServer.js"

const fromEnv = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnv({ env }))

const configErrorMessage = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.flip(effect), (error) => String(error))

describe("PosthookConfig.make / layer", () => {
  it.effect("applies the defaults", () =>
    Effect.gen(function*() {
      const config = yield* PosthookConfig.make({ apiKey: "pk_x" })
      expect(Redacted.value(config.apiKey)).toBe("pk_x")
      expect(config.signingKeys).toEqual([])
      expect(config.baseUrl).toBe("https://api.posthook.io")
      expect(Duration.toMillis(config.timeout)).toBe(30_000)
      expect(config.retry).toEqual({})
    }))

  it.effect("takes every option; trims trailing slashes; one or several signing keys", () =>
    Effect.gen(function*() {
      const config = yield* PosthookConfig.make({
        apiKey: Redacted.make("pk_y"),
        signingKey: ["ph_sk_old", Redacted.make("ph_sk_new"), ""],
        baseUrl: "https://api.staging.posthook.io///",
        timeout: Duration.minutes(1),
        retry: false
      })
      expect(config.signingKeys.map(Redacted.value)).toEqual(["ph_sk_old", "ph_sk_new"])
      expect(config.baseUrl).toBe("https://api.staging.posthook.io")
      expect(Duration.toSeconds(config.timeout)).toBe(60)
      expect(config.retry).toBe(false)
      const single = yield* PosthookConfig.make({ apiKey: "pk", signingKey: "ph_sk_one", timeout: "60 seconds" })
      expect(single.signingKeys.map(Redacted.value)).toEqual(["ph_sk_one"])
      expect(Duration.toSeconds(single.timeout)).toBe(60)
    }))

  it.effect("refuses an empty API key, naming POSTHOOK_API_KEY", () =>
    Effect.gen(function*() {
      expect(yield* configErrorMessage(PosthookConfig.make({ apiKey: "  " }))).toContain("POSTHOOK_API_KEY")
    }))

  it.effect("refuses base URLs that are not plain http(s) URLs (no credentials, query or fragment)", () =>
    Effect.gen(function*() {
      for (
        const [baseUrl, expected] of [
          ["api.posthook.io", "not a URL"],
          ["ftp://api.posthook.io", "http(s)"],
          ["https://pk_secret@api.posthook.io", "credentials"],
          ["https://api.posthook.io/?apiKey=pk_secret", "query"],
          ["https://api.posthook.io/#x", "fragment"]
        ] as const
      ) {
        const message = yield* configErrorMessage(PosthookConfig.make({ apiKey: "pk", baseUrl }))
        expect(message).toContain(expected)
        expect(message).not.toContain("pk_secret")
      }
    }))

  it.effect("refuses a timeout that is not positive", () =>
    Effect.gen(function*() {
      const message = yield* configErrorMessage(PosthookConfig.make({ apiKey: "pk", timeout: Duration.zero }))
      expect(message).toContain("timeout")
    }))

  it.effect("layer provides the resolved config", () =>
    Effect.gen(function*() {
      const config = yield* PosthookConfig.PosthookConfig
      expect(config.baseUrl).toBe("http://127.0.0.1:1")
    }).pipe(Effect.provide(PosthookConfig.layer({ apiKey: "pk", baseUrl: "http://127.0.0.1:1" }))))
})

describe("PosthookConfig.layerConfig (Effect Config)", () => {
  it.effect("reads POSTHOOK_API_KEY, POSTHOOK_SIGNING_KEY (comma list) and POSTHOOK_BASE_URL", () =>
    Effect.gen(function*() {
      const config = yield* PosthookConfig.PosthookConfig
      expect(Redacted.value(config.apiKey)).toBe("pk_env")
      expect(config.signingKeys.map(Redacted.value)).toEqual(["ph_sk_a", "ph_sk_b"])
      expect(config.baseUrl).toBe("https://api.example.test")
    }).pipe(
      Effect.provide(PosthookConfig.layerConfig()),
      Effect.provide(fromEnv({
        POSTHOOK_API_KEY: "pk_env",
        POSTHOOK_SIGNING_KEY: "ph_sk_a, ph_sk_b",
        POSTHOOK_BASE_URL: "https://api.example.test/"
      }))
    ))

  it.effect("optional variables may be absent; overrides win over the environment", () =>
    Effect.gen(function*() {
      const config = yield* PosthookConfig.PosthookConfig
      expect(config.signingKeys.map(Redacted.value)).toEqual(["ph_sk_override"])
      expect(config.baseUrl).toBe("https://api.posthook.io")
      expect(Duration.toSeconds(config.timeout)).toBe(10)
    }).pipe(
      Effect.provide(PosthookConfig.layerConfig({ signingKey: "ph_sk_override", timeout: "10 seconds" })),
      Effect.provide(fromEnv({ POSTHOOK_API_KEY: "pk_env" }))
    ))

  it.effect("a missing POSTHOOK_API_KEY fails when the Layer is built, naming the variable", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Layer.build(Posthook.layerConfig())).pipe(
        Effect.scoped,
        Effect.provide(NodeHttpClient.layerUndici),
        Effect.provide(fromEnv({ POSTHOOK_BASE_URL: "https://api.example.test" }))
      )
      expect(Exit.isFailure(exit)).toBe(true)
      expect(String(Exit.isFailure(exit) ? exit.cause : "")).toContain("POSTHOOK_API_KEY")
    }))

  it.effect("an empty POSTHOOK_API_KEY fails too", () =>
    Effect.gen(function*() {
      const message = yield* configErrorMessage(
        Layer.build(PosthookConfig.layerConfig()).pipe(Effect.scoped, Effect.provide(fromEnv({ POSTHOOK_API_KEY: "" })))
      )
      expect(message).toContain("POSTHOOK_API_KEY")
    }))
})

describe("keys stay Redacted", () => {
  it.effect("inspect, JSON.stringify and String of the config never show a key", () =>
    Effect.gen(function*() {
      const config = yield* PosthookConfig.make({ apiKey: TEST_API_KEY, signingKey: "ph_sk_SIGNING_SECRET" })
      for (const rendered of [inspect(config, { depth: 10 }), JSON.stringify(config), String(config.apiKey)]) {
        expect(rendered).not.toContain(TEST_API_KEY)
        expect(rendered).not.toContain("ph_sk_SIGNING_SECRET")
      }
    }))

  it.effect("nor does the Posthook service", () =>
    Effect.gen(function*() {
      const posthook = yield* Posthook.Posthook
      const rendered = inspect(posthook, { depth: 10 }) + JSON.stringify(posthook.config)
      expect(rendered).not.toContain(TEST_API_KEY)
    }).pipe(
      Effect.provide(Posthook.layer({ apiKey: TEST_API_KEY, baseUrl: "http://127.0.0.1:1" })),
      Effect.provide(NodeHttpClient.layerUndici)
    ))
})

describe("Posthook layers and the HttpClient", () => {
  it.effect("Posthook.layerConfig provides Posthook, Hooks and PosthookConfig from the environment", () =>
    Effect.gen(function*() {
      const server = yield* TestApiServer
      const hook = yield* Effect.gen(function*() {
        const posthook = yield* Posthook.Posthook
        const hooks = yield* Hooks.Hooks
        expect(posthook.hooks).toBe(hooks)
        return yield* hooks.schedule({ path: "/env", postIn: "5m" })
      }).pipe(
        Effect.provide(Posthook.layerConfig()),
        Effect.provide(NodeHttpClient.layerUndici),
        Effect.provide(fromEnv({ POSTHOOK_API_KEY: TEST_API_KEY, POSTHOOK_BASE_URL: server.url }))
      )
      expect(hook.path).toBe("/env")
      const [request] = yield* server.requests
      expect(request?.headers["x-api-key"]).toBe(TEST_API_KEY)
    }).pipe(Effect.provide(testServerLayer())))

  it.effect("a dispatcher supplied by the user is used and never closed by the SDK", () =>
    Effect.gen(function*() {
      const server = yield* TestApiServer
      const agent = new Undici.Agent({ connections: 2 })
      // The user's Layer provides their own dispatcher as a plain value: nothing closes it but them.
      const UserHttpClient = NodeHttpClient.layerUndiciNoDispatcher.pipe(
        Layer.provide(Layer.succeed(NodeHttpClient.Dispatcher, agent))
      )
      yield* Effect.flatMap(Hooks.Hooks, (hooks) => hooks.schedule({ path: "/mine", postIn: "5m" })).pipe(
        Effect.provide(Posthook.layer({ apiKey: TEST_API_KEY, baseUrl: server.url })),
        Effect.provide(UserHttpClient)
      )
      // The Posthook Layer's scope is closed now; the agent still works.
      expect(agent.closed).toBe(false)
      expect(agent.destroyed).toBe(false)
      const response = yield* Effect.promise(() =>
        agent.request({ origin: server.url, path: "/v1/hooks", method: "GET", headers: { "x-api-key": TEST_API_KEY } })
      )
      expect(response.statusCode).toBe(200)
      yield* Effect.promise(() => response.body.text())
      yield* Effect.promise(() => agent.close())
      expect((yield* server.requests).length).toBe(2)
    }).pipe(Effect.provide(testServerLayer())))
})
