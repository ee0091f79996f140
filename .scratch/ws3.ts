import { Effect, Redacted, Scope, Exit } from "effect"
import { LocalPosthook } from "../src/server/index.js"
import { connectRaw } from "../test/server/utils/wsClient.js"
const log = (m: string) => Effect.sync(() => console.log(m, Date.now() % 100000))
const prog = Effect.gen(function*() {
  const scope = yield* Scope.make()
  yield* Scope.addFinalizer(scope, log("F first"))
  const local = yield* LocalPosthook.make({ log: false }).pipe(Scope.extend(scope))
  yield* Scope.addFinalizer(scope, log("F after-start"))
  const t = yield* Effect.promise(() => fetch(`${local.baseUrl}/v1/ws/ticket`, { method: "POST", headers: { "x-api-key": Redacted.value(local.apiKey) } }).then((r) => r.json()))
  const socket = yield* connectRaw(`${t.data.url}?ticket=${encodeURIComponent(t.data.ticket)}`).pipe(Scope.extend(scope))
  yield* Scope.addFinalizer(scope, log("F after-connect"))
  yield* socket.nextOfType("connected")
  yield* log("connected")
  const f = yield* Effect.fork(Scope.close(scope, Exit.void))
  yield* Effect.sleep("3 seconds")
  yield* log("after 3s")
  console.log(f.unsafePoll())
}).pipe(Effect.scoped)
Effect.runPromise(prog).then(() => { console.log("done"); process.exit(0) }, (e) => { console.error(e); process.exit(1) })
