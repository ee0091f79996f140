import { Effect, Redacted } from "effect"
import { LocalPosthook } from "../src/server/index.js"
const prog = Effect.gen(function*() {
  const local = yield* LocalPosthook.make({ log: false })
  const key = Redacted.value(local.apiKey)
  const one = (i: number) => fetch(`${local.baseUrl}/v1/hooks`, { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body: JSON.stringify({ path: "/x", postIn: "1d", data: { i } }) }).then((r) => r.text())
  const oneGet = () => fetch(`${local.baseUrl}/v1/hooks/00000000-0000-0000-0000-000000000000`, { headers: { "x-api-key": key } }).then((r) => r.text())
  for (const [label, f] of [["post", one], ["get404", oneGet]] as const) {
    const t = Date.now()
    yield* Effect.promise(() => Promise.all(Array.from({ length: 32 }, async (_, w) => { for (let i = 0; i < 30; i++) await f(i) })))
    console.log(label, "960 reqs @32", Date.now() - t, "ms")
  }
}).pipe(Effect.scoped)
Effect.runPromise(prog).then(() => process.exit(0))
