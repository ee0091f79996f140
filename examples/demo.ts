/**
 * The whole Posthook flow on one machine, with no network and no keys:
 * `npm run demo`.
 *
 * 1. Starts the local Posthook server in this process (short retry delay).
 * 2. Starts a receiver on 127.0.0.1: the SDK's `WebHandler` (a Web standard
 *    `(Request) => Promise<Response>`, as in Next.js or Hono) behind a few
 *    lines of `node:http`. It verifies every delivery's signature.
 * 3. Schedules three hooks, one per timing mode: `postIn`, `postAt`, and
 *    `postAtLocal` + `timezone`.
 * 4. `/webhooks/welcome` arrives over HTTP and is acked (200).
 *    `/webhooks/report` arrives over HTTP and is accepted (202); the "slow
 *    work" then finishes through the delivery's ack callback URL.
 *    `/webhooks/digest` arrives over a WebSocket listener, is nacked on its
 *    first attempt and acked on the retry.
 * 5. Prints the timeline and each hook's final status, read back over REST.
 *
 * Exits 0 when all three hooks are completed, 1 if that takes over 30 s.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Clock, Console, Context, Deferred, Effect, Layer, Queue, References, Stream } from "effect"
import * as Socket from "effect/socket/Socket"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { Delivery, Posthook, WebHandler } from "posthook-effect"
// The local server is the package's `posthook-effect/server` entry. `npm run demo` runs this
// file with tsx, which maps the package's entries to src/ (tsconfig `paths`): no build needed.
import { LocalPosthook, ServerEvent } from "posthook-effect/server"

const TIMEZONE = "Asia/Tokyo"

/** The timeline: every line says how long after the start it happened. */
const makeTimeline = Effect.gen(function*() {
  const start = yield* Clock.currentTimeMillis
  return (who: string, text: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Console.log(`${`+${((now - start) / 1000).toFixed(1)}s`.padStart(6)}  ${who.padEnd(8)}${text}`))
})

/** Serves a Web standard handler on 127.0.0.1 with `node:http` (what Next.js or Hono do for you). */
const serveWebHandler = (handle: (request: Request) => Promise<Response>) => {
  const listener = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Array<Buffer> = []
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
    incoming.on("end", async () => {
      const headers = new Headers()
      for (const [name, value] of Object.entries(incoming.headers)) {
        for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, item)
      }
      const request = new Request(`http://127.0.0.1${incoming.url ?? "/"}`, {
        method: incoming.method ?? "POST",
        headers,
        body: Buffer.concat(chunks)
      })
      const response = await handle(request)
      outgoing.writeHead(response.status, Object.fromEntries(response.headers))
      outgoing.end(Buffer.from(await response.arrayBuffer()))
    })
  }
  return Effect.acquireRelease(
    Effect.callback<{ readonly origin: string; readonly close: () => void }>((resume) => {
      const server = createServer(listener)
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({ origin: `http://127.0.0.1:${port}`, close: () => server.close() }))
      })
    }),
    (server) => Effect.sync(server.close)
  )
}

/** A wall-clock time `seconds` from now in `timeZone`, as `YYYY-MM-DDTHH:MM:SS` (what `postAtLocal` takes). */
const localTimeIn = (timeZone: string, epochMillis: number): string => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit"
    }).formatToParts(new Date(epochMillis)).map((part) => [part.type, part.value])
  )
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`
}

/** Waits for the server to record a successful delivery of the hook. */
const deliveredEvent = (local: LocalPosthook.LocalPosthook, hookId: string) =>
  local.awaitEvent((event): event is Extract<ServerEvent.ServerEvent, { readonly _tag: "HookDelivered" }> =>
    event._tag === "HookDelivered" && event.hookId === hookId
  )

/** Server events worth a line in the timeline. */
const SHOWN: ReadonlySet<ServerEvent.ServerEvent["_tag"]> = new Set([
  "HookDelivered",
  "HookAccepted",
  "HookRetrying",
  "HookFailed",
  "CallbackReceived",
  "ListenerConnected"
])

const demo = Effect.gen(function*() {
  const say = yield* makeTimeline
  const startedAt = yield* Clock.currentTimeMillis

  // 1. The local Posthook: generated keys, retries 1 s apart so the demo is quick.
  const local = yield* LocalPosthook.make({
    log: false,
    retryPolicy: { minRetries: 2, delaySecs: 1, strategy: "fixed" }
  })
  const events = yield* local.subscribe
  yield* events.pipe(
    Stream.filter((event) => SHOWN.has(event._tag)),
    Stream.runForEach((event) => say("server", ServerEvent.describe(event))),
    Effect.forkScoped
  )

  // The SDK, pointed at it: REST client, signature verification, WebSocket listener.
  const sdk = yield* Layer.build(
    Posthook.layer(local.clientOptions).pipe(
      Layer.provideMerge(Layer.merge(NodeHttpClient.layerUndici, Socket.layerWebSocketConstructorGlobal))
    )
  )
  const posthook = Context.get(sdk, Posthook.Posthook)

  // 2. The receiver: WebHandler verifies the signature before the handler runs.
  const accepted = yield* Queue.unbounded<Delivery.Delivery>()
  const receiver = yield* serveWebHandler(
    WebHandler.make(
      (delivery) =>
        Effect.gen(function*() {
          if (delivery.path === "/webhooks/report") {
            yield* say("app", `HTTP  ${delivery.path} signature verified → accept (finish within 30s)`)
            yield* Queue.offer(accepted, delivery)
            return Delivery.Result.accept("30 seconds")
          }
          yield* say("app", `HTTP  ${delivery.path} signature verified → ack`)
          return Delivery.Result.ack()
        }),
      { runtime: yield* Effect.context<never>(), signatures: posthook.signatures }
    )
  )
  yield* local.setTargetOrigin(receiver.origin)
  yield* Console.log(
    `Posthook demo · local server ${local.baseUrl} · receiver ${receiver.origin} (WebHandler)\n`
  )

  // 3. Three hooks, one per timing mode.
  const welcome = yield* posthook.hooks.schedule({
    path: "/webhooks/welcome",
    postIn: "1s",
    data: { userId: "123", event: "user.created" }
  })
  yield* say("sdk", `schedule ${welcome.path}  postIn "1s"  → ${welcome.status}`)
  const reportAt = new Date((yield* Clock.currentTimeMillis) + 2000)
  const report = yield* posthook.hooks.schedule({
    path: "/webhooks/report",
    postAt: reportAt,
    data: { reportId: "weekly-42" }
  })
  yield* say("sdk", `schedule ${report.path}  postAt ${reportAt.toISOString()}  → ${report.status}`)

  // 4a. The accepted delivery finishes later, through its ack callback URL.
  const reportDelivery = yield* Queue.take(accepted)
  yield* Effect.sleep("300 millis")
  const callback = yield* Effect.provide(reportDelivery.ack(), sdk)
  yield* say("app", `work for ${reportDelivery.path} done → POST ack URL → ${callback.status}`)
  yield* deliveredEvent(local, welcome.id)

  // 4b. A WebSocket listener: while it is connected, hooks come over the socket.
  const connected = yield* Deferred.make<void>()
  const listener = yield* posthook.hooks.listen(
    (delivery) =>
      Effect.gen(function*() {
        const attempt = delivery.ws?.attempt ?? 1
        if (attempt === 1) {
          yield* say("app", `WS    ${delivery.path} attempt ${attempt} → nack (simulated failure)`)
          return Delivery.Result.nack("simulated failure on the first attempt")
        }
        yield* say("app", `WS    ${delivery.path} attempt ${attempt} → ack`)
        return Delivery.Result.ack()
      }),
    { onConnected: () => Deferred.succeed(connected, undefined) }
  ).pipe(Effect.provide(sdk))
  yield* Deferred.await(connected)

  const digestLocal = localTimeIn(TIMEZONE, (yield* Clock.currentTimeMillis) + 2000)
  const digest = yield* posthook.hooks.schedule({
    path: "/webhooks/digest",
    postAtLocal: digestLocal,
    timezone: TIMEZONE,
    data: { digest: "daily" }
  })
  yield* say("sdk", `schedule ${digest.path}  postAtLocal ${digestLocal} ${TIMEZONE}  → ${digest.status}`)
  yield* deliveredEvent(local, digest.id)
  yield* listener.close

  // 5. Final state, read back over REST.
  yield* Console.log("\nhook      path               timing                            attempts  status")
  for (const [hook, timing] of [
    [welcome, `postIn 1s`],
    [report, `postAt ${reportAt.toISOString().slice(11, 19)}Z`],
    [digest, `postAtLocal ${digestLocal.slice(11)} ${TIMEZONE}`]
  ] as const) {
    const now = yield* posthook.hooks.get(hook.id)
    yield* Console.log(
      `${now.id.slice(0, 8)}  ${now.path.padEnd(17)}  ${timing.padEnd(32)}  ${String(now.attempts).padEnd(8)}  ${now.status}`
    )
    if (now.status !== "completed") return yield* Effect.fail(`${now.path} ended ${now.status}`)
  }
  const seconds = ((yield* Clock.currentTimeMillis) - startedAt) / 1000
  yield* Console.log(`\nAll three hooks completed in ${seconds.toFixed(1)}s.`)
})

demo.pipe(
  Effect.scoped,
  Effect.timeoutOrElse({
    duration: "30 seconds",
    orElse: () => Effect.fail("the demo did not finish within 30 seconds")
  }),
  Effect.provideService(References.MinimumLogLevel, "Warn"),
  NodeRuntime.runMain
)
