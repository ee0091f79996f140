/**
 * REST: `hooks.schedule` through the SDK (NodeHttpClient.layerUndici) against
 * the same request made with undici `fetch` (Node's global) plus
 * `response.json()`, both talking to a minimal local HTTP server
 * (bench/fixtures/fixedServer.mjs, its own process, keep-alive) that answers
 * every request 200 with a fixed `{"data": Hook}` and the quota headers.
 *
 * - sequential: 1,000 calls one after the other; time per call (the round's
 *   wall time ÷ calls: every cost counts, garbage collection included), with
 *   the per-call latency p50/p99 next to it.
 * - concurrent: 4,000 calls over 64 callers; calls per second.
 * - client CPU per call (the server runs in another process).
 * - sequential, Linux only: where the main thread's wall time goes per call,
 *   from /proc/self/task/<pid>/schedstat: on a CPU, runnable but waiting for
 *   one (run queue: other processes and this process's own GC and compiler
 *   threads), and the rest (blocked, mostly in epoll for the server's answer).
 *   Process CPU counts helper threads too, so "wall ÷ CPU" alone misreads
 *   run-queue time as time spent waiting for the server.
 *
 * Medians of 5 rounds, the SDK and fetch alternating within each round.
 * The baseline sends the same headers and body as the SDK; the SDK also
 * validates the request, decodes the Hook (dates included) and the quota
 * headers: that is the overhead being measured.
 */
import { readFileSync } from "node:fs"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, ManagedRuntime } from "effect"
import { Hooks, PosthookConfig } from "posthook-effect"
import {
  type Benchmark,
  cpuNanos,
  interleaved,
  log,
  median,
  percentile,
  type Row,
  runConcurrently,
  startChild
} from "./util.js"

const API_KEY = "pk_bench_0123456789"
const CONCURRENCY = 64
const PARAMS = { path: "/webhooks/user-created", postIn: "5m", data: { userId: "123", event: "user.created" } } as const
const REQUEST_BODY = JSON.stringify(PARAMS)
/** The headers the SDK sends (its User-Agent has the same length class). */
const RAW_HEADERS = {
  "x-api-key": API_KEY,
  "user-agent": "posthook-bench-raw/0.0.0 (Node.js 22; linux)",
  "content-type": "application/json",
  accept: "application/json"
} as const

interface Round {
  /** Per-call latencies in ms (sequential rounds). */
  readonly latencies: ReadonlyArray<number>
  readonly seconds: number
  readonly cpuNanos: number
  readonly calls: number
  /** The main thread's scheduler times over the round (Linux; absent elsewhere). */
  readonly mainThread?: MainThreadTimes | undefined
}

/** Nanoseconds the main thread spent on a CPU and runnable waiting for one. */
interface MainThreadTimes {
  readonly onCpu: number
  readonly runQueue: number
}

/** The main thread's cumulative times from Linux's schedstat, `undefined` elsewhere. */
const mainThreadTimes = (): MainThreadTimes | undefined => {
  try {
    const [onCpu, runQueue] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ").map(Number)
    return onCpu === undefined || runQueue === undefined || Number.isNaN(onCpu) || Number.isNaN(runQueue)
      ? undefined
      : { onCpu, runQueue }
  } catch {
    return undefined
  }
}

const mainThreadSince = (start: MainThreadTimes | undefined): MainThreadTimes | undefined => {
  const end = mainThreadTimes()
  return start === undefined || end === undefined
    ? undefined
    : { onCpu: end.onCpu - start.onCpu, runQueue: end.runQueue - start.runQueue }
}

export const benchmark: Benchmark = {
  name: "rest",
  title: "hooks.schedule vs undici fetch against a fixed-200 local server",
  run: async (options) => {
    const server = startChild(process.execPath, ["bench/fixtures/fixedServer.mjs"])
    const { port } = await server.nextMessage<{ port: number }>()
    const baseUrl = `http://127.0.0.1:${port}`
    const runtime = ManagedRuntime.make(
      Hooks.layer.pipe(
        Layer.provide(PosthookConfig.layer({ apiKey: API_KEY, baseUrl })),
        Layer.provide(NodeHttpClient.layerUndici)
      )
    )
    const hooks = await runtime.runPromise(Effect.service(Hooks.Hooks))

    const fetchOnce = async () => {
      const response = await fetch(`${baseUrl}/v1/hooks`, {
        method: "POST",
        headers: RAW_HEADERS,
        body: REQUEST_BODY
      })
      if (response.status !== 200) throw new Error(`fetch answered ${response.status}`)
      return response.json()
    }

    const sequentialRaw = async (calls: number): Promise<Round> => {
      const latencies: Array<number> = []
      const thread = mainThreadTimes()
      const cpu = cpuNanos()
      const start = performance.now()
      for (let i = 0; i < calls; i++) {
        const before = performance.now()
        await fetchOnce()
        latencies.push(performance.now() - before)
      }
      const seconds = (performance.now() - start) / 1000
      return { latencies, seconds, cpuNanos: cpuNanos() - cpu, calls, mainThread: mainThreadSince(thread) }
    }
    const sequentialSdk = (calls: number): Promise<Round> =>
      runtime.runPromise(Effect.gen(function*() {
        const latencies: Array<number> = []
        const thread = mainThreadTimes()
        const cpu = cpuNanos()
        const start = performance.now()
        for (let i = 0; i < calls; i++) {
          const before = performance.now()
          yield* hooks.schedule(PARAMS)
          latencies.push(performance.now() - before)
        }
        const seconds = (performance.now() - start) / 1000
        return { latencies, seconds, cpuNanos: cpuNanos() - cpu, calls, mainThread: mainThreadSince(thread) }
      }))
    const concurrentRaw = async (calls: number): Promise<Round> => {
      const cpu = cpuNanos()
      const start = performance.now()
      await runConcurrently(calls, CONCURRENCY, fetchOnce)
      return { latencies: [], seconds: (performance.now() - start) / 1000, cpuNanos: cpuNanos() - cpu, calls }
    }
    const concurrentSdk = (calls: number): Promise<Round> =>
      runtime.runPromise(Effect.gen(function*() {
        const cpu = cpuNanos()
        const start = performance.now()
        yield* Effect.forEach(Array.from({ length: calls }), () => hooks.schedule(PARAMS), {
          concurrency: CONCURRENCY,
          discard: true
        })
        return { latencies: [], seconds: (performance.now() - start) / 1000, cpuNanos: cpuNanos() - cpu, calls }
      }))

    const rounds = options.quick ? 2 : 5
    const sequentialCalls = options.quick ? 200 : 1_000
    const concurrentCalls = options.quick ? 640 : 4_000
    try {
      // Two phases, each warmed up and then measured in interleaved rounds: the
      // sequential rounds do not run right after 64-connection bursts.
      const warmup = options.quick ? 100 : 300
      await sequentialRaw(warmup)
      await sequentialSdk(warmup)
      const sequential = await interleaved(rounds, {
        raw: () => sequentialRaw(sequentialCalls),
        sdk: () => sequentialSdk(sequentialCalls)
      }, (round) => log(`  sequential round ${round + 1}/${rounds}`))
      await concurrentRaw(warmup * 3)
      await concurrentSdk(warmup * 3)
      const concurrent = await interleaved(rounds, {
        raw: () => concurrentRaw(concurrentCalls),
        sdk: () => concurrentSdk(concurrentCalls)
      }, (round) => log(`  concurrent round ${round + 1}/${rounds}`))
      const results = { seqRaw: sequential.raw, seqSdk: sequential.sdk, conRaw: concurrent.raw, conSdk: concurrent.sdk }
      const perCall = (side: Array<Round>) => median(side.map((round) => (round.seconds / round.calls) * 1e6))
      const latency = (side: Array<Round>) => median(side.map((round) => median(round.latencies) * 1000))
      const p99 = (side: Array<Round>) => percentile(side.flatMap((round) => round.latencies), 99) * 1000
      const throughput = (side: Array<Round>) => median(side.map((round) => round.calls / round.seconds))
      const cpuPerCall = (side: Array<Round>) => median(side.map((round) => round.cpuNanos / round.calls / 1000))
      /** Median per-call µs of one part of the main thread's time; `undefined` without schedstat. */
      const threadPart = (side: Array<Round>, part: (round: Round, thread: MainThreadTimes) => number) => {
        const values = side.flatMap((round) =>
          round.mainThread === undefined ? [] : [part(round, round.mainThread) / round.calls]
        )
        return values.length === side.length ? median(values) : undefined
      }
      const onCpu = (side: Array<Round>) => threadPart(side, (_, thread) => thread.onCpu / 1000)
      const runQueue = (side: Array<Round>) => threadPart(side, (_, thread) => thread.runQueue / 1000)
      const blocked = (side: Array<Round>) =>
        threadPart(side, (round, thread) => round.seconds * 1e6 - (thread.onCpu + thread.runQueue) / 1000)
      const threadRows = (
        [
          ["main thread on CPU", onCpu, "the main thread's own CPU (process CPU also counts GC/compiler threads)"],
          ["main thread runnable, waiting for a CPU", runQueue, "run-queue time: load from other processes and own helper threads"],
          ["main thread blocked", blocked, "wall − on CPU − run queue: mostly epoll, waiting for the server"]
        ] as const
      ).flatMap(([label, part, note]): Array<Row> => {
        const sdk = part(results.seqSdk)
        const baseline = part(results.seqRaw)
        return sdk === undefined || baseline === undefined
          ? []
          : [{ bench: "rest", measure: `schedule, sequential: ${label}`, unit: "µs/call", sdk, baseline, note }]
      })
      const rows: Array<Row> = [
        {
          bench: "rest",
          measure: "schedule, sequential: time per call",
          unit: "µs/call",
          sdk: perCall(results.seqSdk),
          baseline: perCall(results.seqRaw),
          goal: { kind: "ratioMax", value: 1.05 },
          note: `wall time of a round ÷ calls; ${rounds} rounds × ${sequentialCalls} calls; ` +
            `latency p99 ${p99(results.seqSdk).toFixed(0)} vs ${p99(results.seqRaw).toFixed(0)} µs`
        },
        {
          bench: "rest",
          measure: "schedule, sequential: latency p50",
          unit: "µs/call",
          sdk: latency(results.seqSdk),
          baseline: latency(results.seqRaw),
          note: "median of the rounds' per-call median latencies (no goal: the issue's measure is time per call)"
        },
        {
          bench: "rest",
          measure: `schedule, ${CONCURRENCY} concurrent callers`,
          unit: "calls/s",
          sdk: throughput(results.conSdk),
          baseline: throughput(results.conRaw),
          goal: { kind: "ratioMin", value: 0.95 },
          note: `${rounds} rounds × ${concurrentCalls} calls`
        },
        {
          bench: "rest",
          measure: "schedule, client CPU per call (sequential)",
          unit: "µs CPU/call",
          sdk: cpuPerCall(results.seqSdk),
          baseline: cpuPerCall(results.seqRaw)
        },
        {
          bench: "rest",
          measure: `schedule, client CPU per call (${CONCURRENCY} concurrent)`,
          unit: "µs CPU/call",
          sdk: cpuPerCall(results.conSdk),
          baseline: cpuPerCall(results.conRaw)
        },
        ...threadRows
      ]
      return rows
    } finally {
      await runtime.dispose()
      await server.stop()
    }
  }
}
