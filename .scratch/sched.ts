import { Effect, Redacted } from "effect"
import { LocalPosthook } from "../src/server/index.js"
const prog = Effect.gen(function*() {
  const local = yield* LocalPosthook.make({ log: false })
  const key = Redacted.value(local.apiKey)
  for (const n of [200, 1000]) {
    const t = Date.now()
    for (let i = 0; i < n; i++) {
      yield* Effect.promise(() => fetch(`${local.baseUrl}/v1/hooks`, { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body: JSON.stringify({ path: "/x", postIn: "1d", data: { i } }) }).then((r) => r.text()))
    }
    console.log(n, "sequential", Date.now() - t, "ms")
  }
  const t = Date.now()
  const rs = yield* Effect.promise(() => Promise.all(Array.from({length: 32}, () => fetch(`${local.baseUrl}/v1/hooks?limit=1`, { headers: { "x-api-key": key } }).then(r => r.text()))))
  console.log("list x32", Date.now() - t)
}).pipe(Effect.scoped)
Effect.runPromise(prog).then(() => process.exit(0))
