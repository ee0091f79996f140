/**
 * The local server's two targets (issue 5):
 *
 * 1. Lateness: 10,000 hooks due within one second, delivered over HTTP to a
 *    local endpoint. Lateness = when the endpoint received a hook − its
 *    `postAt` (end to end), and when the attempt started − `postAt` (the
 *    scheduler alone). Target: p99 ≤ 20 ms.
 * 2. Memory: RSS of the process with 100,000 pending hooks in the memory
 *    store. Target: ≤ 150 MB.
 *
 *   NODE_OPTIONS=--expose-gc npx vite-node --config vitest.config.ts bench/server-quick.ts [hooks] [pending]
 *
 * Both phases run in this one process (server, receiver and client), as
 * `posthook dev` would with a local app.
 */
import * as Http from "node:http"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Clock, Effect, Redacted } from "effect"
import { LocalPosthook } from "../src/server/index.js"

const [dueHooks = 10_000, pendingHooks = 100_000] = process.argv.slice(2).map(Number)

const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN

const summary = (label: string, values: Array<number>): string => {
  const sorted = [...values].sort((a, b) => a - b)
  return `${label}: p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, max ${
    sorted.at(-1)
  } ms (n = ${sorted.length})`
}

const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`

const collectGarbage = () => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc !== undefined) for (let round = 0; round < 3; round++) gc()
}

/** A bare node:http endpoint that notes when each delivery arrived. */
const startEndpoint = (expected: number) =>
  Effect.async<{ readonly origin: string; readonly done: Promise<Map<string, number>>; readonly close: () => void }>(
    (resume) => {
      const arrivals = new Map<string, number>()
      let finish: (arrivals: Map<string, number>) => void = () => {}
      const done = new Promise<Map<string, number>>((resolve) => (finish = resolve))
      const server = Http.createServer((request, response) => {
        const arrivedAt = Date.now()
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.on("end", () => {
          const id = request.headers["posthook-id"]
          if (typeof id === "string") arrivals.set(id, arrivedAt)
          response.writeHead(200).end()
          if (arrivals.size === expected) finish(arrivals)
        })
      })
      server.keepAliveTimeout = 60_000
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({ origin: `http://127.0.0.1:${port}`, done, close: () => server.close() }))
      })
    }
  )

const scheduleAll = (
  client: HttpClient.HttpClient,
  local: LocalPosthook.LocalPosthook,
  bodies: ReadonlyArray<unknown>
) =>
  Effect.forEach(
    bodies,
    (body) =>
      client.execute(
        HttpClientRequest.post(`${local.baseUrl}/v1/hooks`).pipe(
          HttpClientRequest.setHeader("x-api-key", Redacted.value(local.apiKey)),
          HttpClientRequest.bodyUnsafeJson(body)
        )
      ).pipe(
        Effect.flatMap((response) =>
          response.status === 200
            ? Effect.map(response.json, (json) => json)
            : Effect.dieMessage(`schedule answered ${response.status}`)
        )
      ),
    { concurrency: 32 }
  )

const latenessPhase = Effect.gen(function*() {
  const endpoint = yield* startEndpoint(dueHooks)
  yield* Effect.addFinalizer(() => Effect.sync(endpoint.close))
  const local = yield* LocalPosthook.make({ log: false, targetOrigin: endpoint.origin })
  const client = yield* HttpClient.HttpClient
  // Give scheduling time to finish before the first hook is due.
  const leadMillis = Math.max(3_000, dueHooks * 10)
  const firstDue = (yield* Clock.currentTimeMillis) + leadMillis
  const postAts = Array.from({ length: dueHooks }, (_, index) => firstDue + Math.floor((index * 1000) / dueHooks))
  const scheduleStart = Date.now()
  const created = yield* scheduleAll(
    client,
    local,
    postAts.map((postAt) => ({ path: "/bench", postAt: new Date(postAt).toISOString(), data: { n: 1 } }))
  )
  const scheduleMillis = Date.now() - scheduleStart
  console.log("schedule ms", Date.now() - scheduleStart)
  if (Date.now() > firstDue) yield* Effect.dieMessage("scheduling took longer than the lead time; raise it")
  const arrivals = yield* Effect.promise(() => endpoint.done)
  const ids = created.map((json) => (json as { data: { id: string } }).data.id)
  const endToEnd: Array<number> = []
  const dispatch: Array<number> = []
  const attempts = yield* local.attempts(undefined, { limit: dueHooks })
  const startedAt = new Map(attempts.map((attempt) => [attempt.hookId, attempt.startedAt]))
  ids.forEach((id, index) => {
    const postAt = postAts[index]!
    endToEnd.push(Math.max(0, arrivals.get(id)! - postAt))
    dispatch.push(Math.max(0, startedAt.get(id)! - postAt))
  })
  console.log(`scheduled ${dueHooks} hooks over REST in ${scheduleMillis} ms`)
  console.log(summary("lateness, endpoint received − postAt", endToEnd))
  console.log(summary("lateness, attempt started − postAt  ", dispatch))
}).pipe(Effect.scoped)

const memoryPhase = Effect.gen(function*() {
  collectGarbage()
  const baseline = process.memoryUsage()
  const local = yield* LocalPosthook.make({ log: false })
  const client = yield* HttpClient.HttpClient
  collectGarbage()
  const idle = process.memoryUsage()
  const batch = 10_000
  for (let offset = 0; offset < pendingHooks; offset += batch) {
    const size = Math.min(batch, pendingHooks - offset)
    yield* scheduleAll(
      client,
      local,
      Array.from(
        { length: size },
        (_, index) => ({ path: `/bench/pending/${(offset + index) % 100}`, postIn: "1d", data: { n: offset + index } })
      )
    )
  }
  collectGarbage()
  const loaded = process.memoryUsage()
  const pending = (yield* local.hooks({ status: "pending" })).length
  console.log(`pending hooks: ${pending}`)
  console.log(`RSS before the server: ${megabytes(baseline.rss)}; server idle: ${megabytes(idle.rss)}`)
  console.log(
    `RSS with ${pending} pending hooks: ${megabytes(loaded.rss)} (heap used ${megabytes(loaded.heapUsed)}; +${
      megabytes(loaded.rss - idle.rss)
    } over idle)`
  )
}).pipe(Effect.scoped)

const program = Effect.gen(function*() {
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    console.log("(run with NODE_OPTIONS=--expose-gc for stable memory numbers)")
  }
  console.log(`node ${process.version}, ${process.platform}`)
  yield* latenessPhase
  yield* memoryPhase
}).pipe(Effect.provide(NodeHttpClient.layerUndici))

Effect.runPromise(program).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
