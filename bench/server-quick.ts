/**
 * The local server's targets (issue 5), quickly and in one process:
 *
 * 1. Lateness over HTTP: N hooks (default 10,000) due within one second,
 *    delivered to a bare `node:http` endpoint in this process.
 * 2. Lateness over WebSocket: the same, delivered to a bare `ws` listener
 *    that acks every frame.
 *    For both: end to end = when the endpoint got the hook − its `postAt`;
 *    scheduler = when the attempt started − `postAt`. Target: p99 ≤ 20 ms.
 * 3. Memory: RSS with M hooks (default 100,000) pending in the memory
 *    store, after a full GC. Target: ≤ 150 MB.
 *
 *   npx node --expose-gc --import tsx bench/server-quick.ts [N] [M]
 *
 * Everything (server, endpoint, client) shares one process and its cores, as
 * with `posthook dev` and an app on one laptop. `npm run bench -- --only=server`
 * measures the built package in separate processes.
 */
import * as Http from "node:http"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Redacted } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import { WebSocket } from "ws"
import { LocalPosthook } from "posthook-effect/server"

const [dueHooks = 10_000, pendingHooks = 100_000] = process.argv.slice(2).map(Number)

const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN

const summary = (label: string, values: ReadonlyArray<number>): string => {
  const sorted = [...values].sort((a, b) => a - b)
  return `${label}: p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, max ${
    sorted.at(-1)
  } ms (n = ${sorted.length})`
}

const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`

const collectGarbage = () => {
  const gc: unknown = Reflect.get(globalThis, "gc")
  if (typeof gc === "function") for (let round = 0; round < 3; round++) gc()
}

interface Arrivals {
  readonly origin: string
  readonly arrivals: Map<string, number>
  readonly done: Promise<void>
  readonly close: () => void
}

/** A bare node:http endpoint that notes when each delivery arrived. */
const startEndpoint = (expected: number) =>
  Effect.acquireRelease(
    Effect.callback<Arrivals>((resume) => {
      const arrivals = new Map<string, number>()
      let finish = () => {}
      const done = new Promise<void>((resolve) => (finish = resolve))
      const server = Http.createServer((request, response) => {
        const arrivedAt = Date.now()
        request.resume()
        request.on("end", () => {
          const id = request.headers["posthook-id"]
          if (typeof id === "string") arrivals.set(id, arrivedAt)
          response.writeHead(200).end()
          if (arrivals.size === expected) finish()
        })
      })
      server.keepAliveTimeout = 60_000
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({ origin: `http://127.0.0.1:${port}`, arrivals, done, close: () => server.close() }))
      })
    }),
    (endpoint) => Effect.sync(endpoint.close)
  )

/** A bare ws listener that acks every hook and notes when it arrived. */
const startListener = (local: LocalPosthook.LocalPosthook, expected: number) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(
      HttpClientRequest.post(`${local.baseUrl}/v1/ws/ticket`).pipe(
        HttpClientRequest.setHeader("x-api-key", Redacted.value(local.apiKey))
      )
    )
    const { data } = (yield* response.json) as { readonly data: { readonly ticket: string; readonly url: string } }
    return yield* Effect.acquireRelease(
      Effect.callback<Omit<Arrivals, "origin">>((resume) => {
        const arrivals = new Map<string, number>()
        let finish = () => {}
        const done = new Promise<void>((resolve) => (finish = resolve))
        const socket = new WebSocket(`${data.url}?ticket=${encodeURIComponent(data.ticket)}`)
        socket.on("message", (raw) => {
          const frame = JSON.parse(String(raw)) as { readonly type: string; readonly id?: string }
          if (frame.type === "connected") resume(Effect.succeed({ arrivals, done, close: () => socket.close() }))
          if (frame.type === "hook" && frame.id !== undefined) {
            arrivals.set(frame.id, Date.now())
            socket.send(JSON.stringify({ type: "ack", hookId: frame.id }))
            if (arrivals.size === expected) finish()
          }
        })
      }),
      (listener) => Effect.sync(listener.close)
    )
  })

const scheduleAll = (local: LocalPosthook.LocalPosthook, bodies: ReadonlyArray<unknown>) =>
  HttpClient.HttpClient.use((client) =>
    Effect.forEach(
      bodies,
      (body) =>
        client.execute(
          HttpClientRequest.post(`${local.baseUrl}/v1/hooks`).pipe(
            HttpClientRequest.setHeader("x-api-key", Redacted.value(local.apiKey)),
            HttpClientRequest.bodyJsonUnsafe(body)
          )
        ).pipe(
          Effect.flatMap((response) =>
            response.status === 200
              ? Effect.map(response.json, (json) => (json as { readonly data: { readonly id: string } }).data.id)
              : Effect.die(new Error(`schedule answered ${response.status}`))
          )
        ),
      { concurrency: 32 }
    ))

/** Schedules `dueHooks` hooks due within one second, far enough ahead for scheduling to finish. */
const scheduleDueWithinOneSecond = (local: LocalPosthook.LocalPosthook) =>
  Effect.gen(function*() {
    // Measure the scheduling rate first, so the first hook is not due before the last is scheduled.
    const probeStart = Date.now()
    yield* scheduleAll(local, Array.from({ length: 200 }, () => ({ path: "/probe", postIn: "365d" })))
    const perHook = (Date.now() - probeStart) / 200
    const leadMillis = Math.ceil(1000 + dueHooks * perHook * 1.5)
    const firstDue = Date.now() + leadMillis
    const postAts = Array.from({ length: dueHooks }, (_, index) => firstDue + Math.floor((index * 1000) / dueHooks))
    const started = Date.now()
    const ids = yield* scheduleAll(
      local,
      postAts.map((postAt) => ({ path: "/bench", postAt: new Date(postAt).toISOString(), data: { n: 1 } }))
    )
    const scheduledIn = Date.now() - started
    if (Date.now() >= firstDue) return yield* Effect.die(new Error("scheduling overran the lead time"))
    return { ids, postAts, scheduledIn }
  })

const report = (
  transport: string,
  local: LocalPosthook.LocalPosthook,
  scheduled: { readonly ids: ReadonlyArray<string>; readonly postAts: ReadonlyArray<number> },
  arrivals: Map<string, number>
) =>
  Effect.gen(function*() {
    const attempts = yield* local.attempts(undefined, { limit: dueHooks + 1000 })
    const startedAt = new Map(attempts.map((attempt) => [attempt.hookId, attempt.startedAt]))
    const endToEnd: Array<number> = []
    const scheduler: Array<number> = []
    scheduled.ids.forEach((id, index) => {
      const postAt = scheduled.postAts[index] ?? 0
      endToEnd.push(Math.max(0, (arrivals.get(id) ?? Number.NaN) - postAt))
      scheduler.push(Math.max(0, (startedAt.get(id) ?? Number.NaN) - postAt))
    })
    console.log(summary(`${transport} lateness, end to end (received − postAt)`, endToEnd))
    console.log(summary(`${transport} lateness, scheduler (started − postAt)  `, scheduler))
  })

const httpPhase = Effect.gen(function*() {
  const endpoint = yield* startEndpoint(dueHooks)
  const local = yield* LocalPosthook.make({ log: false, targetOrigin: endpoint.origin })
  const scheduled = yield* scheduleDueWithinOneSecond(local)
  console.log(`HTTP: scheduled ${dueHooks} hooks over REST in ${scheduled.scheduledIn} ms`)
  yield* Effect.promise(() => endpoint.done)
  yield* report("HTTP", local, scheduled, endpoint.arrivals)
}).pipe(Effect.scoped)

const webSocketPhase = Effect.gen(function*() {
  const local = yield* LocalPosthook.make({ log: false })
  const listener = yield* startListener(local, dueHooks)
  const scheduled = yield* scheduleDueWithinOneSecond(local)
  console.log(`WebSocket: scheduled ${dueHooks} hooks over REST in ${scheduled.scheduledIn} ms`)
  yield* Effect.promise(() => listener.done)
  yield* report("WebSocket", local, scheduled, listener.arrivals)
}).pipe(Effect.scoped)

const memoryPhase = Effect.gen(function*() {
  collectGarbage()
  const baseline = process.memoryUsage()
  const local = yield* LocalPosthook.make({ log: false })
  collectGarbage()
  const idle = process.memoryUsage()
  const batch = 5_000
  for (let offset = 0; offset < pendingHooks; offset += batch) {
    const size = Math.min(batch, pendingHooks - offset)
    yield* scheduleAll(
      local,
      Array.from(
        { length: size },
        (_, index) => ({ path: `/bench/pending/${(offset + index) % 100}`, postIn: "1d", data: { n: offset + index } })
      )
    )
  }
  collectGarbage()
  const loaded = process.memoryUsage()
  const pending = (yield* local.quota).usage
  console.log(`RSS before the server: ${megabytes(baseline.rss)}; server started, idle: ${megabytes(idle.rss)}`)
  console.log(
    `RSS with ${pending} pending hooks: ${megabytes(loaded.rss)} (heap used ${megabytes(loaded.heapUsed)}, +${
      megabytes(loaded.rss - idle.rss)
    } over idle)`
  )
}).pipe(Effect.scoped)

const program = Effect.gen(function*() {
  if (typeof Reflect.get(globalThis, "gc") !== "function") {
    console.log("(run with NODE_OPTIONS=--expose-gc for stable memory numbers)")
  }
  console.log(`node ${process.version}, ${process.platform}; ${dueHooks} hooks due within 1 s, ${pendingHooks} pending`)
  yield* httpPhase
  yield* webSocketPhase
  yield* memoryPhase
}).pipe(Effect.provide(NodeHttpClient.layerUndici))

Effect.runPromise(program).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
