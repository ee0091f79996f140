/**
 * Bulk actions: retry failed hooks, replay completed ones, cancel pending
 * ones, by ids (up to 1000) or by a time-range filter (limit 1–1000,
 * optionally one endpoint or one sequence). Each returns `{ affected }`.
 *
 * Bulk calls are POSTs: they are not retried automatically (see errors.ts).
 *
 * Run: POSTHOOK_API_KEY=pk_... npx tsx examples/bulk-actions.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import { Hooks, Posthook } from "posthook-effect"

const program = Effect.gen(function*() {
  const hooks = yield* Hooks.Hooks

  // By ids
  const retried = yield* hooks.bulk.retry(["id-1", "id-2", "id-3"])
  yield* Effect.log(`Retried ${retried.affected} hooks`)
  yield* hooks.bulk.replay(["id-4"])
  yield* hooks.bulk.cancel(["id-5"])

  // By filter
  const cancelled = yield* hooks.bulk.cancelByFilter({
    startTime: "2026-02-01T00:00:00Z",
    endTime: "2026-02-22T00:00:00Z",
    limit: 500,
    endpointKey: "/webhooks/deprecated"
  })
  yield* Effect.log(`Cancelled ${cancelled.affected} hooks`)
  yield* hooks.bulk.retryByFilter({ startTime: new Date(Date.now() - 86_400_000), endTime: new Date(), limit: 1000 })
  yield* hooks.bulk.replayByFilter({
    startTime: "2026-02-01T00:00:00Z",
    endTime: "2026-02-02T00:00:00Z",
    limit: 100,
    sequenceId: "seq-123"
  })
})

program.pipe(
  Effect.provide(Posthook.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))),
  NodeRuntime.runMain
)
