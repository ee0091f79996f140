import { NodeHttpClient } from "@effect/platform-node"
import * as Socket from "@effect/platform/Socket"
import { Deferred, Effect, Layer } from "effect"
import * as Http from "node:http"
import { Delivery, Listener, PosthookConfig } from "posthook-effect"

const total = Number(process.argv[2] ?? 50000)
const window = 1000
let finish: (() => void) | undefined

class FakeWs extends EventTarget {
  readyState = 0
  sent = 0
  answered = 0
  constructor(readonly url: string) {
    super()
    setTimeout(() => {
      this.readyState = 1
      this.dispatchEvent(new Event("open"))
      this.emit(`{"type":"connected","connectionId":"c","projectId":"p","projectName":"bench"}`)
      for (let i = 0; i < window; i++) this.next()
    }, 1)
  }
  emit(data: string) {
    const e = new MessageEvent("message", { data })
    this.dispatchEvent(e)
  }
  next() {
    const id = `hook-${this.sent++}`
    this.emit(`{"type":"hook","id":"${id}","path":"/webhooks/bench","data":{"n":${this.sent}},"postAt":"2026-01-01T00:00:00Z","createdAt":"2026-01-01T00:00:00Z","attempt":1,"maxAttempts":5}`)
  }
  send(_: string) {
    this.answered++
    if (this.answered === total) finish?.()
    else if (this.sent < total) queueMicrotask(() => this.next())
  }
  close() { this.readyState = 3 }
}

const http = Http.createServer((req, res) => { req.resume(); req.on("end", () => res.writeHead(200).end(JSON.stringify({ data: { ticket: "t", url: "ws://x/ws", expiresAt: "x" } }))) })
http.listen(0, "127.0.0.1", async () => {
  const a = http.address()
  const port = typeof a === "object" && a ? a.port : 0
  const layer = Layer.mergeAll(
    PosthookConfig.layer({ apiKey: "pk", baseUrl: `http://127.0.0.1:${port}` }),
    NodeHttpClient.layer,
    Layer.succeed(Socket.WebSocketConstructor, (url: string) => new FakeWs(url) as unknown as globalThis.WebSocket)
  )
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now(); const c0 = process.cpuUsage()
    await Effect.runPromise(Effect.gen(function*() {
      const done = yield* Deferred.make<void>()
      finish = () => Effect.runSync(Deferred.succeed(done, undefined))
      yield* Listener.listen(() => Effect.succeed(Delivery.Result.ack()))
      yield* Deferred.await(done)
    }).pipe(Effect.scoped, Effect.provide(layer)))
    const ms = performance.now() - t0; const cpu = process.cpuUsage(c0)
    console.log(`${Math.round(total / (ms / 1000))}/s wall, ${Math.round(total / ((cpu.user + cpu.system) / 1e6))}/s cpu`)
  }
  http.close()
})
