/**
 * Quota: a scheduled hook carries the monthly hook quota from the response
 * headers, when the service sent them. A spent quota answers 429: a
 * `RateLimitError` whose `retryAfter` says when to try again.
 *
 * Run: POSTHOOK_API_KEY=pk_... npx tsx examples/quota.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { DateTime, Effect, Layer, Option } from "effect"
import { Hooks, Posthook } from "posthook-effect"

const program = Effect.gen(function*() {
  const hooks = yield* Hooks.Hooks
  const hook = yield* hooks.schedule({ path: "/test", postIn: "5m" })
  yield* Option.match(hook.quota, {
    onNone: () => Effect.log("no quota information"),
    onSome: (quota) =>
      Effect.log(
        `Limit: ${quota.limit}, Usage: ${quota.usage}, Remaining: ${quota.remaining}, ` +
          `Resets at: ${DateTime.formatIso(quota.resetsAt)}`
      )
  })
})

program.pipe(
  Effect.provide(Posthook.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))),
  NodeRuntime.runMain
)
