import { Effect, Redacted, TestContext } from "effect"
import { LocalPosthook } from "../src/server/index.js"
import { connectRaw } from "../test/server/utils/wsClient.js"
const log = (m: string) => Effect.sync(() => console.log(m, Date.now() % 100000))
const prog = Effect.gen(function*() {
  const local = yield* LocalPosthook.make({ log: false })
  yield* Effect.addFinalizer(() => log("F after-start"))
  const t = yield* Effect.promise(() => fetch(`${local.baseUrl}/v1/ws/ticket`, { method: "POST", headers: { "x-api-key": Redacted.value(local.apiKey) } }).then((r) => r.json()))
  const socket = yield* connectRaw(`${t.data.url}?ticket=${encodeURIComponent(t.data.ticket)}`)
  yield* Effect.addFinalizer(() => log("F after-connect"))
  const c = yield* socket.nextOfType("connected")
  yield* log("connected")
}).pipe(Effect.scoped, Effect.provide(TestContext.TestContext))
Effect.runPromise(prog).then(() => { console.log("done"); process.exit(0) }, (e) => { console.error(e); process.exit(1) })
