import { Effect, Redacted, TestContext } from "effect"
import { WebSocket } from "ws"
import { LocalPosthook } from "../src/server/index.js"
const prog = Effect.gen(function*() {
  const local = yield* LocalPosthook.make({ log: false, pingInterval: "20 millis" })
  const t = yield* Effect.promise(() => fetch(`${local.baseUrl}/v1/ws/ticket`, { method: "POST", headers: { "x-api-key": Redacted.value(local.apiKey) } }).then((r) => r.json()))
  console.log(t)
  const url = `${t.data.url}?ticket=${t.data.ticket}`
  yield* Effect.async<void>((resume) => {
    const ws = new WebSocket(url)
    ws.on("open", () => console.log("open"))
    ws.on("message", (d) => console.log("msg", String(d)))
    ws.on("close", (c, r) => { console.log("close", c, String(r)); resume(Effect.void) })
    ws.on("error", (e) => console.log("err", e))
    ws.on("unexpected-response", (req, res) => console.log("unexpected", res.statusCode))
    setTimeout(() => { ws.close(); }, 3000)
  })
}).pipe(Effect.scoped, Effect.provide(TestContext.TestContext))
Effect.runPromise(prog).then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })
