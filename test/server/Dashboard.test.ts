/**
 * The dashboard's server side, against a real in-process server on a free
 * port (real clock): the pages and assets, the JSON endpoints, the actions
 * (same code paths as the REST bulk endpoints), the event stream, the
 * request guards, and a prompt shutdown with a dashboard tab open.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Vm from "node:vm"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option, Schedule, Scope } from "effect"
import WebSocket from "ws"
import * as Dashboard from "../../src/server/Dashboard.js"
import { escapeHtml } from "../../src/server/internal/dashboard/page.js"
import { attemptLabel, curlCommand, shellQuote } from "../../src/server/internal/dashboard/views.js"
import type * as LocalPosthook from "../../src/server/LocalPosthook.js"
import { action, DASHBOARD_HEADER, eventFor, getJson, openEvents, request, startDashboard } from "./utils/dashboard.js"
import { raw } from "./utils/sdk.js"
import { ticketFor } from "./utils/wsClient.js"

const UNKNOWN_ID = "0b7e1d1c-8f1a-4c2e-9d3b-6a5f4e3d2c1b"

interface Row {
  readonly id: string
  readonly path: string
  readonly status: string
  readonly attempts: number
  readonly failureError: string | null
  readonly last: {
    readonly label: string
    readonly statusCode: number | null
    readonly durationMs: number | null
    readonly transport: string
  } | null
}

interface ListAnswer {
  readonly hooks: ReadonlyArray<Row>
  readonly hasMore: boolean
  readonly offset: number
  readonly limit: number
}

interface AttemptJson {
  readonly attempt: number
  readonly transport: string
  readonly outcome: string
  readonly label: string
  readonly request: { readonly url: string | null; readonly headers: Record<string, string>; readonly body: string }
  readonly response: { readonly status: number } | null
  readonly curl: string | null
}

interface DetailAnswer {
  readonly hook: Row & { readonly data: string; readonly maxAttempts: number; readonly cycleAttempts: number }
  readonly actions: Record<string, boolean>
  readonly attempts: ReadonlyArray<AttemptJson>
}

// The JSON shapes are the server's own view models; the casts only name them for the assertions.
const list = (local: LocalPosthook.LocalPosthook, query = "") =>
  Effect.map(getJson(local, `/hooks${query}`), (answer) => {
    expect(answer.status).toBe(200)
    return answer.json as ListAnswer
  })

const detail = (local: LocalPosthook.LocalPosthook, id: string) =>
  Effect.map(getJson(local, `/hooks/${id}`), (answer) => {
    expect(answer.status).toBe(200)
    return answer.json as DetailAnswer
  })

/** A WebSocket listener on the server (with `ws`), answering frames with `onFrame`; closed with the scope. */
const connectListener = (
  local: LocalPosthook.LocalPosthook,
  onFrame: (ws: WebSocket, frame: { readonly type: string; readonly id?: string }) => void,
  options: { readonly forward?: boolean } = {}
) =>
  Effect.gen(function*() {
    const { ticket: token, url } = yield* ticketFor(local)
    return yield* Effect.acquireRelease(
      Effect.callback<WebSocket>((resume) => {
        const ws = new WebSocket(`${url}?ticket=${encodeURIComponent(token)}${options.forward === true ? "&forward=true" : ""}`)
        ws.on("message", (data) => {
          const frame = JSON.parse(String(data)) as { readonly type: string; readonly id?: string }
          if (frame.type === "connected") resume(Effect.succeed(ws))
          else onFrame(ws, frame)
        })
        ws.on("error", (error) => resume(Effect.die(error)))
      }),
      (ws) => Effect.sync(() => ws.close())
    )
  })

const errorOf = (answer: { readonly json: unknown }) =>
  typeof answer.json === "object" && answer.json !== null && "error" in answer.json ? answer.json.error : undefined

describe("Dashboard pages and assets", () => {
  it.live("serves the list page with a strict CSP, and a script that compiles", () =>
    Effect.gen(function*() {
      const { local } = yield* startDashboard()
      const page = yield* request(local, "GET", "/")
      expect(page.status).toBe(200)
      expect(page.headers["content-type"]).toBe("text/html; charset=utf-8")
      expect(page.headers["content-security-policy"]).toContain("script-src 'self'")
      expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'")
      expect(page.headers["x-content-type-options"]).toBe("nosniff")
      expect(page.text).toContain(`<body data-view="list">`)
      expect(page.text).toContain(`<script src="/_dashboard/app.js" defer></script>`)
      expect(page.text).not.toMatch(/<script>|<style>| style=| on[a-z]+=/)

      const script = yield* request(local, "GET", "/_dashboard/app.js")
      expect(script.status).toBe(200)
      expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8")
      expect(() => new Vm.Script(script.text, { filename: "app.js" })).not.toThrow()
      expect(script.text).not.toContain("innerHTML")

      const style = yield* request(local, "GET", "/_dashboard/app.css")
      expect(style.status).toBe(200)
      expect(style.headers["content-type"]).toBe("text/css; charset=utf-8")
      expect(style.text).toContain(":focus-visible")
    }))

  it.live("a hook's page; an unknown or malformed id gets a 404 / 400 page with a message, not a stack", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* startDashboard()
      const hook = yield* hooks.schedule({ path: "/webhooks/later", postIn: "1h" })
      const page = yield* request(local, "GET", `/hooks/${hook.id}`)
      expect(page.status).toBe(200)
      expect(page.text).toContain(`data-view="hook" data-hook-id="${hook.id}"`)

      const unknown = yield* request(local, "GET", `/hooks/${UNKNOWN_ID}`)
      expect(unknown.status).toBe(404)
      expect(unknown.headers["content-type"]).toBe("text/html; charset=utf-8")
      expect(unknown.text).toContain("Hook not found")
      expect(unknown.text).toContain(`No hook with id ${UNKNOWN_ID}`)

      const malformed = yield* request(local, "GET", `/hooks/${encodeURIComponent("<img src=x onerror=alert(1)>")}`)
      expect(malformed.status).toBe(400)
      expect(malformed.text).toContain("is not a hook id")
      expect(malformed.text).toContain("&lt;img src=x onerror=alert(1)&gt;")
      expect(malformed.text).not.toContain("<img src=x")
      for (const answer of [unknown, malformed]) expect(answer.text).not.toMatch(/at [\w.]+ \(|\.ts:\d+/)
    }))

  it.live("escapes the project name", () =>
    Effect.gen(function*() {
      const { local } = yield* startDashboard({ projectName: `<script>alert("x")</script> & co` })
      const page = yield* request(local, "GET", "/")
      expect(page.text).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co")
      expect(page.text).not.toContain(`<script>alert`)
      expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
    }))

  it.live("leaves the REST API alone", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* startDashboard()
      const hook = yield* hooks.schedule({ path: "/x", postIn: "1h" })
      expect((yield* hooks.get(hook.id)).id).toBe(hook.id)
      const unauthenticated = yield* raw(local, "GET", "/v1/hooks", { apiKey: null })
      expect(unauthenticated.status).toBe(401)
    }))
})

describe("GET /_dashboard/api/overview and /keys", () => {
  it.live("shows the configuration with masked keys; the full keys only with the dashboard header", () =>
    Effect.gen(function*() {
      const apiKey = "pk_local_0123456789abcdef"
      const signingKeys = ["ph_sk_local_new_0123456789", "ph_sk_local_old_0123456789"]
      const { hooks, local, receiver } = yield* startDashboard({ apiKey, signingKeys, asyncHooks: false, quotaLimit: 100 })
      yield* hooks.schedule({ path: "/x", postIn: "1h" })
      const answer = yield* getJson(local, "/overview")
      expect(answer.status).toBe(200)
      expect(answer.headers["cache-control"]).toBe("no-store")
      expect(answer.json).toMatchObject({
        project: { id: "local", name: "Local Posthook" },
        baseUrl: local.baseUrl,
        targetOrigin: receiver.origin,
        store: "memory",
        asyncHooks: false,
        listeners: [],
        quota: { limit: 100, usage: 1 },
        keys: { apiKey: "pk_local…", signingKeys: ["ph_sk_lo…", "ph_sk_lo…"] }
      })
      expect(answer.text).not.toContain(apiKey)
      for (const key of signingKeys) expect(answer.text).not.toContain(key)

      const withoutHeader = yield* getJson(local, "/keys")
      expect(withoutHeader.status).toBe(403)
      expect(errorOf(withoutHeader)).toContain("X-Posthook-Dashboard")
      const keys = yield* request(local, "GET", `${Dashboard.API_PREFIX}/keys`, DASHBOARD_HEADER)
      expect(keys.status).toBe(200)
      expect(keys.json).toEqual({ apiKey, signingKeys })
    }))

  it.live("counts a connected WebSocket listener", () =>
    Effect.gen(function*() {
      const { local } = yield* startDashboard()
      const socket = yield* connectListener(local, () => undefined, { forward: true })
      const overview = yield* getJson(local, "/overview")
      expect(overview.json).toMatchObject({ listeners: [{ forward: true, outstanding: 0 }] })
      socket.close()
      yield* Effect.repeat(getJson(local, "/overview"), {
        until: (answer) => JSON.stringify(answer.json).includes(`"listeners":[]`),
        schedule: Schedule.spaced("50 millis")
      }).pipe(Effect.timeout("10 seconds"))
    }))
})

describe("GET /_dashboard/api/hooks", () => {
  it.live("newest first, filtered by status and exact path, searched by id, paged", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* startDashboard()
      const a1 = yield* hooks.schedule({ path: "/webhooks/a", postIn: "1h" })
      yield* Effect.sleep("5 millis")
      const b = yield* hooks.schedule({ path: "/webhooks/b", postIn: "2h" })
      yield* Effect.sleep("5 millis")
      const a2 = yield* hooks.schedule({ path: "/webhooks/a", postIn: "3h" })

      const all = yield* list(local)
      expect(all.hooks.map((hook) => hook.id)).toEqual([a2.id, b.id, a1.id])
      expect(all).toMatchObject({ hasMore: false, offset: 0, limit: 50 })
      expect(all.hooks[0]).toMatchObject({ path: "/webhooks/a", status: "pending", attempts: 0, last: null })

      expect((yield* list(local, "?path=/webhooks/a")).hooks.map((hook) => hook.id)).toEqual([a2.id, a1.id])
      expect((yield* list(local, "?path=/webhooks")).hooks).toEqual([])
      expect((yield* list(local, "?status=pending&path=/webhooks/b")).hooks.map((hook) => hook.id)).toEqual([b.id])
      expect((yield* list(local, "?status=completed")).hooks).toEqual([])
      expect((yield* list(local, `?q=${b.id.slice(0, 13).toUpperCase()}`)).hooks.map((hook) => hook.id)).toEqual([b.id])
      expect((yield* list(local, "?status=&path=&q=")).hooks).toHaveLength(3)

      const first = yield* list(local, "?limit=2")
      expect(first.hooks.map((hook) => hook.id)).toEqual([a2.id, b.id])
      expect(first.hasMore).toBe(true)
      const second = yield* list(local, "?limit=2&offset=2")
      expect(second.hooks.map((hook) => hook.id)).toEqual([a1.id])
      expect(second.hasMore).toBe(false)
    }))

  it.live("refuses bad parameters with a message per parameter", () =>
    Effect.gen(function*() {
      const { local } = yield* startDashboard()
      const cases: ReadonlyArray<readonly [string, string]> = [
        ["?status=done", "status must be one of pending, retry, completed, failed"],
        ["?limit=0", "limit must be a whole number from 1 to 500"],
        ["?limit=ten", "limit must be a whole number from 1 to 500"],
        ["?limit=501", "limit must be a whole number from 1 to 500"],
        ["?offset=-1", "offset must be a whole number, 0 or more"],
        ["?path=webhooks", "path must start with \"/\" (it is matched exactly, e.g. /webhooks/user-created)"],
        ["?status=pending&status=failed", "status must be one of pending, retry, completed, failed"],
        ["?status=x&limit=0", "status must be one of pending, retry, completed, failed; limit must be a whole number from 1 to 500"]
      ]
      for (const [query, message] of cases) {
        const answer = yield* getJson(local, `/hooks${query}`)
        expect({ query, status: answer.status, error: errorOf(answer) }).toEqual({ query, status: 400, error: message })
      }
    }))

  it.live("shows the last response code and duration of delivered and failed hooks", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* startDashboard()
      const past = new Date(Date.now() - 1000).toISOString()
      const ok = yield* hooks.schedule({ path: "/webhooks/ok", postAt: past })
      const bad = yield* hooks.schedule({ path: "/fail/always", postAt: past })
      yield* eventFor(local, "HookDelivered", ok.id)
      yield* eventFor(local, "HookFailed", bad.id)

      const rows = (yield* list(local)).hooks
      const okRow = rows.find((row) => row.id === ok.id)
      const badRow = rows.find((row) => row.id === bad.id)
      expect(okRow).toMatchObject({ status: "completed", attempts: 1, last: { label: "200", statusCode: 200, transport: "http" } })
      expect(okRow?.last?.durationMs).toEqual(expect.any(Number))
      expect(badRow).toMatchObject({
        status: "failed",
        attempts: 2,
        failureError: expect.stringContaining("500"),
        last: { label: "500", statusCode: 500 }
      })
      expect((yield* list(local, "?status=failed")).hooks.map((row) => row.id)).toEqual([bad.id])
    }))
})

describe("GET /_dashboard/api/hooks/:id", () => {
  it.live("the data, every attempt with the exact signed request and answer, and a curl that replays it", () =>
    Effect.gen(function*() {
      const { hooks, local, receiver } = yield* startDashboard()
      const data = { userId: "123", note: "it's <b>bold</b>" }
      const hook = yield* hooks.schedule({ path: "/fail/once", postAt: new Date(Date.now() - 1000).toISOString(), data })
      yield* eventFor(local, "HookFailed", hook.id)
      const first = yield* receiver.next
      yield* receiver.next

      const answer = yield* detail(local, hook.id)
      expect(answer.hook).toMatchObject({ id: hook.id, status: "failed", attempts: 2, cycleAttempts: 2, maxAttempts: 2 })
      expect(answer.hook.data).toBe(JSON.stringify(data, null, 2))
      expect(answer.actions).toEqual({ retry: true, replay: false, cancel: false, "deliver-now": false })
      expect(answer.attempts.map((attempt) => [attempt.attempt, attempt.outcome, attempt.label])).toEqual([
        [1, "failed", "500"],
        [2, "failed", "500"]
      ])
      const attempt = answer.attempts[0]!
      expect(attempt.transport).toBe("http")
      expect(attempt.request.url).toBe(`${receiver.origin}/fail/once`)
      expect(attempt.request.body).toBe(first.body)
      expect(attempt.request.headers["Posthook-Signature"]).toMatch(/^v1,[0-9a-f]{64}$/)
      expect(attempt.request.headers["Posthook-Id"]).toBe(hook.id)
      expect(attempt.response?.status).toBe(500)
      expect(attempt.curl).toContain(`curl -i -sS -X POST '${receiver.origin}/fail/once'`)
      expect(attempt.curl).toContain(`-H 'Posthook-Signature: ${attempt.request.headers["Posthook-Signature"]}'`)
      expect(attempt.curl).toContain(`--data-raw ${shellQuote(first.body)}`)

      if (Fs.existsSync("/usr/bin/curl")) {
        // The command, run by a shell, is the same signed request: the receiver verifies it again.
        const output = yield* Effect.callback<string>((resume) => {
          ChildProcess.execFile("/bin/sh", ["-c", attempt.curl!], { encoding: "utf8", timeout: 15_000 }, (error, stdout) => {
            resume(error === null ? Effect.succeed(stdout) : Effect.die(error))
          })
        })
        expect(output).toMatch(/^HTTP\/1\.1 500/)
        const replayed = yield* receiver.next
        expect(replayed.body).toBe(first.body)
        expect(replayed.delivery.hookId).toBe(hook.id)
      }
    }))

  it.live("a WebSocket attempt: the frame that was sent, the listener, an ack, no curl", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* startDashboard()
      yield* connectListener(local, (ws, frame) => {
        if (frame.type === "hook") ws.send(JSON.stringify({ type: "ack", hookId: frame.id }))
      })
      const hook = yield* hooks.schedule({ path: "/webhooks/ws", postAt: new Date(Date.now() - 1000).toISOString() })
      yield* eventFor(local, "HookDelivered", hook.id)
      const answer = yield* detail(local, hook.id)
      expect(answer.hook).toMatchObject({ status: "completed", last: { label: "ack", transport: "websocket" } })
      const [attempt] = answer.attempts
      expect(attempt).toMatchObject({ transport: "websocket", outcome: "completed", label: "ack", curl: null, response: null })
      expect(attempt?.request.url).toBeNull()
      expect(JSON.parse(attempt?.request.body ?? "")).toMatchObject({ type: "hook", id: hook.id, path: "/webhooks/ws" })
      expect((yield* list(local)).hooks[0]?.last).toMatchObject({ label: "ack", transport: "websocket", statusCode: null })
    }))

  it.live("unknown and malformed ids get 404 / 400 with a message", () =>
    Effect.gen(function*() {
      const { local } = yield* startDashboard()
      const unknown = yield* getJson(local, `/hooks/${UNKNOWN_ID}`)
      expect(unknown.status).toBe(404)
      expect(errorOf(unknown)).toBe(
        `No hook with id ${UNKNOWN_ID}. It may have been deleted, or the server was restarted with an in-memory store.`
      )
      const malformed = yield* getJson(local, "/hooks/12345")
      expect(malformed.status).toBe(400)
      expect(errorOf(malformed)).toBe(
        `"12345" is not a hook id: hook ids are UUIDs such as 0b7e1d1c-8f1a-4c2e-9d3b-6a5f4e3d2c1b.`
      )
    }))
})

describe("POST /_dashboard/api/hooks/:id/:action", () => {
  it.live("cancel, retry, replay and deliver now change the state; the wrong state gets 409 and why", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* startDashboard()
      const hook = yield* hooks.schedule({ path: "/webhooks/a", postIn: "1h" })

      const replayPending = yield* action(local, hook.id, "replay")
      expect(replayPending.status).toBe(409)
      expect(errorOf(replayPending)).toBe(`Hook ${hook.id} is pending: only a completed hook can be replayed.`)

      const cancelled = yield* action(local, hook.id, "cancel")
      expect(cancelled.status).toBe(200)
      expect(cancelled.json).toMatchObject({ ok: true, action: "cancel", hook: { status: "failed", failureError: "cancelled" } })
      expect(Option.getOrThrow(yield* local.hook(hook.id)).status).toBe("failed")

      const cancelAgain = yield* action(local, hook.id, "cancel")
      expect(cancelAgain.status).toBe(409)
      expect(errorOf(cancelAgain)).toBe(
        `Hook ${hook.id} is failed (cancelled): only a pending hook (or one waiting to retry) can be cancelled.`
      )

      const retried = yield* action(local, hook.id, "retry")
      expect(retried.status).toBe(200)
      expect(retried.json).toMatchObject({ ok: true, action: "retry", hook: { id: hook.id } })
      expect(["pending", "completed"]).toContain((retried.json as { hook: Row }).hook.status)
      yield* eventFor(local, "HookDelivered", hook.id, 1)
      expect((yield* detail(local, hook.id)).hook).toMatchObject({ status: "completed", attempts: 1 })

      const retryCompleted = yield* action(local, hook.id, "retry")
      expect(retryCompleted.status).toBe(409)
      expect(errorOf(retryCompleted)).toBe(
        `Hook ${hook.id} is completed: only a failed hook can be retried. Use Replay to deliver a completed hook again.`
      )

      const replayed = yield* action(local, hook.id, "replay")
      expect(replayed.status).toBe(200)
      yield* eventFor(local, "HookDelivered", hook.id, 2)
      expect((yield* detail(local, hook.id)).hook).toMatchObject({ status: "completed", attempts: 2 })

      const later = yield* hooks.schedule({ path: "/webhooks/later", postIn: "1h" })
      const now = yield* action(local, later.id, "deliver-now")
      expect(now.status).toBe(200)
      expect(now.json).toMatchObject({ ok: true, message: "Delivered now: the next attempt was moved to this moment." })
      yield* eventFor(local, "HookDelivered", later.id)
      const deliverCompleted = yield* action(local, later.id, "deliver-now")
      expect(deliverCompleted.status).toBe(409)
      expect(errorOf(deliverCompleted)).toContain("only a pending hook (or one waiting to retry) can be delivered now")
    }))

  it.live("refuses unknown actions and ids, and requests without the dashboard header or from elsewhere", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* startDashboard()
      const hook = yield* hooks.schedule({ path: "/webhooks/a", postIn: "1h" })

      const unknownAction = yield* action(local, hook.id, "explode")
      expect(unknownAction.status).toBe(404)
      expect(errorOf(unknownAction)).toBe(`Unknown action "explode": use retry, replay, cancel, deliver-now.`)
      expect((yield* action(local, UNKNOWN_ID, "cancel")).status).toBe(404)
      expect((yield* action(local, "nope", "cancel")).status).toBe(400)

      const path = `${Dashboard.API_PREFIX}/hooks/${hook.id}/cancel`
      const noHeader = yield* request(local, "POST", path)
      expect(noHeader.status).toBe(403)
      const crossSite = yield* request(local, "POST", path, { ...DASHBOARD_HEADER, "Sec-Fetch-Site": "cross-site" })
      expect(crossSite.status).toBe(403)
      expect(errorOf(crossSite)).toBe("Cross-site requests to the dashboard are refused.")
      // DNS rebinding: a foreign name pointed at this port.
      const rebound = yield* request(local, "POST", path, { ...DASHBOARD_HEADER, Host: `evil.example:${local.port}` })
      expect(rebound.status).toBe(403)
      expect(errorOf(rebound)).toContain(`addressed to "evil.example:${local.port}"`)
      const reboundPage = yield* request(local, "GET", "/", { Host: "evil.example" })
      expect(reboundPage.status).toBe(403)
      expect(reboundPage.text).not.toContain("app.js")
      expect(Option.getOrThrow(yield* local.hook(hook.id)).status).toBe("pending")

      const viaLocalhost = yield* request(local, "POST", path, { ...DASHBOARD_HEADER, Host: `localhost:${local.port}` })
      expect(viaLocalhost.status).toBe(200)
      expect(Option.getOrThrow(yield* local.hook(hook.id)).status).toBe("failed")
    }))
})

describe("GET /_dashboard/api/events", () => {
  it.live("streams the server's events as they happen", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* startDashboard()
      const events = yield* openEvents(local)
      expect(events.status).toBe(200)
      expect(events.headers["content-type"]).toBe("text/event-stream; charset=utf-8")
      yield* events.waitFor((text) => text.includes("event: ready\n"))
      const hook = yield* hooks.schedule({ path: "/webhooks/live", postAt: new Date(Date.now() - 1000).toISOString() })
      const text = yield* events.waitFor((text) => text.includes(`"type":"HookDelivered","hookId":"${hook.id}"`))
      // One message per batch of events: `id` is the last event's `seq`, `data` a JSON array.
      const messages = text.split("\n\n").filter((block) => block.startsWith("id: "))
      expect(messages.length).toBeGreaterThan(0)
      const batches = messages.map((block) => {
        const [id, data] = block.split("\n")
        const events = JSON.parse(data!.slice("data: ".length)) as ReadonlyArray<{ readonly seq: number }>
        expect(Number(id!.slice("id: ".length))).toBe(events.at(-1)?.seq)
        return events
      })
      const all = batches.flat()
      expect(all.map((event) => event.seq)).toEqual(all.map((_, index) => index + 1))
      expect(all[0]).toEqual({
        seq: 1,
        at: expect.any(Number),
        type: "HookScheduled",
        hookId: hook.id,
        text: expect.stringContaining(`scheduled ${hook.id.slice(0, 8)} /webhooks/live`)
      })
    }))

  it.live("an open event stream does not hold up the server's shutdown, and ends with it", () =>
    Effect.gen(function*() {
      const serverScope = yield* Scope.make()
      const { local } = yield* startDashboard().pipe(Scope.provide(serverScope))
      // The browser tab: opened in the test's scope, so it stays open while the server stops.
      const events = yield* openEvents(local)
      yield* events.waitFor((text) => text.includes("event: ready"))
      const started = Date.now()
      yield* Scope.close(serverScope, Exit.void).pipe(
        Effect.timeoutOrElse({ duration: "15 seconds", orElse: () => Effect.fail(new Error("the server's shutdown hung")) }),
        Effect.orDie
      )
      expect(Date.now() - started).toBeLessThan(5000)
      yield* events.ended.pipe(Effect.timeoutOrElse({ duration: "5 seconds", orElse: () => Effect.fail(new Error("stream still open")) }), Effect.orDie)
    }))
})

describe("view helpers", () => {
  it("labels every attempt outcome", () => {
    const base = {
      hookId: UNKNOWN_ID,
      attempt: 1,
      startedAt: 0,
      finishedAt: null,
      durationMs: null,
      error: null,
      request: { url: null, connectionId: "c1", headers: {}, body: "{}" }
    } as const
    const http = (status: number) => ({ status, headers: {}, body: "" })
    expect(attemptLabel({ ...base, transport: "http", outcome: "completed", response: http(204) })).toBe("204")
    expect(attemptLabel({ ...base, transport: "http", outcome: "completed", response: http(202) })).toBe("202 → ack")
    expect(attemptLabel({ ...base, transport: "http", outcome: "accepted", response: http(202) })).toBe("202 accepted")
    expect(attemptLabel({ ...base, transport: "http", outcome: "nacked", response: http(202) })).toBe("202 → nack")
    expect(attemptLabel({ ...base, transport: "http", outcome: "failed", response: null })).toBe("error")
    expect(attemptLabel({ ...base, transport: "http", outcome: "timed_out", response: null })).toBe("timeout")
    expect(attemptLabel({ ...base, transport: "websocket", outcome: "completed", response: null })).toBe("ack")
    expect(attemptLabel({ ...base, transport: "websocket", outcome: "nacked", response: null })).toBe("nack")
    expect(attemptLabel({ ...base, transport: "websocket", outcome: "in_flight", response: null })).toBe("in flight")
    expect(attemptLabel({ ...base, transport: "none", outcome: "cancelled", response: null })).toBe("cancelled")
  })

  it("quotes curl arguments for any shell text, and has no curl without a URL", () => {
    expect(shellQuote(`it's "x" $HOME \`id\``)).toBe(`'it'\\''s "x" $HOME \`id\`'`)
    expect(curlCommand({ url: null, connectionId: "c1", headers: {}, body: "{}" })).toBeNull()
    expect(curlCommand({ url: "http://127.0.0.1:3000/x", connectionId: null, headers: { "A": "1" }, body: `{"a":"'"}` }))
      .toBe(`curl -i -sS -X POST 'http://127.0.0.1:3000/x' \\\n  -H 'A: 1' \\\n  --data-raw '{"a":"'\\''"}'`)
  })

  it("builds the dashboard's URLs", () => {
    expect(Dashboard.url({ baseUrl: "http://127.0.0.1:8787" })).toBe("http://127.0.0.1:8787/")
    expect(Dashboard.hookUrl({ baseUrl: "http://127.0.0.1:8787" }, UNKNOWN_ID)).toBe(`http://127.0.0.1:8787/hooks/${UNKNOWN_ID}`)
  })
})
