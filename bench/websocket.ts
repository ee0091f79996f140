/**
 * WebSocket listen: `Listener.listen` with a handler that acks at once,
 * against a raw `ws` client that parses each frame and acks it, both fed by
 * the same local server (bench/fixtures/wsServer.mjs, its own process).
 *
 * - throughput, all at once (issue 14's workload): the server sends
 *   `connected`, then 50,000 `hook` frames at once, and counts acks until the
 *   last; deliveries/s.
 * - throughput, 1,000 in flight: the server keeps 1,000 deliveries unanswered
 *   (a new one for each answer) until 50,000 are acked.
 * - dispatch latency: the server's send time travels in the frame; the
 *   handler notes `now − sentAt` (one clock, two processes). Reported under
 *   that load, and one delivery at a time (no queueing: the pure cost).
 *   Quick mode: 5,000 deliveries, 500 one at a time.
 * - client CPU per delivery.
 *
 * The ratios compare like with like: the SDK runs on the `ws` package
 * (`NodeWS.layerWebSocketConstructor`), as the baseline does, so they measure
 * what the SDK adds. One more row runs the SDK on Node's global WebSocket
 * (undici; `Socket.layerWebSocketConstructorGlobal`), against the same
 * baseline: that one also measures undici against `ws`.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeWS from "@effect/platform-node/NodeWS"
import type { Config } from "effect"
import { Effect, Layer } from "effect"
import type * as HttpClient from "effect/http/HttpClient"
import * as Socket from "effect/socket/Socket"
import { WebSocket } from "ws"
import { Delivery, Listener, PosthookConfig } from "posthook-effect"
import {
  type Benchmark,
  type Child,
  cpuNanos,
  interleaved,
  log,
  median,
  percentile,
  preciseNow,
  type Row,
  startChild
} from "./util.js"

interface Done {
  readonly done: number
  readonly millis: number
  readonly rttP50: number
  readonly rttP99: number
}

interface RunResult {
  readonly perSecond: number
  /** Dispatch latencies seen by the handler, ms. */
  readonly latencies: ReadonlyArray<number>
  readonly cpuMicrosPerDelivery: number
}

let runs = 0

const schedule = async (server: Child, total: number, window: number): Promise<number> => {
  const id = ++runs
  server.send({ run: { id, total, window } })
  await server.nextMessage()
  return id
}

const sentAtOf = (data: unknown): number =>
  typeof data === "object" && data !== null && "sentAt" in data && typeof data.sentAt === "number"
    ? data.sentAt
    : Number.NaN

const runRaw = async (server: Child, baseUrl: string, total: number, window: number): Promise<RunResult> => {
  await schedule(server, total, window)
  const latencies = new Float64Array(total)
  let count = 0
  const cpu = cpuNanos()
  const response = await fetch(`${baseUrl}/v1/ws/ticket`, { method: "POST", headers: { "x-api-key": "pk_bench" } })
  const ticket = (await response.json()) as { data: { ticket: string; url: string } }
  const ws = new WebSocket(`${ticket.data.url}?ticket=${encodeURIComponent(ticket.data.ticket)}`)
  ws.on("message", (data) => {
    const frame = JSON.parse(data.toString()) as { type: string; id?: string; data?: unknown }
    if (frame.type === "hook") {
      if (count < total) latencies[count++] = preciseNow() - sentAtOf(frame.data)
      ws.send(JSON.stringify({ type: "ack", hookId: frame.id }))
    } else if (frame.type === "ping") ws.send("{\"type\":\"pong\"}")
  })
  const done = await server.nextMessage<Done>()
  const used = cpuNanos() - cpu
  ws.close(1000)
  return { perSecond: total / (done.millis / 1000), latencies: Array.from(latencies), cpuMicrosPerDelivery: used / total / 1000 }
}

const runSdk = (
  server: Child,
  layer: Layer.Layer<
    PosthookConfig.PosthookConfig | HttpClient.HttpClient | Socket.WebSocketConstructor,
    Config.ConfigError
  >,
  total: number,
  window: number
): Promise<RunResult> =>
  Effect.runPromise(
    Effect.scoped(Effect.gen(function*() {
      yield* Effect.promise(() => schedule(server, total, window))
      const latencies = new Float64Array(total)
      let count = 0
      const cpu = cpuNanos()
      yield* Listener.listen((delivery) =>
        Effect.sync(() => {
          if (count < total) latencies[count++] = preciseNow() - sentAtOf(delivery.data)
          return Delivery.Result.ack()
        })
      )
      const done = yield* Effect.promise(() => server.nextMessage<Done>())
      const used = cpuNanos() - cpu
      return { perSecond: total / (done.millis / 1000), latencies: Array.from(latencies), cpuMicrosPerDelivery: used / total / 1000 }
    })).pipe(Effect.provide(layer))
  )

export const benchmark: Benchmark = {
  name: "websocket",
  title: "Listener.listen vs a raw ws client, acking every delivery",
  run: async (options) => {
    const server = startChild(process.execPath, ["bench/fixtures/wsServer.mjs"])
    const { port } = await server.nextMessage<{ port: number }>()
    const baseUrl = `http://127.0.0.1:${port}`
    const baseLayer = Layer.mergeAll(PosthookConfig.layer({ apiKey: "pk_bench", baseUrl }), NodeHttpClient.layerUndici)
    const layer = Layer.merge(baseLayer, NodeWS.layerWebSocketConstructor)
    const globalLayer = Layer.merge(baseLayer, Socket.layerWebSocketConstructorGlobal)
    const total = options.quick ? 5_000 : 50_000
    const window = 1_000
    const rounds = options.quick ? 2 : 5
    const oneAtATime = options.quick ? 500 : 3_000
    try {
      // Warm-up.
      await runRaw(server, baseUrl, options.quick ? 1_000 : 5_000, window)
      await runSdk(server, layer, options.quick ? 1_000 : 5_000, window)
      await runSdk(server, globalLayer, options.quick ? 1_000 : 5_000, window)
      // Interleaved rounds of the raw client and the listener(s) against the same server process.
      const atOnce = await interleaved(rounds, {
        raw: () => runRaw(server, baseUrl, total, total),
        ws: () => runSdk(server, layer, total, total),
        global: () => runSdk(server, globalLayer, total, total)
      }, (round) => log(`  all at once, round ${round + 1}/${rounds}`))
      const { raw, sdk } = await interleaved(rounds, {
        raw: () => runRaw(server, baseUrl, total, window),
        sdk: () => runSdk(server, layer, total, window)
      }, (round) => log(`  ${window} in flight, round ${round + 1}/${rounds}`))
      const rawSingle = await runRaw(server, baseUrl, oneAtATime, 1)
      const sdkSingle = await runSdk(server, layer, oneAtATime, 1)

      const perSecond = (side: ReadonlyArray<RunResult>) => median(side.map((run) => run.perSecond))
      const latency = (side: ReadonlyArray<RunResult>, p: number) =>
        median(side.map((run) => percentile(run.latencies, p)))
      const cpu = (side: ReadonlyArray<RunResult>) => median(side.map((run) => run.cpuMicrosPerDelivery))
      const totalText = total.toLocaleString("en-US")
      const rows: Array<Row> = [
        {
          bench: "websocket",
          measure: `listen, ${totalText} deliveries sent at once`,
          unit: "deliveries/s",
          sdk: perSecond(atOnce.ws),
          baseline: perSecond(atOnce.raw),
          goal: { kind: "ratioMin", value: 0.95 },
          note: `median of ${rounds} interleaved runs; both on the ws package; baseline: raw ws client (JSON.parse + ack)`
        },
        {
          bench: "websocket",
          measure: `listen on Node's global WebSocket, ${totalText} at once`,
          unit: "deliveries/s",
          sdk: perSecond(atOnce.global),
          baseline: perSecond(atOnce.raw),
          note: "the SDK on undici's WebSocket, the baseline on ws: includes undici vs ws"
        },
        {
          bench: "websocket",
          measure: `client CPU per delivery, ${totalText} at once`,
          unit: "µs CPU",
          sdk: cpu(atOnce.ws),
          baseline: cpu(atOnce.raw)
        },
        {
          bench: "websocket",
          measure: `listen, ${totalText} deliveries acked, ${window} in flight`,
          unit: "deliveries/s",
          sdk: perSecond(sdk),
          baseline: perSecond(raw),
          goal: { kind: "ratioMin", value: 0.95 },
          note: `median of ${rounds} interleaved runs; both on the ws package`
        },
        {
          bench: "websocket",
          measure: `dispatch latency p50, ${window} in flight`,
          unit: "ms",
          sdk: latency(sdk, 50),
          baseline: latency(raw, 50),
          note: "server send → handler start; under load it is mostly queueing behind the window"
        },
        {
          bench: "websocket",
          measure: `dispatch latency p99, ${window} in flight`,
          unit: "ms",
          sdk: latency(sdk, 99),
          baseline: latency(raw, 99)
        },
        {
          bench: "websocket",
          measure: "dispatch latency p50, one at a time",
          unit: "ms",
          sdk: percentile(sdkSingle.latencies, 50),
          baseline: percentile(rawSingle.latencies, 50),
          note: `${oneAtATime} deliveries, each sent after the previous ack`
        },
        {
          bench: "websocket",
          measure: "dispatch latency p99, one at a time",
          unit: "ms",
          sdk: percentile(sdkSingle.latencies, 99),
          baseline: percentile(rawSingle.latencies, 99)
        },
        {
          bench: "websocket",
          measure: `client CPU per delivery, ${window} in flight`,
          unit: "µs CPU",
          sdk: cpu(sdk),
          baseline: cpu(raw)
        }
      ]
      return rows
    } finally {
      await server.stop()
    }
  }
}
