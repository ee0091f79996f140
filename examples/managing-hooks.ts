/**
 * Managing hooks: get one, list with filters, delete (cancel) one.
 *
 * Run: POSTHOOK_API_KEY=pk_... npx tsx examples/managing-hooks.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer, Option } from "effect"
import { Hooks, Posthook } from "posthook-effect"

/** A hook by id, or none when it does not exist. */
export const findHook = (id: string) =>
  Hooks.Hooks.use((hooks) => hooks.get(id)).pipe(
    Effect.map(Option.some),
    Effect.catchTag("NotFoundError", () => Effect.succeed(Option.none()))
  )

// Every list filter is optional: status, limit, offset, sortBy, sortOrder,
// postAtBefore, postAtAfter, createdAtBefore, createdAtAfter.
const program = Effect.gen(function*() {
  const hooks = yield* Hooks.Hooks

  const hook = yield* hooks.get("hook-uuid")
  yield* Effect.log(hook.status, hook.attempts, hook.failureError)

  const failed = yield* hooks.list({ status: "failed", limit: 50 })
  yield* Effect.log(`Found ${failed.length} hooks`)

  // Deleting a pending hook cancels it. Idempotent: a hook already gone (404) succeeds too.
  yield* hooks.delete("hook-uuid")
})

program.pipe(
  Effect.provide(Posthook.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))),
  NodeRuntime.runMain
)
