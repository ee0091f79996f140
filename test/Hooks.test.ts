import { describe, expect, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Option, Schema, Stream } from "effect"
import { Hooks, Posthook, PosthookConfig } from "posthook-effect"
import * as Arbitrary from "effect/Arbitrary"
import { constantFrom, dateText, integer, record, string, weighted } from "./utils/arbitraries.js"
import { layerWithClient, listing, Reply, TEST_API_KEY, TestApiServer, wireHook } from "./utils/TestApiServer.js"

const provide = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, layerWithClient())

const USER_AGENT = /^posthook-effect\/\d+\.\d+\.\d+ \(Node\.js \d+\.\d+\.\d+; [a-z0-9]+\)$/

/** Asserts the headers every API request carries. */
const expectApiHeaders = (headers: Readonly<Record<string, string>>) => {
  expect(headers["x-api-key"]).toBe(TEST_API_KEY)
  expect(headers["user-agent"]).toMatch(USER_AGENT)
  expect(headers["content-type"]).toBe("application/json")
}

const utc = (iso: string) => DateTime.makeUnsafe(iso)

/** A postAt the local Posthook will not reach during a test. */
const LATER = "2030-01-01T00:00:00Z"

describe("Hooks.schedule", () => {
  it.effect("postIn string: sends POST /v1/hooks with the JSON body and decodes the hook", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const returned = wireHook({
        id: "6e1f3a02-6a43-4c55-9b1b-0e6b2b9b7f10",
        path: "/webhooks/user-created",
        data: { userId: "123", event: "user.created" },
        postAt: "2026-06-15T10:05:00Z"
      })
      yield* server.enqueue(Reply.data(returned, 201))
      const hook = yield* hooks.schedule({
        path: "/webhooks/user-created",
        postIn: "5m",
        data: { userId: "123", event: "user.created" }
      })
      const [request] = yield* server.requests
      expect(request?.method).toBe("POST")
      expect(request?.path).toBe("/v1/hooks")
      expect(request?.rawQuery).toBe("")
      expectApiHeaders(request?.headers ?? {})
      expect(request?.json).toEqual({
        path: "/webhooks/user-created",
        postIn: "5m",
        data: { userId: "123", event: "user.created" }
      })
      expect(hook.id).toBe(returned.id)
      expect(hook.status).toBe("pending")
      expect(hook.data).toEqual({ userId: "123", event: "user.created" })
      expect(DateTime.formatIso(hook.postAt)).toBe("2026-06-15T10:05:00.000Z")
      expect(Option.isNone(hook.quota)).toBe(true)
    })))

  it.effect("postIn as an Effect Duration is sent in the duration grammar", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* hooks.schedule({ path: "/a", postIn: Duration.minutes(90) })
      yield* hooks.schedule({ path: "/a", postIn: Duration.sum(Duration.days(1), Duration.seconds(5)) })
      const requests = yield* server.requests
      expect(requests.map((request) => request.json)).toEqual([
        { path: "/a", postIn: "1h30m" },
        { path: "/a", postIn: "1d5s" }
      ])
    })))

  it.effect("postAt as Date, DateTime, UTC string and offset string is sent in UTC", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* hooks.schedule({ path: "/a", postAt: new Date(Date.UTC(2026, 5, 15, 10, 0, 0)) })
      yield* hooks.schedule({ path: "/a", postAt: new Date(Date.UTC(2026, 5, 15, 10, 0, 0, 250)) })
      yield* hooks.schedule({
        path: "/a",
        postAt: DateTime.makeZonedUnsafe(Date.UTC(2026, 5, 15, 10), { timeZone: "Europe/Paris" })
      })
      yield* hooks.schedule({ path: "/a", postAt: "2026-06-15T10:00:00.123456Z" })
      yield* hooks.schedule({ path: "/a", postAt: "2026-06-15T12:00:00.5+02:00" })
      yield* hooks.schedule({ path: "/a", postAt: "2026-06-14T23:30:00-10:30" })
      const requests = yield* server.requests
      expect(requests.map((request) => (request.json as { postAt: string }).postAt)).toEqual([
        "2026-06-15T10:00:00Z",
        "2026-06-15T10:00:00.250Z",
        "2026-06-15T10:00:00Z",
        "2026-06-15T10:00:00.123456Z",
        "2026-06-15T10:00:00.5Z",
        "2026-06-15T10:00:00Z"
      ])
    })))

  it.effect("postAtLocal + timezone are sent as given (zone in canonical spelling)", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* hooks.schedule({
        path: "/webhooks/daily-digest",
        postAtLocal: "2026-03-01T09:00:00",
        timezone: "america/new_york",
        data: { userId: "123" }
      })
      const [request] = yield* server.requests
      expect(request?.json).toEqual({
        path: "/webhooks/daily-digest",
        postAtLocal: "2026-03-01T09:00:00",
        timezone: "America/New_York",
        data: { userId: "123" }
      })
    })))

  it.effect("retryOverride is sent and decoded back", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const retryOverride = {
        minRetries: 10,
        delaySecs: 15,
        strategy: "exponential",
        backoffFactor: 2,
        maxDelaySecs: 3600,
        jitter: true
      } as const
      const hook = yield* hooks.schedule({ path: "/webhooks/critical", postIn: "1m", data: { orderId: "456" }, retryOverride })
      const [request] = yield* server.requests
      expect(request?.json).toEqual({ path: "/webhooks/critical", postIn: "1m", data: { orderId: "456" }, retryOverride })
      expect(hook.retryOverride).toEqual(retryOverride)
    })))

  it.effect("quota comes from the Posthook-HookQuota-* headers", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      // The local Posthook (quota 10000) sends the four headers.
      const hook = yield* hooks.schedule({ path: "/test", postIn: "5m" })
      const quota = Option.getOrThrow(hook.quota)
      const usage = yield* server.local.quota
      expect(quota.limit).toBe(10000)
      expect(quota.usage).toBe(1)
      expect(quota.remaining).toBe(9999)
      expect(DateTime.toEpochMillis(quota.resetsAt)).toBe(usage.resetsAt)

      const answer = (headers: Record<string, string>) => Reply.data(wireHook({ path: "/test" }), 201, headers)
      yield* server.enqueue(
        answer({
          "Posthook-HookQuota-Limit": "10000",
          "Posthook-HookQuota-Usage": "42",
          "Posthook-HookQuota-Remaining": "9958",
          "Posthook-HookQuota-Resets-At": "2026-07-01T00:00:00Z"
        }),
        answer({ "Posthook-HookQuota-Limit": "10000" }),
        answer({
          "Posthook-HookQuota-Limit": "lots",
          "Posthook-HookQuota-Usage": "42",
          "Posthook-HookQuota-Remaining": "9958",
          "Posthook-HookQuota-Resets-At": "2026-07-01T00:00:00Z"
        })
      )
      const given = Option.getOrThrow((yield* hooks.schedule({ path: "/test", postIn: "5m" })).quota)
      expect([given.limit, given.usage, given.remaining]).toEqual([10000, 42, 9958])
      expect(DateTime.formatIso(given.resetsAt)).toBe("2026-07-01T00:00:00.000Z")

      const partial = yield* hooks.schedule({ path: "/test", postIn: "5m" })
      expect(Option.isNone(partial.quota)).toBe(true)

      const malformed = yield* hooks.schedule({ path: "/test", postIn: "5m" })
      expect(Option.isNone(malformed.quota)).toBe(true)
    })))

  it.effect("quotaFromHeaders reads exactly what the quota schema reads (hand-written for the API's form)", () =>
    Effect.gen(function*() {
      // The rule as documented: four headers, three non-negative integer counts and a UTC time.
      const Count = Schema.NumberFromString.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))
      const reference = Schema.decodeUnknownOption(Schema.Struct({
        "posthook-hookquota-limit": Count,
        "posthook-hookquota-usage": Count,
        "posthook-hookquota-remaining": Count,
        "posthook-hookquota-resets-at": Schema.DateTimeUtcFromString
      }))
      const count = weighted(
        [6, Arbitrary.map(integer({ min: 0, max: 1_000_000_000 }), String)],
        [3, constantFrom("0042", " 42", "+42", "-1", "-0", "1e3", "0x10", "4.5", "", "lots", "9007199254740993")],
        [1, string]
      )
      const headers = record({
        "posthook-hookquota-limit": count,
        "posthook-hookquota-usage": count,
        "posthook-hookquota-remaining": count,
        "posthook-hookquota-resets-at": weighted([3, Arbitrary.Constant("2026-07-01T00:00:00Z")], [2, dateText]),
        "content-type": Arbitrary.Constant("application/json")
      }, ["posthook-hookquota-limit", "posthook-hookquota-usage", "posthook-hookquota-remaining"])
      let some = 0
      const result = yield* Arbitrary.checkEffect(headers, (input) =>
        Effect.try(() => {
          const given = input as Record<string, string>
          const quota = Hooks.quotaFromHeaders(given)
          const expected = reference(given)
          expect(Option.isSome(quota)).toBe(Option.isSome(expected))
          if (Option.isSome(quota) && Option.isSome(expected)) {
            some++
            expect([quota.value.limit, quota.value.usage, quota.value.remaining]).toEqual([
              expected.value["posthook-hookquota-limit"],
              expected.value["posthook-hookquota-usage"],
              expected.value["posthook-hookquota-remaining"]
            ])
            expect(quota.value.resetsAt.epochMilliseconds).toBe(expected.value["posthook-hookquota-resets-at"].epochMilliseconds)
          }
          return true
        }), { runs: 2000 })
      expect(Arbitrary.formatCheckFailure(result)).toBeUndefined()
      expect(some).toBeGreaterThan(100)
    }))

  it.effect("a data schema encodes data on the way out and decodes it on the way back", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const Reminder = Schema.Struct({ userId: Schema.String, remindAt: Schema.DateFromString })
      const hook = yield* hooks.schedule({
        path: "/webhooks/reminder",
        postIn: "30m",
        data: { userId: "123", remindAt: new Date("2026-06-15T10:00:00.000Z") },
        dataSchema: Reminder
      })
      const [request] = yield* server.requests
      expect(request?.json).toEqual({
        path: "/webhooks/reminder",
        postIn: "30m",
        data: { userId: "123", remindAt: "2026-06-15T10:00:00.000Z" }
      })
      expect(hook.data.remindAt).toBeInstanceOf(Date)
      expect(hook.data.remindAt.toISOString()).toBe("2026-06-15T10:00:00.000Z")
    })))

  it.effect("schedule encodes its data when the effect runs, each time it runs, not when it is built", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      let encodes = 0
      const Counted = Schema.Struct({ userId: Schema.String }).check(Schema.makeFilter(() => {
        encodes++
        return true
      }))
      const scheduling = hooks.schedule({ path: "/test", postIn: "5m", data: { userId: "123" }, dataSchema: Counted })
      expect(encodes).toBe(0)
      yield* scheduling
      const afterOne = encodes
      expect(afterOne).toBeGreaterThan(0)
      yield* scheduling
      // Once more on the way out (the way back decodes the answer, which counts too).
      expect(encodes).toBe(afterOne * 2)
    })))

  it.effect("a response whose data does not match the data schema is a ResponseDecodeError", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.data(wireHook({ data: { userId: 123 } }), 201))
      const error = yield* Effect.flip(
        hooks.schedule({
          path: "/x",
          postIn: "5m",
          data: { userId: "123" },
          dataSchema: Schema.Struct({ userId: Schema.String })
        })
      )
      expect(error._tag).toBe("ResponseDecodeError")
      expect(error.message).toContain("userId")
    })))
})

describe("Hooks.get", () => {
  it.effect("GET /v1/hooks/{id} with the id URL-encoded; decodes every field, ignores unknown ones", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.data({
        id: "a/b c?",
        path: "/webhooks/x",
        domain: "webhook.example.com",
        data: { n: 1 },
        postAt: "2026-06-15T10:00:00.123456Z",
        status: "failed",
        postDurationSeconds: 0.25,
        attempts: 4,
        failureError: "HTTP 500",
        sequenceData: { sequenceID: "seq-1", stepName: "step-a", sequenceLastRunAt: "2026-06-15T09:00:00Z" },
        retryOverride: { minRetries: 3, delaySecs: 10, strategy: "fixed" },
        createdAt: "2026-06-15T09:00:00Z",
        updatedAt: "2026-06-15T10:00:01Z",
        tryAt: "2026-06-15T10:01:00Z",
        wasNotified: true
      }, 200, { "x-request-id": "req-1" }))
      const hook = yield* hooks.get("a/b c?")
      const [request] = yield* server.requests
      expect(request?.method).toBe("GET")
      expect(request?.path).toBe("/v1/hooks/a%2Fb%20c%3F")
      expect(request?.body).toBe("")
      expectApiHeaders(request?.headers ?? {})
      expect(hook).toEqual({
        id: "a/b c?",
        path: "/webhooks/x",
        domain: "webhook.example.com",
        data: { n: 1 },
        postAt: utc("2026-06-15T10:00:00.123Z"),
        status: "failed",
        postDurationSeconds: 0.25,
        attempts: 4,
        failureError: "HTTP 500",
        sequenceData: { sequenceID: "seq-1", stepName: "step-a", sequenceLastRunAt: "2026-06-15T09:00:00Z" },
        retryOverride: { minRetries: 3, delaySecs: 10, strategy: "fixed" },
        createdAt: utc("2026-06-15T09:00:00Z"),
        updatedAt: utc("2026-06-15T10:00:01Z")
      })
      expect("tryAt" in hook).toBe(false)
    })))

  it.effect("null optional fields decode as absent", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(
        Reply.data({ ...wireHook({ id: "h1" }), domain: null, failureError: null, sequenceData: null, retryOverride: null })
      )
      const hook = yield* hooks.get("h1")
      expect("domain" in hook || "failureError" in hook || "sequenceData" in hook || "retryOverride" in hook).toBe(false)
    })))

  it.effect("an unknown id fails with NotFoundError", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const error = yield* Effect.flip(hooks.get("0b9a6a34-0000-4000-8000-000000000000"))
      expect(error._tag).toBe("NotFoundError")
      // The local Posthook's own 404 message, passed through as the error's message.
      expect(error.message).toBe("hook 0b9a6a34-0000-4000-8000-000000000000 not found")
    })))

  it.effect("a data schema types the hook's data", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const [seeded] = yield* server.seed([{ path: "/webhooks/test", postAt: LATER, data: { count: "7" } }])
      const hook = yield* hooks.get(seeded!.id, { dataSchema: Schema.Struct({ count: Schema.NumberFromString }) })
      expect(hook.data.count).toBe(7)
    })))
})

describe("Hooks.list", () => {
  it.effect("sends every filter as a query parameter", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* hooks.list({
        status: "failed",
        limit: 50,
        offset: 10,
        postAtBefore: new Date(Date.UTC(2026, 6, 1)),
        postAtAfter: "2026-06-01T00:00:00.123456Z",
        createdAtBefore: DateTime.makeUnsafe("2026-05-01T00:00:00Z"),
        createdAtAfter: "2026-04-01T02:00:00+02:00",
        sortBy: "createdAt",
        sortOrder: "DESC"
      })
      const [request] = yield* server.requests
      expect(request?.method).toBe("GET")
      expect(request?.path).toBe("/v1/hooks")
      expectApiHeaders(request?.headers ?? {})
      expect(request?.query).toEqual({
        status: "failed",
        limit: "50",
        offset: "10",
        postAtBefore: "2026-07-01T00:00:00Z",
        postAtAfter: "2026-06-01T00:00:00.123456Z",
        createdAtBefore: "2026-05-01T00:00:00Z",
        createdAtAfter: "2026-04-01T00:00:00Z",
        sortBy: "createdAt",
        sortOrder: "DESC"
      })
    })))

  it.effect("leaves unset filters out and decodes the hooks", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const [a, b] = yield* server.seed([
        { path: "/webhooks/a", postAt: "2026-01-01T00:00:00Z" },
        { path: "/webhooks/b", postAt: "2026-01-02T00:00:00Z" }
      ])
      // Cancelling marks a hook failed.
      yield* server.local.cancel([a!.id])
      const all = yield* hooks.list()
      const failed = yield* hooks.list({ status: "failed" })
      const [first, second] = yield* server.requests
      expect(first?.rawQuery).toBe("")
      expect(second?.rawQuery).toBe("status=failed")
      // Both hooks were created at the same instant: the default order (createdAt DESC) leaves them in any order.
      expect(all.map((hook) => hook.id).sort()).toEqual([a!.id, b!.id].sort())
      expect(failed.map((hook) => [hook.id, hook.status, hook.failureError])).toEqual([[a!.id, "failed", "cancelled"]])
    })))
})

describe("Hooks.delete", () => {
  it.effect("DELETE /v1/hooks/{id}; succeeds on 200 and, idempotently, on 404", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const [seeded] = yield* server.seed([{ path: "/webhooks/test", postAt: LATER }])
      const id = seeded!.id
      yield* hooks.delete(id)
      yield* hooks.delete(id)
      const requests = yield* server.requests
      expect(requests.map((request) => `${request.method} ${request.path}`)).toEqual([
        `DELETE /v1/hooks/${id}`,
        `DELETE /v1/hooks/${id}`
      ])
      expectApiHeaders(requests[0]?.headers ?? {})
      expect(requests[0]?.body).toBe("")
      expect(requests[0]?.rawQuery).toBe("")
      expect(yield* server.local.hooks()).toEqual([])
    })))

  it.effect("accepts a success answer without a body", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.text(204, ""), Reply.text(200, ""))
      yield* hooks.delete("h1")
      yield* hooks.delete("h2")
      expect((yield* server.requests).length).toBe(2)
    })))

  it.effect("other errors still fail", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.error(403, "not your hook"))
      const error = yield* Effect.flip(hooks.delete("h1"))
      expect(error._tag).toBe("ForbiddenError")
    })))
})

describe("Hooks.bulk", () => {
  const filter = {
    startTime: "2026-02-01T00:00:00Z",
    endTime: new Date(Date.UTC(2026, 1, 22)),
    limit: 500,
    endpointKey: "/webhooks/deprecated",
    sequenceId: "seq-9"
  }
  const wireFilter = {
    startTime: "2026-02-01T00:00:00Z",
    endTime: "2026-02-22T00:00:00Z",
    limit: 500,
    endpointKey: "/webhooks/deprecated",
    sequenceID: "seq-9"
  }

  it.effect("all six methods: path, body and the affected count", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(...[1, 2, 3, 4, 5, 6].map((affected) => Reply.data({ affected })))
      const results = [
        yield* hooks.bulk.retry(["id-1", "id-2", "id-3"]),
        yield* hooks.bulk.replay(["id-1"]),
        yield* hooks.bulk.cancel(["id-2"]),
        yield* hooks.bulk.retryByFilter(filter),
        yield* hooks.bulk.replayByFilter(filter),
        yield* hooks.bulk.cancelByFilter({ startTime: filter.startTime, endTime: filter.endTime, limit: 10 })
      ]
      expect(results).toEqual([1, 2, 3, 4, 5, 6].map((affected) => ({ affected })))
      const requests = yield* server.requests
      for (const request of requests) {
        expect(request.method).toBe("POST")
        expectApiHeaders(request.headers)
      }
      expect(requests.map((request) => [request.path, request.json])).toEqual([
        ["/v1/hooks/bulk/retry", { hookIDs: ["id-1", "id-2", "id-3"] }],
        ["/v1/hooks/bulk/replay", { hookIDs: ["id-1"] }],
        ["/v1/hooks/bulk/cancel", { hookIDs: ["id-2"] }],
        ["/v1/hooks/bulk/retry", wireFilter],
        ["/v1/hooks/bulk/replay", wireFilter],
        ["/v1/hooks/bulk/cancel", { startTime: wireFilter.startTime, endTime: wireFilter.endTime, limit: 10 }]
      ])
    })))

  it.effect("the local Posthook applies them: cancel by filter cancels the pending hooks of one endpoint in range", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const [keep, drop, later, settled] = yield* server.seed([
        { path: "/webhooks/other", postAt: "2026-02-10T00:00:00Z" },
        { path: "/webhooks/deprecated", postAt: "2026-02-10T00:00:00Z" },
        { path: "/webhooks/deprecated", postAt: "2026-03-10T00:00:00Z" },
        { path: "/webhooks/deprecated", postAt: "2026-02-10T00:00:00Z" }
      ])
      // A hook of that endpoint in range that is no longer pending: cancel must leave it alone.
      yield* server.local.cancel([settled!.id])
      const settledBefore = yield* server.local.hook(settled!.id)
      const result = yield* hooks.bulk.cancelByFilter({ ...filter, sequenceId: undefined })
      expect(result.affected).toBe(1)
      const pending = yield* server.local.hooks({ status: "pending" })
      expect(pending.map((hook) => hook.id).sort()).toEqual([keep!.id, later!.id].sort())
      expect(pending.map((hook) => hook.id)).not.toContain(drop!.id)
      expect(yield* server.local.hook(settled!.id)).toEqual(settledBefore)
    })))

  it.effect("a bulk POST is not retried by default", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.error(503, "unavailable"))
      const error = yield* Effect.flip(hooks.bulk.retry(["id-1"]))
      expect(error._tag).toBe("InternalServerError")
      expect((yield* server.requests).length).toBe(1)
    })))
})

describe("Hooks.listAll", () => {
  const samePostAt = "2026-06-15T10:00:00.123456Z"

  it.effect("250 hooks sharing one postAt, pages of 100: each hook exactly once", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      // The real local Posthook behind the recorder.
      const seeded = yield* server.seed(
        Array.from({ length: 250 }, (_, index) => ({ path: `/webhooks/${index}`, postAt: samePostAt }))
      )
      const ids = (yield* Stream.runCollect(hooks.listAll({ pageSize: 100 }))).map((hook) => hook.id)
      expect(ids.length).toBe(250)
      expect(new Set(ids).size).toBe(250)
      expect([...ids].sort()).toEqual(seeded.map((hook) => hook.id).sort())
      const requests = yield* server.requests
      expect(requests.map((request) => request.query)).toEqual([
        { sortBy: "postAt", sortOrder: "ASC", limit: "100" },
        { sortBy: "postAt", sortOrder: "ASC", limit: "100", offset: "100" },
        { sortBy: "postAt", sortOrder: "ASC", limit: "100", offset: "200" }
      ])
    })))

  it.effect("runs of equal postAt straddling page edges, sub-millisecond cursors kept exact", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      // Group sizes chosen to straddle every edge of pages of 7: runs of 1, 6, 9, 3, 14, 2 hooks.
      const groups = [1, 6, 9, 3, 14, 2]
      const seeded = groups.flatMap((size, group) =>
        Array.from({ length: size }, (_, index) =>
          wireHook({
            id: `g${group}-${String(index).padStart(2, "0")}`,
            // Differ only in the microseconds: a Date round trip would merge them.
            postAt: `2026-06-15T10:00:00.123${String(group).padStart(3, "0")}Z`,
            status: "failed"
          }))
      )
      // Sub-millisecond postAt texts the local Posthook would round: served from a model.
      yield* server.answerWith(listing([...seeded, wireHook({ id: "other-status", status: "completed" })]))
      const listed = yield* Stream.runCollect(hooks.listAll({ status: "failed", pageSize: 7 }))
      expect(listed.map((hook) => hook.id)).toEqual(seeded.map((hook) => hook.id))
      const requests = yield* server.requests
      for (const request of requests) expect(request.query.status).toBe("failed")
      const cursors = requests.map((request) => request.query.postAtAfter).filter((cursor) => cursor !== undefined)
      expect(cursors.length).toBeGreaterThan(0)
      for (const cursor of cursors) expect(cursor).toMatch(/^2026-06-15T10:00:00\.123\d{3}Z$/)
    })))

  it.effect("starts after a given postAtAfter and passes the other filters on every page", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const seeded = yield* server.seed(
        Array.from({ length: 5 }, (_, index) => ({ path: `/webhooks/${index}`, postAt: `2026-06-1${index}T00:00:00Z` }))
      )
      const ids = (
        yield* Stream.runCollect(hooks.listAll({
          postAtAfter: "2026-06-11T00:00:00Z",
          postAtBefore: "2026-06-14T00:00:00Z",
          // The local Posthook runs on the TestClock: its hooks were created at the epoch.
          createdAtAfter: "1969-12-31T00:00:00Z",
          pageSize: 1
        }))
      ).map((hook) => hook.id)
      expect(ids).toEqual([seeded[2]!.id, seeded[3]!.id])
      const requests = yield* server.requests
      expect(requests[0]?.query).toEqual({
        sortBy: "postAt",
        sortOrder: "ASC",
        limit: "1",
        postAtAfter: "2026-06-11T00:00:00Z",
        postAtBefore: "2026-06-14T00:00:00Z",
        createdAtAfter: "1969-12-31T00:00:00Z"
      })
      for (const request of requests) {
        expect(request.query).toMatchObject({
          sortBy: "postAt",
          sortOrder: "ASC",
          limit: "1",
          postAtBefore: "2026-06-14T00:00:00Z",
          createdAtAfter: "1969-12-31T00:00:00Z"
        })
      }
      // Pages of one hook: the cursor moves once the next page shows a later postAt.
      expect(requests.map((request) => [request.query.postAtAfter, request.query.offset])).toEqual([
        ["2026-06-11T00:00:00Z", undefined],
        ["2026-06-11T00:00:00Z", "1"],
        ["2026-06-12T00:00:00Z", "1"]
      ])
    })))

  it.effect("fetches pages lazily: taking 3 hooks from pages of 2 makes 2 requests", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const seeded = yield* server.seed(
        Array.from({ length: 20 }, (_, index) => ({
          path: `/webhooks/${index}`,
          postAt: `2026-06-15T10:00:${String(index).padStart(2, "0")}Z`
        }))
      )
      const taken = yield* Stream.runCollect(Stream.take(hooks.listAll({ pageSize: 2 }), 3))
      expect(taken.map((hook) => hook.id)).toEqual(seeded.slice(0, 3).map((hook) => hook.id))
      expect((yield* server.requests).length).toBe(2)
    })))

  it.effect("stops with an error when the server ignores offset instead of looping forever", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const page = [wireHook({ id: "a", postAt: samePostAt }), wireHook({ id: "b", postAt: samePostAt })]
      yield* server.enqueue(Reply.data(page), Reply.data(page))
      const error = yield* Effect.flip(Stream.runCollect(hooks.listAll({ pageSize: 2 })))
      expect(error._tag).toBe("ResponseDecodeError")
      expect(error.message).toContain("offset")
      expect((yield* server.requests).length).toBe(2)
    })))

  it.effect("a page with a bad hook fails the stream with ResponseDecodeError", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.data([wireHook(), { ...wireHook(), postAt: 42 }]))
      const error = yield* Effect.flip(Stream.runCollect(hooks.listAll()))
      expect(error._tag).toBe("ResponseDecodeError")
      expect(error.message).toContain("postAt")
    })))

  it.effect("a data schema types every hook's data", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.seed([
        { path: "/webhooks/x", postAt: LATER, data: { n: "1" } },
        { path: "/webhooks/y", postAt: LATER, data: { n: "2" } }
      ])
      const data = (
        yield* Stream.runCollect(hooks.listAll({ dataSchema: Schema.Struct({ n: Schema.NumberFromString }) }))
      ).map((hook) => hook.data.n)
      expect([...data].sort()).toEqual([1, 2])
    })))
})

describe("Posthook service", () => {
  it.effect("exposes hooks and config; the Layer also provides Hooks and PosthookConfig", () =>
    provide(Effect.gen(function*() {
      const posthook = yield* Posthook.Posthook
      const hooks = yield* Hooks.Hooks
      const config = yield* PosthookConfig.PosthookConfig
      const server = yield* TestApiServer
      expect(posthook.hooks).toBe(hooks)
      expect(posthook.config).toBe(config)
      expect(config.baseUrl).toBe(server.url)
      const hook = yield* posthook.hooks.schedule({ path: "/test", postIn: "5m" })
      expect(hook.path).toBe("/test")
    })))
})
