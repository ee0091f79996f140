/**
 * WebSocket listen: `Listener.listen` with a handler that acks at once,
 * against a raw `ws` client that parses each frame and acks it, both fed by
 * the same local server (bench/fixtures/wsServer.mjs, its own process).
 *
 * - throughput: the server keeps 1,000 deliveries in flight (a new one for
 *   each answer) until 50,000 are acked; deliveries/s.
 * - dispatch latency: the server's send time travels in the frame; the
 *   handler notes `now − sentAt` (one clock, two processes). Reported under
 *   that load, and one delivery at a time (no queueing: the pure cost).
 *   Quick mode: 5,000 deliveries, 500 one at a time.
 * - client CPU per delivery.
 *
 * The SDK runs on Node's global WebSocket (`Socket.layerWebSocketConstructorGlobal`,
 * what the README recommends); the baseline on `ws`.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type { Config } from "effect"
import { Effect, Layer } from "effect"
import type * as HttpClient from "effect/http/HttpClient"
import * as Socket from "effect/socket/Socket"
import { WebSocket } from "ws"
import { Delivery, Listener, PosthookConfig } from "posthook-effect"
import { type Benchmark, type Child, cpuNanos, log, median, percentile, preciseNow, type Row, startChild } from "./util.js"

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
    const layer = Layer.mergeAll(
      PosthookConfig.layer({ apiKey: "pk_bench", baseUrl }),
      NodeHttpClient.layerUndici,
      Socket.layerWebSocketConstructorGlobal
    )
    const total = options.quick ? 5_000 : 50_000
    const window = 1_000
    const rounds = options.quick ? 2 : 3
    const oneAtATime = options.quick ? 500 : 3_000
    try {
      // Warm-up.
      await runRaw(server, baseUrl, options.quick ? 1_000 : 5_000, window)
      await runSdk(server, layer, options.quick ? 1_000 : 5_000, window)
      const raw: Array<RunResult> = []
      const sdk: Array<RunResult> = []
      for (let round = 0; round < rounds; round++) {
        if (round % 2 === 0) {
          raw.push(await runRaw(server, baseUrl, total, window))
          sdk.push(await runSdk(server, layer, total, window))
        } else {
          sdk.push(await runSdk(server, layer, total, window))
          raw.push(await runRaw(server, baseUrl, total, window))
        }
        log(`  round ${round + 1}/${rounds}: ${Math.round(sdk.at(-1)!.perSecond)} vs ${Math.round(raw.at(-1)!.perSecond)} deliveries/s`)
      }
      const rawSingle = await runRaw(server, baseUrl, oneAtATime, 1)
      const sdkSingle = await runSdk(server, layer, oneAtATime, 1)

      const perSecond = (side: ReadonlyArray<RunResult>) => median(side.map((run) => run.perSecond))
      const latency = (side: ReadonlyArray<RunResult>, p: number) =>
        median(side.map((run) => percentile(run.latencies, p)))
      const cpu = (side: ReadonlyArray<RunResult>) => median(side.map((run) => run.cpuMicrosPerDelivery))
      const rows: Array<Row> = [
        {
          bench: "websocket",
          measure: `listen, ${total.toLocaleString("en-US")} deliveries acked`,
          unit: "deliveries/s",
          sdk: perSecond(sdk),
          baseline: perSecond(raw),
          goal: { kind: "ratioMin", value: 0.8 },
          note: `${window} in flight; median of ${rounds} runs; baseline: raw ws client (JSON.parse + ack)`
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
          measure: "client CPU per delivery",
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
