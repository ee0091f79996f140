import { Effect, Redacted } from "effect"
import { LocalPosthook } from "../src/server/index.js"
const prog = Effect.gen(function*() {
  const local = yield* LocalPosthook.make({ log: false })
  const key = Redacted.value(local.apiKey)
  const t = Date.now()
  for (let i = 0; i < 2000; i++) {
    yield* Effect.promise(() => fetch(`${local.baseUrl}/v1/hooks`, { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body: JSON.stringify({ path: "/x", postIn: "1d", data: { i } }) }).then((r) => r.text()))
  }
  console.log("sequential", Date.now() - t, "ms")
}).pipe(Effect.scoped)
Effect.runPromise(prog).then(() => process.exit(0))
