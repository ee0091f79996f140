/**
 * A local Posthook for development, like `posthook dev`: the REST API, signed
 * HTTP delivery to your app, WebSocket listeners, and a SQLite file so pending
 * hooks survive restarts.
 *
 * Run: npx vite-node examples/local-dev.ts
 * Then point your app at it (the lines it prints) and schedule hooks as usual.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Redacted, Stream } from "effect"
import { LocalPosthook, ServerConfig, ServerEvent } from "posthook-effect/server"

const program = Effect.gen(function*() {
  const local = yield* LocalPosthook.make({
    port: 8787,
    // Where HTTP deliveries go: your app. Omit it to deliver only to WebSocket listeners.
    targetOrigin: "http://127.0.0.1:3000",
    // Needs the optional packages @effect/sql-sqlite-node and better-sqlite3.
    store: { sqlite: ".posthook/dev.db" },
    // Keys are generated once per database when not given; several signing keys = key rotation.
    asyncHooks: true,
    quotaLimit: 10_000,
    retryPolicy: { minRetries: 3, delaySecs: 5, strategy: "exponential", maxDelaySecs: 60, jitter: true },
    // The server already writes one log line per hook event; this example prints its own instead.
    log: false
  })

  // Local keys, printed on purpose so they can be pasted: they only open this server.
  const store = local.config.store === "memory" ? "memory" : local.config.store.sqlite
  yield* Console.log(`Local Posthook on ${local.baseUrl} (store: ${store}, API key ${ServerConfig.maskKey(local.apiKey)})`)
  yield* Console.log(`export POSTHOOK_BASE_URL=${local.baseUrl}`)
  yield* Console.log(`export POSTHOOK_API_KEY=${Redacted.value(local.apiKey)}`)
  yield* Console.log(`export POSTHOOK_SIGNING_KEY=${local.signingKeys.map(Redacted.value).join(",")}`)

  // One line per event: scheduled, delivered, retried, failed, listeners coming and going, …
  yield* local.events.pipe(
    Stream.runForEach((event) => Console.log(`${new Date(event.at).toISOString()}  ${ServerEvent.describe(event)}`))
  )
})

// Ctrl-C interrupts: listeners are told to reconnect, in-flight deliveries get a few
// seconds to finish, and the database is closed.
Effect.scoped(program).pipe(NodeRuntime.runMain)
