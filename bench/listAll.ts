/**
 * listAll: streaming 100,000 hooks (quick: 10,000) from a local server
 * (bench/fixtures/listServer.mjs, its own process; four hooks share each
 * postAt, so pages cut through runs of equal timestamps) with
 * `hooks.listAll({ pageSize: 1000 })`, against undici `fetch` paging through
 * the same hooks by offset and `JSON.parse`-ing each page.
 *
 * - hooks per second (median of rounds), and the client's CPU per hook;
 * - memory: the heap still in use after a full GC, sampled every tenth of the
 *   stream. A stream that holds pages would grow with the hooks seen; the
 *   measure is the largest sample minus the first (must stay flat), plus the
 *   peak RSS. Runs with --expose-gc (the runner passes it).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, ManagedRuntime, Stream } from "effect"
import { Hooks, PosthookConfig } from "posthook-effect"
import { type Benchmark, collectGarbage, cpuNanos, log, median, type Row, startChild } from "./util.js"

const PAGE_SIZE = 1000
const MB = 1024 * 1024

interface Run {
  readonly hooks: number
  readonly seconds: number
  /** Process CPU over the run (the server is another process), nanoseconds. */
  readonly cpuNanos: number
  /** Heap in use after a GC at each tenth of the stream (memory runs only), bytes. */
  readonly heap: ReadonlyArray<number>
  readonly peakRss: number
}

/** Calls `sample` at every tenth of `total`; with `gc`, after a full collection. */
const sampler = (total: number, gc: boolean) => {
  const heap: Array<number> = []
  let peakRss = 0
  const step = Math.max(1, Math.floor(total / 10))
  return {
    heap,
    peakRss: () => peakRss,
    seen: (count: number) => {
      if (count % step !== 0) return
      if (gc) {
        collectGarbage()
        heap.push(process.memoryUsage().heapUsed)
      }
      peakRss = Math.max(peakRss, process.memoryUsage.rss())
    }
  }
}

export const benchmark: Benchmark = {
  name: "listAll",
  title: "hooks.listAll over a local server vs fetch + JSON.parse paging",
  nodeFlags: ["--expose-gc"],
  run: async (options) => {
    const total = options.quick ? 10_000 : 100_000
    const server = startChild(process.execPath, ["bench/fixtures/listServer.mjs", String(total)])
    const { port } = await server.nextMessage<{ port: number }>()
    const baseUrl = `http://127.0.0.1:${port}`
    const runtime = ManagedRuntime.make(
      Hooks.layer.pipe(
        Layer.provide(PosthookConfig.layer({ apiKey: "pk_bench", baseUrl })),
        Layer.provide(NodeHttpClient.layerUndici)
      )
    )
    const hooks = await runtime.runPromise(Effect.service(Hooks.Hooks))

    const raw = async (gc: boolean): Promise<Run> => {
      const sample = sampler(total, gc)
      const cpu = cpuNanos()
      const start = performance.now()
      let count = 0
      for (let offset = 0;; offset += PAGE_SIZE) {
        const response = await fetch(
          `${baseUrl}/v1/hooks?sortBy=postAt&sortOrder=ASC&limit=${PAGE_SIZE}&offset=${offset}`,
          { headers: { "x-api-key": "pk_bench", accept: "application/json" } }
        )
        const page = (await response.json()) as { data: ReadonlyArray<unknown> }
        for (let index = 0; index < page.data.length; index++) sample.seen(++count)
        if (page.data.length < PAGE_SIZE) break
      }
      const seconds = (performance.now() - start) / 1000
      return { hooks: count, seconds, cpuNanos: cpuNanos() - cpu, heap: sample.heap, peakRss: sample.peakRss() }
    }
    const sdk = (gc: boolean): Promise<Run> =>
      runtime.runPromise(Effect.gen(function*() {
        const sample = sampler(total, gc)
        const cpu = cpuNanos()
        const start = performance.now()
        let count = 0
        yield* hooks.listAll({ pageSize: PAGE_SIZE }).pipe(Stream.runForEach(() => Effect.sync(() => sample.seen(++count))))
        const seconds = (performance.now() - start) / 1000
        return { hooks: count, seconds, cpuNanos: cpuNanos() - cpu, heap: sample.heap, peakRss: sample.peakRss() }
      }))

    try {
      const rounds = options.quick ? 2 : 5
      const timed: Record<"raw" | "sdk", Array<Run>> = { raw: [], sdk: [] }
      await raw(false)
      await sdk(false)
      for (let round = 0; round < rounds; round++) {
        if (round % 2 === 0) {
          timed.raw.push(await raw(false))
          timed.sdk.push(await sdk(false))
        } else {
          timed.sdk.push(await sdk(false))
          timed.raw.push(await raw(false))
        }
        log(`  round ${round + 1}/${rounds}: ${timed.sdk.at(-1)!.hooks} hooks via the SDK, ${timed.raw.at(-1)!.hooks} raw`)
      }
      if (timed.sdk.some((run) => run.hooks !== total)) {
        throw new Error(`listAll yielded ${timed.sdk.map((run) => run.hooks).join(", ")} hooks, expected ${total}`)
      }
      collectGarbage()
      const memoryRaw = await raw(true)
      collectGarbage()
      const memorySdk = await sdk(true)

      const perSecond = (side: ReadonlyArray<Run>) => median(side.map((run) => run.hooks / run.seconds))
      const cpuPerHook = (side: ReadonlyArray<Run>) => median(side.map((run) => run.cpuNanos / run.hooks / 1000))
      const growth = (run: Run) => (Math.max(...run.heap) - run.heap[0]!) / MB
      const gcAvailable = typeof (globalThis as { gc?: unknown }).gc === "function"
      const rows: Array<Row> = [
        {
          bench: "listAll",
          measure: `listAll ${total.toLocaleString("en-US")} hooks, page ${PAGE_SIZE}`,
          unit: "hooks/s",
          sdk: perSecond(timed.sdk),
          baseline: perSecond(timed.raw),
          goal: { kind: "ratioMin", value: 0.8 },
          note: `${rounds} interleaved rounds; baseline: fetch + JSON.parse, paging by offset; the SDK also ` +
            "decodes every Hook (every field checked, dates parsed) and keeps the postAt cursor exact"
        },
        {
          bench: "listAll",
          measure: "client CPU per hook",
          unit: "µs CPU/hook",
          sdk: cpuPerHook(timed.sdk),
          baseline: cpuPerHook(timed.raw),
          note: "process CPU of a timed round ÷ hooks (the server is another process; GC and compiler threads count)"
        },
        {
          bench: "listAll",
          measure: "heap growth over the stream (after GC)",
          unit: "MB",
          sdk: growth(memorySdk),
          baseline: growth(memoryRaw),
          goal: { kind: "max", value: 8 },
          note: gcAvailable
            ? `largest minus first of 10 post-GC samples; heap at the samples: ${
              memorySdk.heap.map((bytes) => (bytes / MB).toFixed(1)).join(", ")
            } MB`
            : "run without --expose-gc: samples are not after a GC"
        },
        {
          bench: "listAll",
          measure: "peak RSS while streaming",
          unit: "MB",
          sdk: memorySdk.peakRss / MB,
          baseline: memoryRaw.peakRss / MB,
          note: "whole process (benchmark harness included)"
        }
      ]
      return rows
    } finally {
      await runtime.dispose()
      await server.stop()
    }
  }
}
