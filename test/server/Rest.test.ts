/**
 * The REST API of the local server (docs/protocol.md §1), end to end over real
 * sockets with the SDK's `Hooks` as the client; raw requests only for what
 * the SDK refuses to send.
 */
import * as Http from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Logger, Option, Stream } from "effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { TestClock } from "effect/testing"
import type { Engine } from "../../src/server/internal/engine.js"
import * as Listeners from "../../src/server/internal/listeners.js"
import * as Rest from "../../src/server/internal/rest.js"
import * as MemoryStore from "../../src/server/MemoryStore.js"
import * as ServerConfig from "../../src/server/ServerConfig.js"
import { hooksClient, raw, startServer } from "./utils/sdk.js"

const JUNE_1 = Date.parse("2026-06-01T00:00:00Z")
const iso = (dateTime: DateTime.Utc) => DateTime.formatIso(dateTime)

describe("POST /v1/hooks", () => {
  it.effect("schedules with postIn relative to the server clock", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const { hooks } = yield* startServer()
      const hook = yield* hooks.schedule({ path: "/webhooks/user-created", postIn: "1h30m", data: { userId: "123" } })
      expect(hook.status).toBe("pending")
      expect(hook.path).toBe("/webhooks/user-created")
      expect(hook.data).toEqual({ userId: "123" })
      expect(hook.attempts).toBe(0)
      expect(iso(hook.postAt)).toBe("2026-06-01T01:30:00.000Z")
      expect(iso(hook.createdAt)).toBe("2026-06-01T00:00:00.000Z")
      expect(hook.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(Option.isNone(hook.quota)).toBe(true)
    }))

  it.effect("schedules with postAt, keeping the instant", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const { hooks } = yield* startServer()
      const hook = yield* hooks.schedule({ path: "/x", postAt: "2026-06-15T12:00:00+02:00" })
      expect(iso(hook.postAt)).toBe("2026-06-15T10:00:00.000Z")
      expect(hook.data).toBeNull()
    }))

  it.effect("resolves postAtLocal in an IANA zone, with the DST rules", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const { hooks } = yield* startServer()
      const plain = yield* hooks.schedule({ path: "/x", postAtLocal: "2026-07-04T09:00:00", timezone: "America/New_York" })
      expect(iso(plain.postAt)).toBe("2026-07-04T13:00:00.000Z")
      // 02:30 does not exist on 2026-03-08 in New York: moved forward by the one-hour gap (03:30 EDT).
      const gap = yield* hooks.schedule({ path: "/x", postAtLocal: "2026-03-08T02:30:00", timezone: "America/New_York" })
      expect(iso(gap.postAt)).toBe("2026-03-08T07:30:00.000Z")
      // 01:30 happens twice on 2026-11-01: the earlier instant (01:30 EDT) is taken, not 01:30 EST.
      const ambiguous = yield* hooks.schedule({
        path: "/x",
        postAtLocal: "2026-11-01T01:30:00",
        timezone: "America/New_York"
      })
      expect(iso(ambiguous.postAt)).toBe("2026-11-01T05:30:00.000Z")
    }))

  it.effect("keeps a retry override", () =>
    Effect.gen(function*() {
      const { hooks } = yield* startServer()
      const retryOverride = {
        minRetries: 10,
        delaySecs: 15,
        strategy: "exponential",
        backoffFactor: 2.5,
        maxDelaySecs: 3600,
        jitter: true
      } as const
      const hook = yield* hooks.schedule({ path: "/critical", postIn: "1m", retryOverride })
      expect(hook.retryOverride).toEqual(retryOverride)
      expect((yield* hooks.get(hook.id)).retryOverride).toEqual(retryOverride)
    }))

  it.effect("refuses what the service refuses, with 400 and the error envelope", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer()
      const cases: ReadonlyArray<readonly [string, unknown]> = [
        ["no scheduling mode", { path: "/x" }],
        ["two modes", { path: "/x", postIn: "5m", postAt: "2026-06-15T10:00:00Z" }],
        ["bad duration", { path: "/x", postIn: "5 minutes" }],
        ["too short", { path: "/x", postIn: "0s" }],
        ["too long", { path: "/x", postIn: "366d" }],
        ["not RFC 3339", { path: "/x", postAt: "2026-06-15 10:00" }],
        ["impossible date", { path: "/x", postAt: "2026-02-30T10:00:00Z" }],
        ["local time without zone", { path: "/x", postAtLocal: "2026-03-01T09:00:00" }],
        ["local time with offset", { path: "/x", postAtLocal: "2026-03-01T09:00:00Z", timezone: "UTC" }],
        ["zone without local time", { path: "/x", postIn: "5m", timezone: "America/New_York" }],
        ["unknown zone", { path: "/x", postAtLocal: "2026-03-01T09:00:00", timezone: "Mars/Olympus_Mons" }],
        ["offset as zone", { path: "/x", postAtLocal: "2026-03-01T09:00:00", timezone: "+02:00" }],
        ["no path", { postIn: "5m" }],
        ["relative path", { path: "webhooks/x", postIn: "5m" }],
        ["minRetries 0", { path: "/x", postIn: "5m", retryOverride: { minRetries: 0, delaySecs: 5, strategy: "fixed" } }],
        ["delaySecs 61", { path: "/x", postIn: "5m", retryOverride: { minRetries: 1, delaySecs: 61, strategy: "fixed" } }],
        ["bad strategy", { path: "/x", postIn: "5m", retryOverride: { minRetries: 1, delaySecs: 5, strategy: "linear" } }],
        ["exponential without max delay", {
          path: "/x",
          postIn: "5m",
          retryOverride: { minRetries: 1, delaySecs: 5, strategy: "exponential" }
        }],
        ["backoff factor 5", {
          path: "/x",
          postIn: "5m",
          retryOverride: { minRetries: 1, delaySecs: 5, strategy: "exponential", backoffFactor: 5, maxDelaySecs: 60 }
        }],
        ["max delay 30", {
          path: "/x",
          postIn: "5m",
          retryOverride: { minRetries: 1, delaySecs: 5, strategy: "exponential", maxDelaySecs: 30 }
        }],
        ["body not an object", [1, 2, 3]]
      ]
      for (const [label, body] of cases) {
        const response = yield* raw(local, "POST", "/v1/hooks", { body: JSON.stringify(body) })
        expect({ label, status: response.status }).toEqual({ label, status: 400 })
        expect(response.json).toEqual({ error: expect.any(String) })
      }
      const notJson = yield* raw(local, "POST", "/v1/hooks", { body: "{not json" })
      expect(notJson.status).toBe(400)
      expect(notJson.json).toEqual({ error: "the request body is not valid JSON" })
      expect(yield* local.hooks()).toEqual([])
    }))

  it.effect("answers 413 for data over 64 KB (the SDK refuses it before sending)", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* startServer()
      const justFits = "x".repeat(64 * 1024 - 2)
      const fits = yield* hooks.schedule({ path: "/x", postIn: "5m", data: justFits })
      expect(fits.data).toBe(justFits)
      const tooBig = { path: "/x", postIn: "5m", data: `${justFits}y` }
      const refused = yield* raw(local, "POST", "/v1/hooks", { body: JSON.stringify(tooBig) })
      expect(refused.status).toBe(413)
      expect(refused.json).toMatchObject({ error: expect.any(String) })
      const error = yield* Effect.flip(hooks.schedule(tooBig))
      expect(error._tag).toBe("ValidationError")
      expect((yield* local.hooks()).length).toBe(1)
    }))

  it.effect("answers data nested deeper than 1,000 levels with 400 and a JSON error, and lives on", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer()
      const deepArrays = `{"path":"/x","postIn":"5m","data":${"[".repeat(100_000)}${"]".repeat(100_000)}}`
      const deepObjects = `{"path":"/x","postIn":"5m","data":${"{\"a\":".repeat(20_000)}1${"}".repeat(20_000)}}`
      for (const [label, body] of [["arrays", deepArrays], ["objects", deepObjects]]) {
        const response = yield* raw(local, "POST", "/v1/hooks", { body })
        expect({ label, status: response.status }).toEqual({ label, status: 400 })
        expect(response.json).toEqual({ error: expect.stringContaining("more than 1000 levels deep") })
      }
      expect((yield* raw(local, "GET", "/v1/hooks")).status).toBe(200)
      expect(yield* local.hooks()).toEqual([])
    }))

  it.effect("refuses a path with control characters or over 2,048 characters (400), as the SDK does", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer()
      const paths = ["/a\r\nX-Injected: 1", "/a\u0000b", "/\u001b[31mred", "/a\u009b1m", `/${"a".repeat(2048)}`]
      for (const path of paths) {
        const response = yield* raw(local, "POST", "/v1/hooks", { body: JSON.stringify({ path, postIn: "5m" }) })
        expect({ length: path.length, status: response.status }).toEqual({ length: path.length, status: 400 })
        expect(response.json).toEqual({ error: expect.stringContaining("path") })
        // The answer never repeats what it refused.
        expect(response.text).not.toContain("\u001b")
      }
      const filter = {
        startTime: "2026-06-01T00:00:00Z",
        endTime: "2026-06-02T00:00:00Z",
        limit: 10,
        endpointKey: "/a\nb"
      }
      const bulk = yield* raw(local, "POST", "/v1/hooks/bulk/retry", { body: JSON.stringify(filter) })
      expect(bulk.status).toBe(400)
      const longest = yield* raw(local, "POST", "/v1/hooks", {
        body: JSON.stringify({ path: `/${"a".repeat(2047)}`, postIn: "5m" })
      })
      expect(longest.status).toBe(200)
      expect((yield* local.hooks()).length).toBe(1)
    }))

  it.effect("needs the API key", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer()
      const missing = yield* raw(local, "GET", "/v1/hooks", { apiKey: null })
      expect(missing.status).toBe(401)
      expect(missing.json).toEqual({ error: expect.stringContaining("X-API-Key") })
      const wrong = yield* raw(local, "POST", "/v1/hooks", { apiKey: "pk_wrong", body: "{}" })
      expect(wrong.status).toBe(401)
      expect(wrong.json).toEqual({ error: "invalid API key" })
    }))

  it.effect("the SDK sees a wrong key as AuthenticationError", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer({ apiKey: "pk_right" })
      const wrong = yield* hooksClient(local, { apiKey: "pk_wrong" })
      const error = yield* Effect.flip(wrong.list())
      expect(error._tag).toBe("AuthenticationError")
    }))
})

describe("quota", () => {
  it.effect("reports usage in headers and answers 429 when the monthly quota is spent", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const { hooks, local } = yield* startServer({ quotaLimit: 2 })
      const first = yield* hooks.schedule({ path: "/x", postIn: "5m" })
      const second = yield* hooks.schedule({ path: "/x", postIn: "5m" })
      expect(Option.map(first.quota, ({ limit, remaining, usage }) => ({ limit, remaining, usage }))).toEqual(
        Option.some({ limit: 2, usage: 1, remaining: 1 })
      )
      const secondQuota = Option.getOrThrow(second.quota)
      expect([secondQuota.usage, secondQuota.remaining]).toEqual([2, 0])
      expect(iso(secondQuota.resetsAt)).toBe("2026-07-01T00:00:00.000Z")

      const error = yield* Effect.flip(hooks.schedule({ path: "/x", postIn: "5m" }))
      expect(error._tag).toBe("RateLimitError")
      if (error._tag !== "RateLimitError") return
      expect(error.status).toBe(429)
      expect(error.headers["posthook-hookquota-remaining"]).toBe("0")
      // Thirty days until July 1st.
      expect(error.headers["retry-after"]).toBe(String(30 * 24 * 3600))
      expect(Option.map(error.retryAfter, Duration.toSeconds)).toEqual(Option.some(30 * 24 * 3600))
      expect((yield* local.hooks()).length).toBe(2)
      expect(yield* local.quota).toEqual({ limit: 2, usage: 2, resetsAt: Date.parse("2026-07-01T00:00:00Z") })

      // A new month, a new quota.
      yield* TestClock.setTime(Date.parse("2026-07-01T00:00:00Z"))
      const july = yield* hooks.schedule({ path: "/x", postIn: "5m" })
      expect(Option.map(july.quota, (quota) => quota.usage)).toEqual(Option.some(1))
    }))

  it.effect("deleting a hook does not give quota back", () =>
    Effect.gen(function*() {
      const { hooks } = yield* startServer({ quotaLimit: 1 })
      const hook = yield* hooks.schedule({ path: "/x", postIn: "5m" })
      yield* hooks.delete(hook.id)
      const error = yield* Effect.flip(hooks.schedule({ path: "/x", postIn: "5m" }))
      expect(error._tag).toBe("RateLimitError")
    }))
})

describe("GET and DELETE /v1/hooks/{id}", () => {
  it.effect("gets a hook; an unknown id is 404, a malformed one 400", () =>
    Effect.gen(function*() {
      const { hooks } = yield* startServer()
      const hook = yield* hooks.schedule({ path: "/x", postIn: "5m", data: [1, "two", { three: 3 }] })
      const fetched = yield* hooks.get(hook.id)
      expect(fetched.id).toBe(hook.id)
      expect(fetched.data).toEqual([1, "two", { three: 3 }])
      expect((yield* Effect.flip(hooks.get("00000000-0000-4000-8000-000000000000")))._tag).toBe("NotFoundError")
      expect((yield* Effect.flip(hooks.get("not-a-uuid")))._tag).toBe("BadRequestError")
    }))

  it.effect("deletes a hook; deleting again succeeds (404 is treated as done)", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* startServer()
      const hook = yield* hooks.schedule({ path: "/x", postIn: "5m" })
      yield* hooks.delete(hook.id)
      expect((yield* Effect.flip(hooks.get(hook.id)))._tag).toBe("NotFoundError")
      yield* hooks.delete(hook.id)
      const again = yield* raw(local, "DELETE", `/v1/hooks/${hook.id}`)
      expect(again.status).toBe(404)
      expect(again.json).toEqual({ error: expect.any(String) })
      const first = yield* hooks.schedule({ path: "/x", postIn: "5m" })
      const deleted = yield* raw(local, "DELETE", `/v1/hooks/${first.id}`)
      expect([deleted.status, deleted.json]).toEqual([200, { data: {} }])
    }))

  it.effect("answers unknown routes with the error envelope", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer()
      const response = yield* raw(local, "GET", "/v1/nothing-here")
      expect([response.status, response.json]).toEqual([404, { error: "not found" }])
      const bulk = yield* raw(local, "POST", "/v1/hooks/bulk/explode", { body: "{}" })
      expect(bulk.status).toBe(404)
    }))
})

describe("GET /v1/hooks", () => {
  /** Five hooks, created one minute apart, due at 10:00, 09:00, 11:00, 09:00 and 12:00. */
  const seed = Effect.gen(function*() {
    yield* TestClock.setTime(JUNE_1)
    const server = yield* startServer()
    const dueHours = [10, 9, 11, 9, 12]
    const ids: Array<string> = []
    for (const hour of dueHours) {
      const hook = yield* server.hooks.schedule({ path: `/h${hour}`, postAt: `2026-06-02T${String(hour).padStart(2, "0")}:00:00Z` })
      ids.push(hook.id)
      yield* TestClock.adjust("1 minute")
    }
    return { ...server, ids }
  })

  it.effect("lists newest first by default, and sorts by postAt or createdAt either way", () =>
    Effect.gen(function*() {
      const { hooks, ids } = yield* seed
      expect((yield* hooks.list()).map((hook) => hook.id)).toEqual([...ids].reverse())
      const byCreated = yield* hooks.list({ sortBy: "createdAt", sortOrder: "ASC" })
      expect(byCreated.map((hook) => hook.id)).toEqual(ids)
      const byPostAt = yield* hooks.list({ sortBy: "postAt", sortOrder: "ASC" })
      expect(byPostAt.map((hook) => hook.path)).toEqual(["/h9", "/h9", "/h10", "/h11", "/h12"])
      const latestFirst = yield* hooks.list({ sortBy: "postAt", sortOrder: "DESC" })
      expect(latestFirst.map((hook) => hook.path)).toEqual(["/h12", "/h11", "/h10", "/h9", "/h9"])
    }))

  it.effect("filters by time (exclusive bounds), status, limit and offset", () =>
    Effect.gen(function*() {
      const { hooks, ids } = yield* seed
      const paths = (list: ReadonlyArray<{ readonly path: string }>) => list.map((hook) => hook.path)
      expect(paths(yield* hooks.list({ postAtAfter: "2026-06-02T09:00:00Z", sortBy: "postAt", sortOrder: "ASC" })))
        .toEqual(["/h10", "/h11", "/h12"])
      expect(paths(yield* hooks.list({ postAtBefore: "2026-06-02T10:00:00Z", sortBy: "postAt", sortOrder: "ASC" })))
        .toEqual(["/h9", "/h9"])
      const created = (yield* hooks.list({ sortBy: "createdAt", sortOrder: "ASC" })).map((hook) => hook.createdAt)
      const middle = yield* hooks.list({
        createdAtAfter: created[0]!,
        createdAtBefore: created[4]!,
        sortBy: "createdAt",
        sortOrder: "ASC"
      })
      expect(middle.map((hook) => hook.id)).toEqual(ids.slice(1, 4))
      expect((yield* hooks.list({ status: "pending" })).length).toBe(5)
      expect(yield* hooks.list({ status: "completed" })).toEqual([])
      const page = yield* hooks.list({ sortBy: "createdAt", sortOrder: "ASC", limit: 2, offset: 1 })
      expect(page.map((hook) => hook.id)).toEqual(ids.slice(1, 3))
    }))

  it.effect("refuses bad filters with 400", () =>
    Effect.gen(function*() {
      const { local } = yield* startServer()
      for (
        const query of [
          "limit=1001",
          "limit=0",
          "limit=ten",
          "offset=-1",
          "status=done",
          "sortBy=path",
          "sortOrder=UP",
          "postAtAfter=yesterday"
        ]
      ) {
        const response = yield* raw(local, "GET", `/v1/hooks?${query}`)
        expect({ query, status: response.status }).toEqual({ query, status: 400 })
      }
    }))

  it.effect("listAll yields every hook once, also when many share a postAt across page edges", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const { hooks } = yield* startServer()
      const scheduled: Array<string> = []
      // 5 distinct due times, 23 hooks each: page boundaries of 10 and 7 fall inside ties.
      for (let group = 0; group < 5; group++) {
        for (let n = 0; n < 23; n++) {
          const hook = yield* hooks.schedule({ path: `/g${group}`, postAt: `2026-06-0${group + 2}T08:00:00Z` })
          scheduled.push(hook.id)
        }
      }
      const all = yield* Stream.runCollect(hooks.listAll({ pageSize: 10 }))
      expect(all.length).toBe(scheduled.length)
      expect(new Set(all.map((hook) => hook.id))).toEqual(new Set(scheduled))
      const postAts = all.map((hook) => DateTime.toEpochMillis(hook.postAt))
      expect(postAts).toEqual([...postAts].sort((a, b) => a - b))
      const after = yield* Stream.runCollect(hooks.listAll({ pageSize: 7, postAtAfter: "2026-06-04T08:00:00Z" }))
      expect(after.map((hook) => hook.path).sort()).toEqual([...Array(23).fill("/g3"), ...Array(23).fill("/g4")])
    }))
})

describe("POST /v1/ws/ticket", () => {
  it.effect("hands out a short-lived ticket and the WebSocket URL", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const { local } = yield* startServer({ ticketTtl: "30 seconds" })
      const response = yield* raw(local, "POST", "/v1/ws/ticket")
      expect(response.status).toBe(200)
      expect(response.json).toEqual({
        data: {
          ticket: expect.stringMatching(/^wst_/),
          url: `${local.baseUrl.replace("http", "ws")}/v1/ws`,
          expiresAt: "2026-06-01T00:00:30Z"
        }
      })
      const unauthenticated = yield* raw(local, "POST", "/v1/ws/ticket", { apiKey: null })
      expect(unauthenticated.status).toBe(401)
    }))
})

describe("defects", () => {
  /** Log lines as `<level> <first message part>`. */
  const capturing = () => {
    const lines: Array<string> = []
    const layer = Logger.layer([
      Logger.make(({ logLevel, message }) =>
        lines.push(`${logLevel} ${String(Array.isArray(message) ? message[0] : message)}`)
      )
    ])
    return { lines, layer }
  }

  const post = (url: string, headers: Record<string, string>, body: string) =>
    Effect.promise(async () => {
      const response = await fetch(url, { method: "POST", headers, body })
      return { status: response.status, json: (await response.json()) as unknown }
    })

  it.live("a defect in a REST route is a 500 in the error envelope and one log line naming the route", () => {
    const { layer, lines } = capturing()
    return Effect.gen(function*() {
      const boom = Effect.die(new Error("boom"))
      const engine: Engine = {
        schedule: () => boom,
        quota: boom,
        remove: () => boom,
        bulk: () => boom,
        deliverNow: () => boom,
        callback: () => boom,
        onFrame: () => boom,
        onDisconnect: () => boom
      }
      const config = ServerConfig.resolve({ apiKey: "pk_test" })
      const api = Rest.make({
        config,
        engine,
        store: yield* MemoryStore.make,
        listeners: Listeners.make(),
        publicUrl: "http://127.0.0.1",
        tokenSecret: "secret",
        websocket: boom
      })
      const server = yield* NodeHttpServer.make(() => Http.createServer(), { port: 0, host: "127.0.0.1" })
      yield* server.serve(Rest.withNotFound(api))
      const address = server.address
      const port = address._tag === "UnixPathAddress" ? 0 : address.port
      const response = yield* post(
        `http://127.0.0.1:${port}/v1/hooks`,
        { "x-api-key": "pk_test", "content-type": "application/json" },
        JSON.stringify({ path: "/x", postIn: "5m" })
      )
      expect([response.status, response.json]).toEqual([500, { error: "internal error: boom" }])
      expect(lines).toEqual(["Error POST /v1/hooks failed with an unexpected error"])
    }).pipe(Effect.provide(layer))
  })

  it.live("a defect in extra routes is a 500 in the error envelope and one log line, not an empty 500", () => {
    const { layer, lines } = capturing()
    return Effect.gen(function*() {
      const { local } = yield* startServer({
        routes: () =>
          Effect.gen(function*() {
            const router = yield* HttpRouter.make
            yield* router.add("POST", "/extra", Effect.die(new Error("extra broke")))
            yield* router.add("GET", "/fine", HttpServerResponse.text("fine"))
            return yield* router.asHttpEffect()
          })
      })
      const response = yield* post(`${local.baseUrl}/extra`, {}, "")
      expect([response.status, response.json]).toEqual([500, { error: "internal error: extra broke" }])
      expect(lines).toEqual(["Error a POST request failed with an unexpected error"])
    }).pipe(Effect.provide(layer))
  })
})
