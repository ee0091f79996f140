/**
 * Quick start: schedule a webhook 5 minutes from now.
 *
 * Your Posthook project has a domain (e.g. webhook.example.com); at the
 * scheduled time Posthook POSTs `data` to https://<domain><path>, signed.
 *
 * Run: POSTHOOK_API_KEY=pk_... npx tsx examples/quickstart.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import { Posthook } from "posthook-effect"

const program = Effect.gen(function*() {
  const posthook = yield* Posthook.Posthook
  const hook = yield* posthook.hooks.schedule({
    path: "/webhooks/user-created",
    postIn: "5m",
    data: { userId: "123", event: "user.created" }
  })
  yield* Effect.log(hook.id) // a UUID
  yield* Effect.log(hook.status) // "pending"
})

// Reads POSTHOOK_API_KEY; the HTTP client is yours to pick (here: undici).
const PosthookLive = Posthook.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))

program.pipe(Effect.provide(PosthookLive), NodeRuntime.runMain)
