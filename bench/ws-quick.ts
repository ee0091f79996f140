/**
 * WebSocket delivery throughput, quickly: deliveries per second through
 * `Listener.listen` with a handler that acks at once, against a raw `ws`
 * client (JSON.parse + ack) fed by the same server process
 * (bench/fixtures/wsServer.mjs), in interleaved rounds.
 *
 *   npx tsx bench/ws-quick.ts [deliveries] [window] [rounds] [sdk|raw|both] [global|ws]
 *
 * The server sends `connected`, then keeps `window` deliveries unanswered
 * (a new one for each answer) until `deliveries` are answered. `window` equal
 * to `deliveries` sends them all at once. `sdk` runs only the listener (for
 * `npx node --cpu-prof --import tsx bench/ws-quick.ts 50000 50000 5 sdk`); the last
 * argument picks the SDK's WebSocket: Node's global one (default) or `ws`.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeWS from "@effect/platform-node/NodeWS"
import type { Config } from "effect"
import { Effect, Layer } from "effect"
import type * as HttpClient from "effect/http/HttpClient"
import * as Socket from "effect/socket/Socket"
import { WebSocket } from "ws"
import { Delivery, Listener, PosthookConfig } from "posthook-effect"
import { type Child, cpuNanos, median, startChild } from "./util.js"

const args = process.argv.slice(2)
const total = Number(args[0] ?? 50_000)
const window = Number(args[1] ?? 50_000)
const rounds = Number(args[2] ?? 5)
const sides = args[3] ?? "both"
/** The SDK's WebSocket: Node's global one (undici) or the `ws` package, as the baseline uses. */
const constructor = args[4] ?? "global"

interface Done {
  readonly millis: number
}

interface Run {
  readonly perSecond: number
  readonly cpuMicros: number
}

let runs = 0
const schedule = async (server: Child): Promise<void> => {
  server.send({ run: { id: ++runs, total, window } })
  await server.nextMessage()
}

const raw = async (server: Child, baseUrl: string): Promise<Run> => {
  await schedule(server)
  const cpu = cpuNanos()
  const response = await fetch(`${baseUrl}/v1/ws/ticket`, { method: "POST", headers: { "x-api-key": "pk_bench" } })
  const body: { data: { ticket: string; url: string } } = await response.json()
  const ws = new WebSocket(`${body.data.url}?ticket=${encodeURIComponent(body.data.ticket)}`)
  ws.on("message", (data) => {
    const frame: { type: string; id?: string } = JSON.parse(data.toString())
    if (frame.type === "hook") ws.send(JSON.stringify({ type: "ack", hookId: frame.id }))
    else if (frame.type === "ping") ws.send(`{"type":"pong"}`)
  })
  const done = await server.nextMessage<Done>()
  const used = cpuNanos() - cpu
  ws.close(1000)
  return { perSecond: total / (done.millis / 1000), cpuMicros: used / total / 1000 }
}

type SdkLayer = Layer.Layer<
  PosthookConfig.PosthookConfig | HttpClient.HttpClient | Socket.WebSocketConstructor,
  Config.ConfigError
>

const sdk = (server: Child, layer: SdkLayer): Promise<Run> =>
  Effect.runPromise(
    Effect.scoped(Effect.gen(function*() {
      yield* Effect.promise(() => schedule(server))
      const cpu = cpuNanos()
      yield* Listener.listen(() => Effect.succeed(Delivery.Result.ack()))
      const done = yield* Effect.promise(() => server.nextMessage<Done>())
      const used = cpuNanos() - cpu
      return { perSecond: total / (done.millis / 1000), cpuMicros: used / total / 1000 }
    })).pipe(Effect.provide(layer))
  )

const main = async () => {
  const server = startChild(process.execPath, ["bench/fixtures/wsServer.mjs"])
  const { port } = await server.nextMessage<{ port: number }>()
  const baseUrl = `http://127.0.0.1:${port}`
  const layer = Layer.mergeAll(
    PosthookConfig.layer({ apiKey: "pk_bench", baseUrl }),
    NodeHttpClient.layerUndici,
    constructor === "ws" ? NodeWS.layerWebSocketConstructor : Socket.layerWebSocketConstructorGlobal
  )
  const results: { raw: Array<Run>; sdk: Array<Run> } = { raw: [], sdk: [] }
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ["raw", "sdk"] as const : ["sdk", "raw"] as const
      for (const side of order) {
        if (sides !== "both" && sides !== side) continue
        results[side].push(side === "raw" ? await raw(server, baseUrl) : await sdk(server, layer))
      }
    }
  } finally {
    await server.stop()
  }
  console.log(`${total} deliveries, ${window} in flight, ${rounds} rounds, SDK on ${constructor} WebSocket, Node ${process.version}`)
  for (const [name, values] of Object.entries(results)) {
    if (values.length === 0) continue
    console.log(
      `${name.padEnd(4)} median ${Math.round(median(values.map((run) => run.perSecond)))} deliveries/s, ` +
        `${median(values.map((run) => run.cpuMicros)).toFixed(1)} µs CPU/delivery  (runs: ${
          values.map((run) => Math.round(run.perSecond)).join(", ")
        })`
    )
  }
  if (results.raw.length > 0 && results.sdk.length > 0) {
    const ratios = results.sdk.map((run, i) => run.perSecond / results.raw[i]!.perSecond)
    console.log(`ratio sdk/raw: median ${median(ratios).toFixed(2)} (per round: ${ratios.map((r) => r.toFixed(2)).join(", ")})`)
  }
}

void main()
