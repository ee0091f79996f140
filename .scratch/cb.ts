import { Effect } from "effect"
import { LocalPosthook } from "../src/server/index.js"
const prog = Effect.gen(function*() {
  const local = yield* LocalPosthook.make({ log: false })
  for (const p of ["/ack/abc", "/ack/abc.def", "/ack/11111111-1111-4111-8111-111111111111.1.aaaa"]) {
    const r = yield* Effect.promise(() => fetch(`${local.baseUrl}${p}`, { method: "POST" }).then(async (r) => [r.status, await r.text()]))
    console.log(p, r)
  }
}).pipe(Effect.scoped)
Effect.runPromise(prog).then(() => process.exit(0))
