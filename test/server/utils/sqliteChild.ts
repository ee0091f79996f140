/**
 * A local server on a SQLite file, run as a child process so a test can
 * `kill -9` it. Prints one JSON line `{"baseUrl", "apiKey"}` once it
 * listens, then one JSON line per event that ends or starts an attempt
 * (`{"_tag", "hookId", "attempt"}`), written after the store was updated.
 *
 *   node --import tsx test/server/utils/sqliteChild.ts <database file> '<options as JSON>'
 *
 * Options: `targetOrigin`, `signingKeys`, `retryPolicy` (as `LocalPosthook.Options`).
 */
import { Effect, Redacted, Stream } from "effect"
import * as LocalPosthook from "../../../src/server/LocalPosthook.js"

const [filename, optionsJson = "{}"] = process.argv.slice(2)
if (filename === undefined) throw new Error("usage: sqliteChild.ts <database file> [options JSON]")
const options: LocalPosthook.Options = JSON.parse(optionsJson)

Effect.runFork(
  Effect.scoped(Effect.gen(function*() {
    const local = yield* LocalPosthook.make({ ...options, log: false, store: { sqlite: filename } })
    const events = yield* local.subscribe
    process.stdout.write(`${JSON.stringify({ baseUrl: local.baseUrl, apiKey: Redacted.value(local.apiKey) })}\n`)
    return yield* Stream.runForEach(events, (event) =>
      Effect.sync(() => {
        if ("hookId" in event && "attempt" in event) {
          process.stdout.write(`${JSON.stringify({ _tag: event._tag, hookId: event.hookId, attempt: event.attempt })}\n`)
        }
      }))
  }))
)
