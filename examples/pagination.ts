/**
 * Pagination: `listAll` is a Stream that fetches one page at a time as you
 * consume it and yields every matching hook exactly once, also when many
 * hooks share one `postAt` across a page boundary.
 *
 * Run: POSTHOOK_API_KEY=pk_... npx tsx examples/pagination.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { DateTime, Effect, Layer, Stream } from "effect"
import { type Hook, Hooks, Posthook } from "posthook-effect"

const processHook = (hook: Hook.Hook) => Effect.log(`${hook.id}: ${hook.failureError ?? "no error recorded"}`)

const program = Effect.gen(function*() {
  const hooks = yield* Hooks.Hooks

  // Every failed hook, oldest first; pages of 500 are fetched only as needed.
  yield* hooks.listAll({ status: "failed", pageSize: 500 }).pipe(
    Stream.runForEach(processHook)
  )

  // Streams compose: the first 10 failures on one endpoint (stops fetching after that).
  const firstTen = yield* hooks.listAll({ status: "failed" }).pipe(
    Stream.filter((hook) => hook.path === "/webhooks/critical"),
    Stream.take(10),
    Stream.runCollect
  )
  yield* Effect.log(`got ${firstTen.length}`)

  // One page at a time by hand, with postAtAfter as the cursor. Note: the cursor is
  // exclusive, so hooks sharing the last postAt can fall between pages; listAll handles that.
  const limit = 100
  let cursor: string | undefined
  for (;;) {
    const page = yield* hooks.list({ status: "failed", limit, sortBy: "postAt", sortOrder: "ASC", postAtAfter: cursor })
    for (const hook of page) yield* processHook(hook)
    const last = page[page.length - 1]
    if (page.length < limit || last === undefined) break
    cursor = DateTime.formatIso(last.postAt)
  }
})

program.pipe(
  Effect.provide(Posthook.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))),
  NodeRuntime.runMain
)
