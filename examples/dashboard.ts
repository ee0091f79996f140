/**
 * The dashboard in your own program: `Dashboard.routes` mounted on a local
 * Posthook through its `routes` option (what `posthook dev` does for you).
 * Open the printed URL to see hooks, attempts and listeners, and to retry,
 * replay, cancel or deliver hooks now.
 *
 * Run: npx tsx examples/dashboard.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"

import { Effect } from "effect"
import { Dashboard, LocalPosthook } from "posthook-effect/server"

const program = Effect.scoped(Effect.gen(function* () {
  const local = yield* LocalPosthook.make({ port: 8787, targetOrigin: "http://127.0.0.1:3000", routes: Dashboard.routes })
  yield* Effect.log(`Dashboard: ${Dashboard.url(local)}`) // http://127.0.0.1:8787/
  yield* Effect.never
}))

NodeRuntime.runMain(program)
