/**
 * A local Posthook for development, like `posthook dev`: the REST API, signed
 * HTTP delivery to your app, WebSocket listeners, and a SQLite file so pending
 * hooks survive restarts (needs the optional package @effect/sql-sqlite-node,
 * which uses Node's built-in `node:sqlite`; omit `store` for the in-memory store).
 *
 * Keys are generated once per database when not given. They are local keys,
 * printed on purpose so the `export` lines can be pasted: they only open this
 * server. Ctrl-C interrupts: listeners are told to reconnect, in-flight
 * deliveries get a few seconds to finish, and the database is closed.
 *
 * Run: npx tsx examples/local-dev.ts
 * Then point your app at it (the lines it prints) and schedule hooks as usual.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Redacted, Stream } from "effect"
import { LocalPosthook, ServerEvent } from "posthook-effect/server"

const program = Effect.gen(function* () {
  const local = yield* LocalPosthook.make({
    port: 8787,
    targetOrigin: "http://127.0.0.1:3000", // your app: HTTP deliveries POST to <targetOrigin><path>
    store: { sqlite: ".posthook/dev.db" }, // omit for the in-memory store
    log: false
  })
  yield* Console.log(`export POSTHOOK_BASE_URL=${local.baseUrl}`)
  yield* Console.log(`export POSTHOOK_API_KEY=${Redacted.value(local.apiKey)}`)
  yield* Console.log(`export POSTHOOK_SIGNING_KEY=${local.signingKeys.map(Redacted.value).join(",")}`)
  yield* local.events.pipe(Stream.runForEach((event) => Console.log(ServerEvent.describe(event))))
})

Effect.scoped(program).pipe(NodeRuntime.runMain)
