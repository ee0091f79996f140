/**
 * WebSocket delivery throughput on loopback: deliveries per second through
 * `Listener.listen` with a no-op handler, against a raw `ws` client that
 * acks the same stream of frames.
 *
 *   npx tsx bench/ws-quick.ts [deliveries] [window] [rounds]
 *
 * The server keeps `window` deliveries in flight (sending a new one for each
 * answer) until `deliveries` have been acked.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Deferred, Effect, Layer } from "effect"
import * as Socket from "effect/socket/Socket"
import * as Http from "node:http"
import { WebSocket, WebSocketServer } from "ws"
import { Delivery, Listener, PosthookConfig } from "posthook-effect"

const [total = 50_000, window = 1_000, rounds = 3] = process.argv.slice(2).map(Number)

interface Run {
  readonly done: Promise<number>
}

/** A minimal ticket endpoint + WebSocket server that pumps `total` hooks per connection. */
const startServer = () =>
  new Promise<{ readonly url: string; readonly next: () => Run; readonly close: () => Promise<void> }>((resolve) => {
    const http = Http.createServer()
    const wss = new WebSocketServer({ noServer: true })
    let port = 0
    let finish: ((millis: number) => void) | undefined
    http.on("request", (req, res) => {
      req.resume()
      req.on("end", () =>
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({ data: { ticket: "t", url: `ws://127.0.0.1:${port}/ws`, expiresAt: "2099-01-01T00:00:00Z" } })
        ))
    })
    http.on("upgrade", (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => {
        let sent = 0
        let answered = 0
        const started = performance.now()
        const send = () => {
          const id = `hook-${sent++}`
          ws.send(
            `{"type":"hook","id":"${id}","path":"/webhooks/bench","data":{"n":${sent}},"postAt":"2026-01-01T00:00:00Z","createdAt":"2026-01-01T00:00:00Z","attempt":1,"maxAttempts":5}`
          )
        }
        ws.send(`{"type":"connected","connectionId":"c","projectId":"p","projectName":"bench"}`)
        ws.on("message", () => {
          answered++
          if (answered === total) finish?.(performance.now() - started)
          else if (sent < total) send()
        })
        for (let i = 0; i < Math.min(window, total); i++) send()
      }))
    http.listen(0, "127.0.0.1", () => {
      const address = http.address()
      port = typeof address === "object" && address !== null ? address.port : 0
      resolve({
        url: `http://127.0.0.1:${port}`,
        next: () => ({ done: new Promise<number>((done) => (finish = done)) }),
        close: () =>
          new Promise<void>((closed) => {
            for (const client of wss.clients) client.terminate()
            http.closeAllConnections()
            http.close(() => closed())
          })
      })
    })
  })

const rawClient = async (baseUrl: string): Promise<() => void> => {
  const response = await fetch(`${baseUrl}/v1/ws/ticket`, { method: "POST" })
  const body: { data: { ticket: string; url: string } } = await response.json()
  const ws = new WebSocket(`${body.data.url}?ticket=${encodeURIComponent(body.data.ticket)}`)
  ws.on("message", (data) => {
    const frame: { type: string; id?: string } = JSON.parse(data.toString())
    if (frame.type === "hook") ws.send(JSON.stringify({ type: "ack", hookId: frame.id }))
  })
  return () => ws.close(1000)
}

const perSecond = (millis: number) => Math.round(total / (millis / 1000))

const main = async () => {
  const server = await startServer()
  const layer = Layer.mergeAll(
    PosthookConfig.layer({ apiKey: "pk_bench", baseUrl: server.url }),
    NodeHttpClient.layerNodeHttp,
    Socket.layerWebSocketConstructorGlobal
  )
  const results: Record<"raw ws" | "Listener.listen", Array<number>> = { "raw ws": [], "Listener.listen": [] }
  for (let round = 0; round < rounds; round++) {
    {
      const run = server.next()
      const close = await rawClient(server.url)
      results["raw ws"].push(perSecond(await run.done))
      close()
    }
    {
      const run = server.next()
      await Effect.runPromise(
        Effect.gen(function*() {
          const done = yield* Deferred.make<number>()
          void run.done.then((millis) => Effect.runSync(Deferred.succeed(done, millis)))
          yield* Listener.listen(() => Effect.succeed(Delivery.Result.ack()))
          results["Listener.listen"].push(perSecond(yield* Deferred.await(done)))
        }).pipe(Effect.scoped, Effect.provide(layer))
      )
    }
  }
  await server.close()
  const median = (values: Array<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
  console.log(`${total} deliveries, ${window} in flight, ${rounds} rounds, Node ${process.version}`)
  for (const [name, values] of Object.entries(results)) {
    console.log(`${name.padEnd(16)} median ${median(values)} deliveries/s  (runs: ${values.join(", ")})`)
  }
}

void main()
