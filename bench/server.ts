/**
 * The local server (posthook-effect/server, built: dist/server.js), each
 * phase in a fresh plain-`node` process of its own (bench/fixtures/localServer.mjs)
 * with the memory store, as `posthook dev` runs it:
 *
 * 1. schedules per second: `hooks.schedule` through the SDK, 32 at a time,
 *    against the same requests made with undici `fetch`.
 * 2. HTTP delivery throughput: 4,000 hooks (quick: 500) due at one instant,
 *    delivered to a receiver process (fixtures/serverReceiver.mjs), against a
 *    bare undici dispatcher (fixtures/serverRawDispatcher.mjs, one process for
 *    the whole phase, warmed up by a first round as the server is) sending
 *    requests of the same shape to the same receiver. Goal ≥ 0.9×.
 * 3. lateness: 1,000 hooks due within one second over HTTP (goal p99 ≤ 50 ms)
 *    and over WebSocket (≤ 20 ms), 10,000 over WebSocket (≤ 250 ms) and over
 *    HTTP (no goal); quick: 200 and 500. Lateness = arrival − postAt (end to
 *    end), with attempt start − postAt (the scheduler alone) in the notes.
 * 4. memory: the server's RSS with 100,000 pending hooks (quick: 500), left
 *    alone after the burst with no GC forced until V8 has handed the burst's
 *    pages back, against the same process idle; then after one
 *    memory-reducing GC (the floor, and the heap per hook).
 *
 * BENCH_SERVER_NODE_FLAGS adds node flags to the server processes (e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`); POSTHOOK_SERVER_ENTRY loads another
 * build of the server entry than dist/server.js (see fixtures/localServer.mjs).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, ManagedRuntime } from "effect"
import { Hooks, PosthookConfig } from "posthook-effect"
import { WebSocket } from "ws"
import {
  type Benchmark,
  type Child,
  interleaved,
  log,
  median,
  percentile,
  preciseNow,
  type Row,
  runConcurrently,
  sleep,
  startChild
} from "./util.js"

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
  /** V8 heap space name → [committed, used] bytes. */
  readonly spaces: Readonly<Record<string, readonly [number, number]>>
}

/** Extra node flags for the server processes, e.g. `--cpu-prof` (BENCH_SERVER_NODE_FLAGS, space-separated). */
const serverNodeFlags = (process.env.BENCH_SERVER_NODE_FLAGS ?? "").split(" ").filter((flag) => flag.length > 0)

const startServer = async (targetOrigin?: string): Promise<Started> => {
  const child = startChild(process.execPath, ["--expose-gc", ...serverNodeFlags, "bench/fixtures/localServer.mjs"])
  child.send({ start: targetOrigin === undefined ? {} : { targetOrigin } })
  const { apiKey, baseUrl } = await child.nextMessage<{ baseUrl: string; apiKey: string }>()
  return { child, baseUrl, apiKey }
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

/** The receiving endpoint (fixtures/serverReceiver.mjs), in a process of its own. */
interface Receiver {
  readonly child: Child
  readonly origin: string
}

interface Round {
  readonly first: number
  readonly last: number
  readonly arrivals?: ReadonlyArray<[string, number]>
}

const startReceiver = async (): Promise<Receiver> => {
  const child = startChild(process.execPath, ["bench/fixtures/serverReceiver.mjs"])
  const { origin } = await child.nextMessage<{ origin: string }>()
  return { child, origin }
}

/** A bare `ws` listener in this process that acks every hook frame at once and notes when it arrived. */
const startListener = (server: Started, expected: number) =>
  new Promise<{ done: Promise<Map<string, number>>; close: () => void }>((resolve, reject) => {
    fetch(`${server.baseUrl}/v1/ws/ticket`, { method: "POST", headers: { "x-api-key": server.apiKey } })
      .then((response) => response.json() as Promise<{ data: { ticket: string; url: string } }>)
      .then(({ data }) => {
        const arrivals = new Map<string, number>()
        let finish: (arrivals: Map<string, number>) => void = () => {}
        const done = new Promise<Map<string, number>>((resolveDone) => (finish = resolveDone))
        const socket = new WebSocket(`${data.url}?ticket=${encodeURIComponent(data.ticket)}`)
        socket.on("error", reject)
        socket.on("message", (raw) => {
          const arrivedAt = preciseNow()
          const frame = JSON.parse(String(raw)) as { readonly type: string; readonly id?: string }
          if (frame.type === "connected") resolve({ done, close: () => socket.close() })
          if (frame.type === "hook" && frame.id !== undefined) {
            if (!arrivals.has(frame.id)) arrivals.set(frame.id, arrivedAt)
            socket.send(JSON.stringify({ type: "ack", hookId: frame.id }))
            if (arrivals.size === expected) finish(arrivals)
          }
        })
      }, reject)
  })

/** Schedules hooks due at `postAts` through the SDK, `CONCURRENCY` at a time; their ids in order. */
const scheduleDue = (runtime: ReturnType<typeof sdkRuntime>, postAts: ReadonlyArray<number>, path: string) =>
  runtime.runPromise(Effect.gen(function*() {
    const hooks = yield* Effect.service(Hooks.Hooks)
    return yield* Effect.forEach(
      postAts,
      (postAt) => Effect.map(hooks.schedule({ path, postAt: new Date(postAt), data: { n: 1 } }), (hook) => hook.id),
      { concurrency: CONCURRENCY }
    )
  }))

/** Lead time for scheduling `count` hooks at `schedulesPerSecond`, with a margin. */
const leadFor = (count: number, schedulesPerSecond: number): number =>
  2_000 + Math.ceil((1.8 * count / Math.max(50, schedulesPerSecond)) * 1000)

/**
 * Phase 2: HTTP delivery throughput. `count` hooks due at one instant, delivered by the
 * server (64 deliveries in flight) to a receiver in another process, against a bare undici
 * dispatcher (fixtures/serverRawDispatcher.mjs, 64 workers, one long-lived process, warmed up
 * like the server) sending as many requests of the same shape to the same receiver. Rate = (count − 1) ÷ (last − first
 * arrival), both measured by the receiver.
 */
const deliveryThroughput = async (quick: boolean, schedulesPerSecond: number): Promise<ReadonlyArray<Row>> => {
  const count = quick ? 500 : 4_000
  const rounds = quick ? 2 : 5
  const receiver = await startReceiver()
  const server = await startServer(receiver.origin)
  // One process for every raw round, warmed up by the first like the server (see the fixture).
  const dispatcher = startChild(process.execPath, ["bench/fixtures/serverRawDispatcher.mjs", receiver.origin])
  try {
    const rate = (round: Round) => (count - 1) / ((round.last - round.first) / 1000)
    let roundNumber = 0
    const raw = async () => {
      receiver.child.send({ expect: count })
      dispatcher.send({ count, prefix: `raw-${roundNumber++}`, startAt: Date.now() + 300 })
      await dispatcher.nextMessage()
      return rate(await receiver.child.nextMessage<Round>())
    }
    // After the first round, the lead time follows how long scheduling really took (rounds run minutes faster).
    let lead = leadFor(count, schedulesPerSecond)
    const sdk = async () => {
      receiver.child.send({ expect: count })
      const scheduling = Date.now()
      const dueAt = scheduling + lead
      let index = 0
      await runConcurrently(count, CONCURRENCY, () =>
        rawSchedule(server, { path: "/bench/deliver", postAt: new Date(dueAt).toISOString(), data: { n: index++ } })())
      if (Date.now() >= dueAt) throw new Error("scheduling overran the lead time")
      lead = 2_000 + Math.ceil(2 * (Date.now() - scheduling))
      return rate(await receiver.child.nextMessage<Round>())
    }
    await raw()
    await sdk()
    const results = await interleaved(rounds, { raw, sdk })
    return [{
      bench: "server",
      measure: "HTTP deliveries/s, 64 in flight",
      unit: "deliveries/s",
      sdk: median(results.sdk),
      baseline: median(results.raw),
      goal: { kind: "ratioMin", value: 0.9 },
      note: `${rounds} interleaved rounds × ${count} deliveries, each side warmed up by one round first; hooks due at one instant; baseline: a bare undici Agent (64 workers, one long-lived process of its own) sending requests of the same shape to the same receiver process`
    }]
  } finally {
    await dispatcher.stop()
    await server.child.stop()
    await receiver.child.stop()
  }
}

/** Phase 3: lateness of `due` hooks due within one second, over HTTP (to a receiver process) or WebSocket. */
const lateness = async (
  transport: "HTTP" | "WebSocket",
  due: number,
  goalMillis: number | undefined,
  schedulesPerSecond: number
): Promise<ReadonlyArray<Row>> => {
  const receiver = transport === "HTTP" ? await startReceiver() : undefined
  const server = await startServer(receiver?.origin)
  const runtime = sdkRuntime(server)
  const listener = transport === "WebSocket" ? await startListener(server, due) : undefined
  try {
    const firstDue = Math.ceil(Date.now() + leadFor(due, schedulesPerSecond))
    const postAts = Array.from({ length: due }, (_, index) => firstDue + Math.floor((index * 1000) / due))
    receiver?.child.send({ expect: due, times: true })
    const ids = await scheduleDue(runtime, postAts, "/bench/due")
    const late = Date.now() - firstDue
    if (late > 0) throw new Error(`scheduling ended ${late} ms after the first hook was due`)
    // A slow machine delivers slowly; only a server that lost hooks should end up here.
    const patience = 30_000 + due * 10
    const timeout = sleep(firstDue - Date.now() + patience).then(() => undefined)
    const arrived = receiver !== undefined
      ? receiver.child.nextMessage<Round>().then((round) => new Map(round.arrivals))
      : listener!.done
    const arrivals = await Promise.race([arrived, timeout])
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
    const raw = receiver === undefined ? undefined : await rawLateness(receiver, due)
    const count = due.toLocaleString("en-US")
    return [{
      bench: "server",
      measure: `${transport} lateness p99, ${count} hooks due within 1 s`,
      unit: "ms",
      sdk: percentile(endToEnd, 99),
      baseline: raw === undefined ? undefined : percentile(raw, 99),
      goal: goalMillis === undefined ? undefined : { kind: "max", value: goalMillis },
      note: `arrival − postAt: p50 ${percentile(endToEnd, 50).toFixed(1)}, max ${
        Math.max(...endToEnd).toFixed(1)
      } ms; attempt start − postAt (the scheduler alone): p50 ${percentile(dispatch, 50).toFixed(1)}, p99 ${
        percentile(dispatch, 99).toFixed(1)
      } ms${
        raw === undefined
          ? ""
          : `; baseline: a bare dispatcher (64 workers, setTimeout + fetch, own process) sending the same schedule (p50 ${
            percentile(raw, 50).toFixed(1)
          } ms)`
      }`
    }]
  } finally {
    listener?.close()
    await runtime.dispose()
    await server.child.stop()
    await receiver?.child.stop()
  }
}

/**
 * The lateness floor of this machine: the same `due` deliveries, due within
 * one second, sent by a bare dispatcher (fixtures/rawDispatcher.mjs) to the
 * same receiver.
 */
const rawLateness = async (receiver: Receiver, due: number): Promise<ReadonlyArray<number>> => {
  const firstDue = Date.now() + 1_500
  receiver.child.send({ expect: due, times: true })
  const dispatcher = startChild(process.execPath, [
    "bench/fixtures/rawDispatcher.mjs",
    receiver.origin,
    String(due),
    String(firstDue),
    "1000"
  ])
  await dispatcher.nextMessage()
  await dispatcher.stop()
  const arrivals = new Map((await receiver.child.nextMessage<Round>()).arrivals)
  return Array.from(
    { length: due },
    (_, index) => arrivals.get(`raw-${index}`)! - (firstDue + Math.floor((index * 1000) / due))
  )
}

const stats = async (server: Started, gc: "full" | "reduce" = "full"): Promise<Stats> => {
  server.child.send({ stats: gc === "reduce" ? "reduce" : true })
  return server.child.nextMessage<Stats>()
}

/** The server's RSS as it is: no GC forced, nothing counted (what a user's idle process holds). */
const rssAsIs = async (server: Started): Promise<number> => {
  server.child.send({ rss: true })
  return (await server.child.nextMessage<{ readonly rss: number }>()).rss
}

interface LeftAlone {
  /** RSS at the end of the wait. */
  readonly rss: number
  readonly seconds: number
  /** Seconds after the burst at which RSS first fell by 20 MB or more, if it did. */
  readonly fellAt: number | undefined
}

/**
 * The process left alone after the burst: RSS sampled every 5 s with no GC
 * forced. A forced full GC would hold V8's memory reducer back (each one
 * restarts its wait, and a regular full GC keeps emptied pages mapped for
 * reuse), so this is the only honest reading of what an idle server keeps.
 * V8's reducer judges the allocation rate over its last ~80 s, so the
 * burst's pages go back about a minute after it. Ends once RSS has fallen by
 * 20 MB and then held for 15 s, or after 150 s (quick: 4 s).
 */
const leftAlone = async (server: Started, loadedRss: number, quick: boolean): Promise<LeftAlone> => {
  const step = quick ? 1_000 : 5_000
  const limit = quick ? 4_000 : 150_000
  let rss = loadedRss
  let fellAt: number | undefined
  let steady = 0
  let waited = 0
  while (waited < limit) {
    await sleep(step)
    waited += step
    const next = await rssAsIs(server)
    if (fellAt === undefined && next < loadedRss - 20 * MB) fellAt = waited / 1000
    steady = Math.abs(next - rss) <= 2 * MB ? steady + 1 : 0
    rss = next
    if (fellAt !== undefined && steady >= 3) break
  }
  return { rss, seconds: waited / 1000, fellAt }
}

/** Phase 3: the server's RSS with many pending hooks. */
const memory = async (quick: boolean): Promise<ReadonlyArray<Row>> => {
  const pending = quick ? 500 : 100_000
  const server = await startServer()
  try {
    await sleep(quick ? 1_000 : 5_000)
    const idle = await stats(server, "reduce")
    let index = 0
    await runConcurrently(pending, 128, () =>
      rawSchedule(server, {
        path: `/webhooks/pending/${index % 100}`,
        postIn: "1d",
        data: { orderId: `ord_${index++}`, amount: 4200, currency: "EUR" }
      })())
    const loadedRss = await rssAsIs(server)
    const alone = await leftAlone(server, loadedRss, quick)
    // After reading the process as it was: one memory-reducing GC, for the heap figures (and the floor).
    const reduced = await stats(server, "reduce")
    if (reduced.pending !== pending) throw new Error(`${reduced.pending} pending hooks, expected ${pending}`)
    const mb = (bytes: number) => (bytes / MB).toFixed(1)
    return [
      {
        bench: "server",
        measure: `RSS with ${pending.toLocaleString("en-US")} pending hooks, settled`,
        unit: "MB",
        sdk: alone.rss / MB,
        baseline: idle.rss / MB,
        goal: { kind: "max", value: 130 },
        note: `left alone after the burst, no GC forced: RSS sampled every 5 s; ${
          alone.fellAt === undefined
            ? `it had not fallen by 20 MB after ${alone.seconds} s`
            : `it fell by 20 MB+ ${alone.fellAt} s after the burst, read at ${alone.seconds} s`
        }; baseline: the same server idle (after one memory-reducing GC)`
      },
      {
        bench: "server",
        measure: `RSS with ${pending.toLocaleString("en-US")} pending, after a memory-reducing GC`,
        unit: "MB",
        sdk: reduced.rss / MB,
        baseline: idle.rss / MB,
        note: `gc({ flavor: "last-resort" }), the GC V8's memory reducer runs once a process idles; heap used ${
          mb(reduced.heapUsed)
        } of ${mb(reduced.heapTotal)} MB (${
          ((reduced.heapUsed - idle.heapUsed) / pending).toFixed(0)
        } bytes per hook); V8 new space ${mb(reduced.spaces.new_space?.[0] ?? 0)} MB committed`
      },
      {
        bench: "server",
        measure: `RSS right after scheduling ${pending.toLocaleString("en-US")}`,
        unit: "MB",
        sdk: loadedRss / MB,
        baseline: idle.rss / MB,
        note: "no GC forced: V8 still holds the heap grown for the burst"
      }
    ]
  } finally {
    await server.child.stop()
  }
}

/** BENCH_SERVER_PHASES: run only the phases whose names contain one of these words (comma-separated). */
const phaseSelected = (name: string): boolean => {
  const wanted = (process.env.BENCH_SERVER_PHASES ?? "").split(",").filter((word) => word.length > 0)
  return wanted.length === 0 || wanted.some((word) => name.toLowerCase().includes(word.toLowerCase()))
}

export const benchmark: Benchmark = {
  name: "server",
  title: "local server: schedules/s, HTTP deliveries/s, lateness, RSS with pending hooks",
  run: async (options) => {
    // Each phase on its own: one that fails still leaves the others' rows.
    const phase = async (name: string, goal: Row["goal"], run: () => Promise<ReadonlyArray<Row>>) => {
      if (!phaseSelected(name)) return []
      try {
        return await run()
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        log(`  ${name} failed: ${message}`)
        return [{ bench: "server", measure: `${name} (failed)`, unit: "", sdk: Number.NaN, goal, note: message }]
      }
    }
    const first = await phase("schedules/s", undefined, () => throughput(options.quick))
    const measured = first[0]?.sdk ?? Number.NaN
    const rate = Number.isNaN(measured) ? 300 : measured
    if (first[0] !== undefined) log(`  schedules/s: ${rate.toFixed(0)} via the SDK, ${first[0].baseline?.toFixed(0)} raw`)
    const second = await phase("HTTP deliveries/s", { kind: "ratioMin", value: 0.9 }, () =>
      deliveryThroughput(options.quick, rate))
    const small = options.quick ? 200 : 1_000
    const large = options.quick ? 500 : 10_000
    const latenessRows: Array<Row> = []
    for (
      const [transport, due, goal] of [
        ["HTTP", small, 50],
        ["WebSocket", small, 20],
        ["WebSocket", large, 250],
        ["HTTP", large, undefined]
      ] as const
    ) {
      const name = `${transport} lateness, ${due} hooks`
      latenessRows.push(
        ...await phase(name, goal === undefined ? undefined : { kind: "max", value: goal }, () =>
          lateness(transport, due, goal, rate))
      )
    }
    const third = await phase("RSS with pending hooks", { kind: "max", value: 130 }, () => memory(options.quick))
    return [...first, ...second, ...latenessRows, ...third]
  }
}
