/**
 * The local server (posthook-effect/server, built: dist/server.js), each
 * phase in a fresh plain-`node` process of its own (bench/fixtures/localServer.mjs)
 * with the memory store, as `posthook dev` runs it:
 *
 * 1. schedules per second: `hooks.schedule` through the SDK, 32 at a time,
 *    against the same requests made with undici `fetch`.
 * 2. lateness: 10,000 hooks (quick: 200) due within one second, delivered
 *    over HTTP to an endpoint in this process; lateness = arrival − postAt
 *    (end to end) and attempt start − postAt (the scheduler alone).
 * 3. memory: the server's RSS after a full GC with 100,000 pending hooks
 *    (quick: 500), against the same process idle.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, ManagedRuntime } from "effect"
import * as Http from "node:http"
import { Hooks, PosthookConfig } from "posthook-effect"
import { type Benchmark, type Child, log, median, percentile, preciseNow, type Row, runConcurrently, sleep, startChild } from "./util.js"

const CONCURRENCY = 32
const MB = 1024 * 1024

interface Started {
  readonly child: Child
  readonly baseUrl: string
  readonly apiKey: string
}

interface Stats {
  readonly rss: number
  readonly heapUsed: number
  readonly heapTotal: number
  readonly external: number
  readonly pending: number
}

const startServer = async (targetOrigin?: string): Promise<Started> => {
  const child = startChild(process.execPath, ["--expose-gc", "bench/fixtures/localServer.mjs"])
  child.send({ start: targetOrigin === undefined ? {} : { targetOrigin } })
  const { apiKey, baseUrl } = await child.nextMessage<{ baseUrl: string; apiKey: string }>()
  return { child, baseUrl, apiKey }
}

const stats = async (server: Started): Promise<Stats> => {
  server.child.send({ stats: true })
  return server.child.nextMessage<Stats>()
}

const rawSchedule = (server: Started, body: unknown) => async () => {
  const response = await fetch(`${server.baseUrl}/v1/hooks`, {
    method: "POST",
    headers: { "x-api-key": server.apiKey, "content-type": "application/json" },
    body: JSON.stringify(body)
  })
  if (response.status >= 300) throw new Error(`schedule answered ${response.status}: ${await response.text()}`)
  return response.json() as Promise<{ data: { id: string } }>
}

const sdkRuntime = (server: Started) =>
  ManagedRuntime.make(
    Hooks.layer.pipe(
      Layer.provide(PosthookConfig.layer({ apiKey: server.apiKey, baseUrl: server.baseUrl })),
      Layer.provide(NodeHttpClient.layerUndici)
    )
  )

/** Phase 1: schedules per second, SDK vs fetch. */
const throughput = async (quick: boolean): Promise<ReadonlyArray<Row>> => {
  const server = await startServer()
  const runtime = sdkRuntime(server)
  try {
    const hooks = await runtime.runPromise(Effect.service(Hooks.Hooks))
    const params = { path: "/webhooks/pending", postIn: "1d", data: { orderId: "ord_1", amount: 4200 } }
    const raw = async (count: number) => {
      const start = performance.now()
      await runConcurrently(count, CONCURRENCY, rawSchedule(server, params))
      return count / ((performance.now() - start) / 1000)
    }
    const sdk = (count: number) =>
      runtime.runPromise(Effect.gen(function*() {
        const start = performance.now()
        yield* Effect.forEach(Array.from({ length: count }), () => hooks.schedule(params), {
          concurrency: CONCURRENCY,
          discard: true
        })
        return count / ((performance.now() - start) / 1000)
      }))
    const count = quick ? 150 : 3_000
    const rounds = quick ? 2 : 3
    await raw(quick ? 50 : 300)
    await sdk(quick ? 50 : 300)
    const results: Record<"raw" | "sdk", Array<number>> = { raw: [], sdk: [] }
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        results.raw.push(await raw(count))
        results.sdk.push(await sdk(count))
      } else {
        results.sdk.push(await sdk(count))
        results.raw.push(await raw(count))
      }
    }
    return [{
      bench: "server",
      measure: `schedules through the SDK, ${CONCURRENCY} at a time`,
      unit: "schedules/s",
      sdk: median(results.sdk),
      baseline: median(results.raw),
      note: `${rounds} rounds × ${count}; baseline: the same POST /v1/hooks with fetch; memory store`
    }]
  } finally {
    await runtime.dispose()
    await server.child.stop()
  }
}

/** An endpoint that notes when each delivery arrived (by Posthook-Id). */
const startEndpoint = (expected: number) =>
  new Promise<{ origin: string; done: Promise<Map<string, number>>; close: () => void }>((resolve) => {
    const arrivals = new Map<string, number>()
    let finish: (arrivals: Map<string, number>) => void = () => {}
    const done = new Promise<Map<string, number>>((resolveDone) => (finish = resolveDone))
    const endpoint = Http.createServer((request, response) => {
      const arrivedAt = preciseNow()
      request.resume()
      request.on("end", () => {
        const id = request.headers["posthook-id"]
        if (typeof id === "string" && !arrivals.has(id)) arrivals.set(id, arrivedAt)
        response.writeHead(200).end()
        if (arrivals.size === expected) finish(arrivals)
      })
    })
    endpoint.keepAliveTimeout = 60_000
    endpoint.listen(0, "127.0.0.1", () => {
      const address = endpoint.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resolve({
        origin: `http://127.0.0.1:${port}`,
        done,
        close: () => {
          endpoint.closeAllConnections()
          endpoint.close()
        }
      })
    })
  })

/** Phase 2: lateness of hooks due within one second. */
const lateness = async (quick: boolean, schedulesPerSecond: number): Promise<ReadonlyArray<Row>> => {
  const due = quick ? 200 : 10_000
  const endpoint = await startEndpoint(due)
  const server = await startServer(endpoint.origin)
  const runtime = sdkRuntime(server)
  try {
    const hooks = await runtime.runPromise(Effect.service(Hooks.Hooks))
    // Scheduling must be over before the first hook is due: lead time from the measured rate, with a margin.
    const leadMillis = 2_000 + Math.ceil((1.3 * due / Math.max(50, schedulesPerSecond)) * 1000)
    const firstDue = Math.ceil(Date.now() + leadMillis)
    const postAts = Array.from({ length: due }, (_, index) => firstDue + Math.floor((index * 1000) / due))
    const ids = await runtime.runPromise(
      Effect.forEach(
        postAts,
        (postAt) => Effect.map(hooks.schedule({ path: "/bench/due", postAt: new Date(postAt), data: { n: 1 } }), (hook) => hook.id),
        { concurrency: CONCURRENCY }
      )
    )
    const late = Date.now() - firstDue
    if (late > 0) throw new Error(`scheduling ended ${late} ms after the first hook was due; lead ${leadMillis} ms`)
    // A slow machine delivers slowly; only a server that lost hooks should end up here.
    const patience = 30_000 + due * 10
    const timeout = sleep(firstDue - Date.now() + patience).then(() => undefined)
    const arrivals = await Promise.race([endpoint.done, timeout])
    if (arrivals === undefined) throw new Error(`not every hook arrived within ${patience / 1000} s of its due time`)
    server.child.send({ attempts: due * 2 })
    const { attempts } = await server.child.nextMessage<{ attempts: ReadonlyArray<[string, number]> }>()
    const startedAt = new Map<string, number>()
    for (const [hookId, at] of attempts) if (!startedAt.has(hookId) || at < startedAt.get(hookId)!) startedAt.set(hookId, at)
    const endToEnd: Array<number> = []
    const dispatch: Array<number> = []
    ids.forEach((id, index) => {
      const postAt = postAts[index]!
      endToEnd.push(arrivals.get(id)! - postAt)
      const started = startedAt.get(id)
      if (started !== undefined) dispatch.push(started - postAt)
    })
    await server.child.stop()
    const raw = await rawLateness(due)
    return [
      {
        bench: "server",
        measure: `lateness p50, ${due.toLocaleString("en-US")} hooks due within 1 s`,
        unit: "ms",
        sdk: percentile(endToEnd, 50),
        baseline: percentile(raw, 50),
        note: `endpoint arrival − postAt (end to end); attempt start − postAt: p50 ${
          percentile(dispatch, 50).toFixed(1)
        } ms; baseline: a bare dispatcher (64 workers, setTimeout + fetch, own process) sending the same schedule`
      },
      {
        bench: "server",
        measure: `lateness p99, ${due.toLocaleString("en-US")} hooks due within 1 s`,
        unit: "ms",
        sdk: percentile(endToEnd, 99),
        baseline: percentile(raw, 99),
        goal: { kind: "max", value: 20 },
        note: `attempt start − postAt: p99 ${percentile(dispatch, 99).toFixed(1)} ms, max ${
          Math.max(...dispatch).toFixed(1)
        } ms; end to end max ${Math.max(...endToEnd).toFixed(1)} ms`
      }
    ]
  } finally {
    await runtime.dispose()
    await server.child.stop()
    endpoint.close()
  }
}

/**
 * The lateness floor of this machine: the same `due` deliveries, due within
 * one second, sent by a bare dispatcher (fixtures/rawDispatcher.mjs) to a
 * fresh endpoint here.
 */
const rawLateness = async (due: number): Promise<ReadonlyArray<number>> => {
  const endpoint = await startEndpoint(due)
  try {
    const firstDue = Date.now() + 1_500
    const dispatcher = startChild(process.execPath, [
      "bench/fixtures/rawDispatcher.mjs",
      endpoint.origin,
      String(due),
      String(firstDue),
      "1000"
    ])
    await dispatcher.nextMessage()
    await dispatcher.stop()
    const arrivals = await endpoint.done
    return Array.from(
      { length: due },
      (_, index) => arrivals.get(`raw-${index}`)! - (firstDue + Math.floor((index * 1000) / due))
    )
  } finally {
    endpoint.close()
  }
}

/**
 * Right after start-up or a burst of requests V8 still holds the heap it grew
 * for them; its memory reducer hands it back within seconds of idling. Samples
 * (each after a full GC) until RSS stops falling, for 20 s at most (quick: 2 s).
 */
const settle = async (server: Started, first: Stats, quick: boolean): Promise<Stats> => {
  let settled = first
  const step = quick ? 1_000 : 2_500
  for (let waited = step; waited <= (quick ? 2_000 : 20_000); waited += step) {
    await sleep(step)
    const next = await stats(server)
    const falling = next.rss < settled.rss - 2 * MB
    settled = next
    if (!falling && waited >= (quick ? 1_000 : 7_500)) break
  }
  return settled
}

/** Phase 3: the server's RSS with many pending hooks. */
const memory = async (quick: boolean): Promise<ReadonlyArray<Row>> => {
  const pending = quick ? 500 : 100_000
  const server = await startServer()
  try {
    const idle = await settle(server, await stats(server), quick)
    let index = 0
    await runConcurrently(pending, 128, () =>
      rawSchedule(server, {
        path: `/webhooks/pending/${index % 100}`,
        postIn: "1d",
        data: { orderId: `ord_${index++}`, amount: 4200, currency: "EUR" }
      })())
    const loaded = await stats(server)
    if (loaded.pending !== pending) throw new Error(`${loaded.pending} pending hooks, expected ${pending}`)
    const settled = await settle(server, loaded, quick)
    const mb = (bytes: number) => (bytes / MB).toFixed(1)
    return [
      {
        bench: "server",
        measure: `RSS with ${pending.toLocaleString("en-US")} pending hooks, settled`,
        unit: "MB",
        sdk: settled.rss / MB,
        baseline: idle.rss / MB,
        goal: { kind: "max", value: 150 },
        note: `baseline: the same server idle; both after a full GC once RSS stopped falling; heap used ${
          mb(settled.heapUsed)
        } of ${mb(settled.heapTotal)} MB (${((settled.heapUsed - idle.heapUsed) / pending).toFixed(0)} bytes per hook)`
      },
      {
        bench: "server",
        measure: `RSS right after scheduling ${pending.toLocaleString("en-US")}`,
        // against the settled idle process
        unit: "MB",
        sdk: loaded.rss / MB,
        baseline: idle.rss / MB,
        note: `heap used ${mb(loaded.heapUsed)} of ${mb(loaded.heapTotal)} MB: V8 still holds the heap grown for the burst`
      }
    ]
  } finally {
    await server.child.stop()
  }
}

export const benchmark: Benchmark = {
  name: "server",
  title: "local server: schedules/s, lateness, RSS with pending hooks",
  run: async (options) => {
    // Each phase on its own: one that fails still leaves the others' rows.
    const phase = async (name: string, goal: Row["goal"], run: () => Promise<ReadonlyArray<Row>>) => {
      try {
        return await run()
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        log(`  ${name} failed: ${message}`)
        return [{ bench: "server", measure: `${name} (failed)`, unit: "", sdk: Number.NaN, goal, note: message }]
      }
    }
    const first = await phase("schedules/s", undefined, () => throughput(options.quick))
    const rate = first[0]!.sdk
    log(`  schedules/s: ${rate.toFixed(0)} via the SDK, ${first[0]!.baseline?.toFixed(0)} raw`)
    const second = await phase("lateness", { kind: "max", value: 20 }, () =>
      lateness(options.quick, Number.isNaN(rate) ? 100 : rate))
    const third = await phase("RSS with pending hooks", { kind: "max", value: 150 }, () => memory(options.quick))
    return [...first, ...second, ...third]
  }
}
