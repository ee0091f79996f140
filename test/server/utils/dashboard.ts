/**
 * A local server with the dashboard mounted, a receiver as its target
 * (answers 500 for paths under `/fail`, 200 otherwise), an SDK client, and
 * plain `node:http` requests with full control over headers (`Host`, …).
 */
import * as Http from "node:http"
import { Effect, type Scope } from "effect"
import * as Dashboard from "../../../src/server/Dashboard.js"
import type * as LocalPosthook from "../../../src/server/LocalPosthook.js"
import type { ServerEvent } from "../../../src/server/ServerEvent.js"
import * as Events from "./events.js"
import { makeReceiver } from "./receiver.js"
import { startServer } from "./sdk.js"

export const DASHBOARD_HEADER = { "X-Posthook-Dashboard": "1" } as const

export const startDashboard = (options: LocalPosthook.Options = {}) =>
  Effect.gen(function*() {
    const server = yield* startServer({
      routes: Dashboard.routes,
      retryPolicy: { minRetries: 1, delaySecs: 1, strategy: "fixed" },
      ...options
    })
    const receiver = yield* makeReceiver(server.local.signingKeys)
    yield* server.local.setTargetOrigin(receiver.origin)
    yield* receiver.reply((received) => ({ status: received.path.startsWith("/fail") ? 500 : 200 }))
    return { ...server, receiver }
  })

export interface Answer {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly text: string
  /** The body as JSON (`undefined` when it is not JSON). */
  readonly json: unknown
}

/** One request over a fresh connection; the body is read to the end. */
export const request = (
  local: Pick<LocalPosthook.LocalPosthook, "baseUrl">,
  method: "GET" | "POST",
  path: string,
  headers: Readonly<Record<string, string>> = {}
): Effect.Effect<Answer> =>
  Effect.callback<Answer>((resume) => {
    const url = new URL(path, local.baseUrl)
    const outgoing = Http.request(url, { method, headers: { connection: "close", ...headers }, agent: false }, (incoming) => {
      const chunks: Array<Buffer> = []
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
      incoming.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        let json: unknown = undefined
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resume(Effect.succeed({ status: incoming.statusCode ?? 0, headers: incoming.headers, text, json }))
      })
    })
    outgoing.on("error", (error) => resume(Effect.die(error)))
    outgoing.end()
    return Effect.sync(() => outgoing.destroy())
  })

/** A JSON GET of the dashboard API. */
export const getJson = (local: LocalPosthook.LocalPosthook, path: string) =>
  request(local, "GET", `${Dashboard.API_PREFIX}${path}`)

/** An action, as the page sends it. */
export const action = (local: LocalPosthook.LocalPosthook, id: string, name: string) =>
  request(local, "POST", `${Dashboard.API_PREFIX}/hooks/${id}/${name}`, DASHBOARD_HEADER)

/** {@link Events.eventFor}, failing after 20 s (dashboard tests run on the live clock). */
export const eventFor = <Tag extends ServerEvent["_tag"]>(
  local: LocalPosthook.LocalPosthook,
  tag: Tag,
  hookId: string,
  attempt?: number
) =>
  Events.eventFor(local, tag, hookId, attempt).pipe(
    Effect.timeoutOrElse({ duration: "20 seconds", orElse: () => Effect.fail(new Error(`no ${tag} event for ${hookId}`)) }),
    Effect.orDie
  )

/** An open server-sent-events connection: the text received so far, and a way to wait for some. */
export interface EventStream {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly received: () => string
  /** Waits until the text received so far satisfies `check`. */
  readonly waitFor: (check: (text: string) => boolean) => Effect.Effect<string>
  /** Completes when the server ends the stream. */
  readonly ended: Effect.Effect<void>
}

export const openEvents = (
  local: Pick<LocalPosthook.LocalPosthook, "baseUrl">,
  headers: Readonly<Record<string, string>> = {}
): Effect.Effect<EventStream, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<{ readonly stream: EventStream; readonly outgoing: Http.ClientRequest }>((resume) => {
      const outgoing = Http.request(new URL(`${Dashboard.API_PREFIX}/events`, local.baseUrl), { agent: false, headers }, (incoming) => {
        let text = ""
        let ended = false
        const waiters = new Set<() => void>()
        const wake = () => waiters.forEach((waiter) => waiter())
        incoming.setEncoding("utf8")
        incoming.on("data", (chunk: string) => {
          text += chunk
          wake()
        })
        const finish = () => {
          ended = true
          wake()
        }
        incoming.on("end", finish)
        incoming.on("close", finish)
        const until = (done: () => boolean) =>
          Effect.callback<void>((resumeWait) => {
            const check = () => {
              if (done()) {
                waiters.delete(check)
                resumeWait(Effect.void)
              }
            }
            waiters.add(check)
            check()
            return Effect.sync(() => waiters.delete(check))
          })
        resume(Effect.succeed({
          outgoing,
          stream: {
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            received: () => text,
            waitFor: (check) =>
              until(() => check(text)).pipe(
                Effect.map(() => text),
                Effect.timeoutOrElse({ duration: "20 seconds", orElse: () => Effect.fail(new Error(`not seen in:\n${text}`)) }),
                Effect.orDie
              ),
            ended: until(() => ended)
          }
        }))
      })
      outgoing.on("error", (error) => resume(Effect.die(error)))
      outgoing.end()
    }),
    ({ outgoing }) => Effect.sync(() => outgoing.destroy())
  ).pipe(Effect.map(({ stream }) => stream))
