import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Redacted } from "effect"
import { WebSocket } from "ws"
import * as Http from "node:http"
import { LocalPosthook } from "../src/server/index.js"
const N = Number(process.argv[2] ?? 5000)
const mode = process.argv[3] ?? "ws"
const prog = Effect.gen(function*() {
  let got = 0, finish = () => {}
  const done = new Promise<void>((r) => (finish = r))
  const server = Http.createServer((q, r) => { q.resume(); q.on("end", () => { r.writeHead(200).end(); if (++got === N) finish() }) })
  yield* Effect.promise(() => new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r())))
  const port = (server.address() as any).port
  const local = yield* LocalPosthook.make({ log: false, targetOrigin: mode === "http" ? `http://127.0.0.1:${port}` : undefined })
  const key = Redacted.value(local.apiKey)
  if (mode === "ws") {
    const t: any = yield* Effect.promise(() => fetch(`${local.baseUrl}/v1/ws/ticket`, { method: "POST", headers: { "x-api-key": key } }).then((r) => r.json()))
    yield* Effect.promise(() => new Promise<void>((resolve) => {
      const ws = new WebSocket(`${t.data.url}?ticket=${t.data.ticket}`)
      ws.on("message", (raw) => { const f = JSON.parse(String(raw)); if (f.type === "connected") resolve(); if (f.type === "hook") { ws.send(JSON.stringify({ type: "ack", hookId: f.id })); if (++got === N) finish() } })
    }))
  }
  const postAt = new Date(Date.now() + 3_600_000).toISOString()
  for (let i = 0; i < N; i += 100) {
    yield* Effect.promise(() => Promise.all(Array.from({ length: Math.min(100, N - i) }, () => fetch(`${local.baseUrl}/v1/hooks`, { method: "POST", headers: { "x-api-key": key }, body: JSON.stringify({ path: "/x", postAt }) }).then((r) => r.text()))))
  }
  const ids = (yield* local.hooks()).map((h) => h.id)
  const t0 = Date.now()
  const inspector = yield* Effect.promise(() => import("node:inspector"))
  const session = new inspector.Session()
  session.connect()
  yield* Effect.promise(() => new Promise<void>((r) => session.post("Profiler.enable", () => session.post("Profiler.start", () => r()))))
  for (const id of ids) yield* local.deliverNow(id)
  const t1 = Date.now()
  yield* Effect.promise(() => done)
  const t2 = Date.now()
  yield* Effect.promise(() => new Promise<void>((r) => session.post("Profiler.stop", (_err: unknown, res: any) => { require("node:fs").writeFileSync("/tmp/prof/window.cpuprofile", JSON.stringify(res.profile)); r() })))
  console.log(mode, N, "enqueue ms", t1 - t0, "deliver all ms", t2 - t0, "per sec", Math.round(N / ((t2 - t0) / 1000)))
  server.close()
}).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))
Effect.runPromise(prog).then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })
