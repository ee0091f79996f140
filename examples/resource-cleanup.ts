/**
 * Resource cleanup: instead of context managers, Layers and scopes. The
 * resources a Layer creates (e.g. the undici dispatcher of
 * `NodeHttpClient.layerUndici`) are released when the scope that built the
 * Layer closes: when `Effect.provide`d program ends, when
 * `NodeRuntime.runMain` is interrupted (Ctrl-C), or on `runtime.dispose()`.
 * A client you provide yourself is never closed by the SDK.
 *
 * Run: POSTHOOK_API_KEY=pk_... npx tsx examples/resource-cleanup.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer, ManagedRuntime } from "effect"
import { Hooks, Posthook } from "posthook-effect"

const PosthookLive = Posthook.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))

const scheduleOne = Hooks.Hooks.use((hooks) => hooks.schedule({ path: "/test", postIn: "5m" }))

// 1. Scoped to one program: the HTTP client is created, used, and closed when the program ends.
export const once = scheduleOne.pipe(Effect.provide(PosthookLive))

// 2. Scoped to a block: released when the block exits.
export const block = Effect.scoped(
  Effect.gen(function*() {
    const context = yield* Layer.build(PosthookLive)
    return yield* Effect.provide(scheduleOne, context)
  })
)

// 3. Long-lived: a ManagedRuntime built at start-up, disposed at shutdown.
export const makeRuntime = () => ManagedRuntime.make(PosthookLive)
// const runtime = makeRuntime(); …; await runtime.dispose()

NodeRuntime.runMain(once)
