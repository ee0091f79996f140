import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import {
  Cause,
  Duration,
  Effect,
  Exit,
  Fiber,
  Logger,
  Option,
  References,
  Schedule
} from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as TestClock from "effect/testing/TestClock"
import * as Net from "node:net"
import { inspect } from "node:util"
import { Hooks, PosthookError } from "posthook-effect"
import packageJson from "../package.json" with { type: "json" }
import * as Transport from "../src/internal/transport.js"
import { VERSION } from "../src/internal/version.js"
import { runDrivingClock } from "./utils/testClock.js"
import { recordingTracer } from "./utils/tracing.js"
import {
  layerWithClient,
  layerWithHttpClient,
  Reply,
  TEST_API_KEY,
  TestApiServer,
  wireHook
} from "./utils/TestApiServer.js"

const provide = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, layerWithClient())
/** A postAt the local Posthook will not reach during a test. */
const LATER = "2030-01-01T00:00:00Z"
const noRetry = { retry: false } as const

/** A port nothing listens on: bind one, then close it. */
const closedPort = Effect.callback<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

describe("error mapping (docs/protocol.md §1 error table)", () => {
  const rows = [
    { status: 400, tag: "BadRequestError", code: "bad_request" },
    { status: 401, tag: "AuthenticationError", code: "authentication_error" },
    { status: 403, tag: "ForbiddenError", code: "forbidden" },
    { status: 404, tag: "NotFoundError", code: "not_found" },
    { status: 413, tag: "PayloadTooLargeError", code: "payload_too_large" },
    { status: 429, tag: "RateLimitError", code: "rate_limit_exceeded" },
    { status: 500, tag: "InternalServerError", code: "internal_error" },
    { status: 502, tag: "InternalServerError", code: "internal_error" },
    { status: 503, tag: "InternalServerError", code: "internal_error" },
    { status: 504, tag: "InternalServerError", code: "internal_error" },
    { status: 409, tag: "PosthookApiError", code: "unknown_error" },
    { status: 418, tag: "PosthookApiError", code: "unknown_error" }
  ] as const

  for (const row of rows) {
    it.effect(`${row.status} → ${row.tag} (${row.code}) with status, message and headers`, () =>
      provide(Effect.gen(function*() {
        const hooks = yield* Hooks.Hooks
        const server = yield* TestApiServer
        yield* server.enqueue(Reply.error(row.status, `the server says ${row.status}`, { "x-request-id": "req-42" }))
        const error = yield* Effect.flip(hooks.get("h1", noRetry))
        expect(error._tag).toBe(row.tag)
        expect(error.code).toBe(row.code)
        expect(PosthookError.isPosthookError(error)).toBe(true)
        if (!("status" in error)) throw new Error("expected an API error")
        expect(error.status).toBe(row.status)
        expect(error.message).toBe(`the server says ${row.status}`)
        expect(error.headers["x-request-id"]).toBe("req-42")
      })))
  }

  it.effect("catchTag picks one error; catch over PosthookError sees the others", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.error(429, "slow down", { "retry-after": "7" }), Reply.error(401, "bad key"))
      const rateLimited = yield* hooks.list({}, noRetry).pipe(
        Effect.as("listed"),
        Effect.catchTag("RateLimitError", (error) =>
          Effect.succeed(`retry in ${Duration.toSeconds(Option.getOrThrow(error.retryAfter))}s`))
      )
      expect(rateLimited).toBe("retry in 7s")
      const other = yield* hooks.list({}, noRetry).pipe(
        Effect.as("listed"),
        Effect.catch((error: PosthookError.PosthookError) => Effect.succeed(error.code))
      )
      expect(other).toBe("authentication_error")
    })))

  it.effect("429 carries Retry-After as seconds or as an HTTP date", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* TestClock.setTime(Date.parse("2026-06-15T10:00:00Z"))
      yield* server.enqueue(
        Reply.error(429, "quota", { "retry-after": "120" }),
        Reply.error(429, "quota", { "retry-after": "Mon, 15 Jun 2026 10:01:30 GMT" }),
        Reply.error(429, "quota")
      )
      const retryAfter = (error: Hooks.HooksError) =>
        error._tag === "RateLimitError" ? Option.map(error.retryAfter, Duration.toSeconds) : Option.none()
      expect(retryAfter(yield* Effect.flip(hooks.list({}, noRetry)))).toEqual(Option.some(120))
      expect(retryAfter(yield* Effect.flip(hooks.list({}, noRetry)))).toEqual(Option.some(90))
      expect(retryAfter(yield* Effect.flip(hooks.list({}, noRetry)))).toEqual(Option.none())
    })))

  it.effect("an HTML 502 from a proxy → InternalServerError with message 'HTTP 502'", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.text(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"))
      const error = yield* Effect.flip(hooks.get("h1", noRetry))
      expect(error._tag).toBe("InternalServerError")
      expect(error.message).toBe("HTTP 502")
    })))

  it.effect("empty and non-error-JSON error bodies → 'HTTP <status>'", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.text(500, ""), Reply.json(400, { detail: "x" }), Reply.text(404, "{\"error\":"))
      expect((yield* Effect.flip(hooks.get("h1", noRetry))).message).toBe("HTTP 500")
      expect((yield* Effect.flip(hooks.get("h1", noRetry))).message).toBe("HTTP 400")
      const truncated = yield* Effect.flip(hooks.get("h1", noRetry))
      expect(truncated._tag).toBe("NotFoundError")
      expect(truncated.message).toBe("HTTP 404")
    })))
})

describe("response decoding", () => {
  it.effect("a truncated JSON body → ResponseDecodeError", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const full = JSON.stringify({ data: wireHook() })
      yield* server.enqueue(Reply.text(200, full.slice(0, full.length / 2), "application/json"))
      const error = yield* Effect.flip(hooks.get("h1"))
      expect(error._tag).toBe("ResponseDecodeError")
      expect(error.message).toContain("GET /v1/hooks/h1")
      if (error._tag === "ResponseDecodeError") expect(error.status).toBe(200)
    })))

  it.effect("wrong field types → ResponseDecodeError naming the field", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(
        Reply.data({ ...wireHook(), attempts: "three" }),
        Reply.data({ ...wireHook(), status: "exploded" }),
        Reply.data({ ...wireHook(), postAt: "yesterday" })
      )
      for (const field of ["attempts", "status", "postAt"]) {
        const error = yield* Effect.flip(hooks.get("h1"))
        expect(error._tag).toBe("ResponseDecodeError")
        expect(error.message).toContain(field)
      }
    })))

  it.effect("a body without the data envelope → ResponseDecodeError", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.json(200, wireHook()), Reply.text(200, "<html>hi</html>", "text/html"))
      const missing = yield* Effect.flip(hooks.get("h1"))
      expect(missing._tag).toBe("ResponseDecodeError")
      expect(missing.message).toContain("data")
      expect((yield* Effect.flip(hooks.get("h1")))._tag).toBe("ResponseDecodeError")
    })))

  it.effect("unknown fields and a meta object beside data are ignored", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.json(200, { data: { ...wireHook({ id: "h1" }), tryAt: "x", novel: [1] }, meta: { n: 1 } }))
      const hook = yield* hooks.get("h1")
      expect(hook.id).toBe("h1")
    })))
})

describe("connection failures", () => {
  it.effect("connection refused → PosthookConnectionError (Refused)", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const error = yield* Effect.flatMap(Hooks.Hooks, (hooks) => Effect.flip(hooks.get("h1", noRetry))).pipe(
        Effect.provide(layerWithClient({ baseUrl: `http://127.0.0.1:${port}` }))
      )
      expect(error._tag).toBe("PosthookConnectionError")
      if (error._tag !== "PosthookConnectionError") return
      expect(error.reason).toBe("Refused")
      expect(error.message).toBe(`connection refused by http://127.0.0.1:${port}`)
    }))

  it.effect("a connection reset mid-request → PosthookConnectionError (Reset)", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.reset)
      const error = yield* Effect.flip(hooks.get("h1", noRetry))
      expect(error._tag).toBe("PosthookConnectionError")
      if (error._tag === "PosthookConnectionError") expect(error.reason).toBe("Reset")
    })))

  it("DNS failures are named from the error code (unit)", () => {
    const dns = Transport.describeTransportFailure(
      { message: "fetch failed", cause: { code: "ENOTFOUND" } },
      "https://api.invalid/v1/hooks"
    )
    expect(dns).toEqual({ reason: "DNS", message: "could not resolve the host of https://api.invalid" })
    expect(Transport.describeTransportFailure(new Error("boom"), "https://x.test/v1").reason).toBe("Transport")
  })

  it.effect("a timeout → PosthookConnectionError (Timeout) that says so, and the request is aborted", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.hang)
      const fiber = yield* Effect.forkChild(hooks.get("h1", { timeout: "30 seconds", retry: false }))
      yield* server.awaitRequests(1)
      yield* TestClock.adjust("30 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error._tag).toBe("PosthookConnectionError")
      if (error._tag !== "PosthookConnectionError") return
      expect(error.reason).toBe("Timeout")
      expect(error.message).toBe("GET /v1/hooks/h1 timed out after 30s")
      yield* server.awaitAborted(1)
    })))

  it.effect("the configured timeout applies when no per-call timeout is given", () =>
    Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.hang)
      const fiber = yield* Effect.forkChild(hooks.schedule({ path: "/x", postIn: "5m" }))
      yield* server.awaitRequests(1)
      yield* TestClock.adjust("45 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error.message).toBe("POST /v1/hooks timed out after 45s")
    }).pipe(Effect.provide(layerWithClient({ timeout: "45 seconds" }))))

  it.effect("interrupting the fiber aborts the HTTP request", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.hang)
      const fiber = yield* Effect.forkChild(hooks.list())
      yield* server.awaitRequests(1)
      expect(yield* server.aborted).toBe(0)
      yield* Fiber.interrupt(fiber)
      yield* server.awaitAborted(1)
      expect(yield* server.aborted).toBe(1)
    })))

  // On the live clock the timeout runs on a plain timer (one fiber fewer than
  // Effect.timeoutFail); these cover that path as the TestClock tests above cover the other.
  describe("on the live clock", () => {
    it.live("a timeout → PosthookConnectionError (Timeout), and the request is aborted", () =>
      provide(Effect.gen(function*() {
        const hooks = yield* Hooks.Hooks
        const server = yield* TestApiServer
        yield* server.enqueue(Reply.hang)
        const error = yield* Effect.flip(hooks.get("h1", { timeout: "200 millis", retry: false }))
        expect(error._tag).toBe("PosthookConnectionError")
        if (error._tag !== "PosthookConnectionError") return
        expect(error.reason).toBe("Timeout")
        expect(error.message).toBe("GET /v1/hooks/h1 timed out after 200ms")
        yield* server.awaitAborted(1)
      })))

    it.live("an answer before the timeout wins, typed errors included", () =>
      provide(Effect.gen(function*() {
        const hooks = yield* Hooks.Hooks
        const server = yield* TestApiServer
        const [h1] = yield* server.seed([{ path: "/webhooks/test", postAt: LATER }])
        const hook = yield* hooks.get(h1!.id, { timeout: "5 seconds", retry: false })
        expect(hook.id).toBe(h1!.id)
        yield* server.enqueue(Reply.error(404, "no such hook"))
        const error = yield* Effect.flip(hooks.get(h1!.id, { timeout: "5 seconds", retry: false }))
        expect(error._tag).toBe("NotFoundError")
      })))

    it.live("interrupting the caller aborts the HTTP request", () =>
      provide(Effect.gen(function*() {
        const hooks = yield* Hooks.Hooks
        const server = yield* TestApiServer
        yield* server.enqueue(Reply.hang)
        const fiber = yield* Effect.forkChild(hooks.get("h1", { timeout: "1 minute", retry: false }))
        yield* server.awaitRequests(1)
        yield* Fiber.interrupt(fiber)
        yield* server.awaitAborted(1)
        expect(yield* server.aborted).toBe(1)
      })))

    it.live("a timeout longer than a timer can hold (over 24.8 days) still works", () =>
      provide(Effect.gen(function*() {
        const hooks = yield* Hooks.Hooks
        const server = yield* TestApiServer
        const [h1] = yield* server.seed([{ path: "/webhooks/test", postAt: LATER }])
        const hook = yield* hooks.get(h1!.id, { timeout: "30 days", retry: false })
        expect(hook.id).toBe(h1!.id)
      })))
  })
})

describe("retries", () => {
  it.effect("GET: 503, 503, 503 then 200 → success after 4 attempts with growing backoff", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const [h1] = yield* server.seed([{ path: "/webhooks/test", postAt: LATER }])
      yield* server.enqueue(Reply.error(503, "a"), Reply.error(503, "b"), Reply.error(503, "c"))
      const { delays, exit } = yield* runDrivingClock(hooks.get(h1!.id))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect((yield* server.requests).length).toBe(4)
      expect(delays.length).toBe(3)
      // Exponential from 250 ms ×2 with ±20% jitter: 200–300, 400–600, 800–1200 ms.
      expect(delays[0]).toBeGreaterThanOrEqual(200)
      expect(delays[0]).toBeLessThanOrEqual(300)
      expect(delays[1]).toBeGreaterThanOrEqual(400)
      expect(delays[1]).toBeLessThanOrEqual(600)
      expect(delays[2]).toBeGreaterThanOrEqual(800)
      expect(delays[2]).toBeLessThanOrEqual(1200)
    })))

  it.effect("GET: gives up after 3 retries with the last error", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(...["1", "2", "3", "4", "5"].map((n) => Reply.error(500, `failure ${n}`)))
      const { exit } = yield* runDrivingClock(hooks.list())
      expect((yield* server.requests).length).toBe(4)
      const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()
      expect(Option.map(error, (e) => e.message)).toEqual(Option.some("failure 4"))
    })))

  it.effect("waits at least Retry-After (429) before retrying", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.error(429, "slow down", { "retry-after": "7" }))
      const { delays, exit } = yield* runDrivingClock(hooks.list())
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(delays).toEqual([7000])
      expect((yield* server.requests).length).toBe(2)
    })))

  it.effect("honours Retry-After on a 503 too", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.error(503, "maintenance", { "retry-after": "12" }))
      const { delays, exit } = yield* runDrivingClock(hooks.list())
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(delays).toEqual([12000])
    })))

  it.effect("a Retry-After beyond maxRetryAfter ends retrying at once with the RateLimitError", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.error(429, "monthly quota spent", { "retry-after": "86400" }))
      const { delays, exit } = yield* runDrivingClock(hooks.list())
      expect(delays).toEqual([])
      expect((yield* server.requests).length).toBe(1)
      const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()
      expect(Option.map(error, (e) => e._tag)).toEqual(Option.some("RateLimitError"))
    })))

  it.effect("maxRetryAfter is configurable", () =>
    Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.error(429, "later", { "retry-after": "90" }))
      const { delays, exit } = yield* runDrivingClock(hooks.list())
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(delays).toEqual([90000])
    }).pipe(Effect.provide(layerWithClient({ retry: { maxRetryAfter: "2 minutes" } }))))

  it.effect("408 and connection resets are retried; 400 and 404 are not", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const [h1] = yield* server.seed([{ path: "/webhooks/test", postAt: LATER }])
      yield* server.enqueue(Reply.error(408, "timeout"), Reply.reset)
      const first = yield* runDrivingClock(hooks.get(h1!.id))
      expect(Exit.isSuccess(first.exit)).toBe(true)
      expect((yield* server.requests).length).toBe(3)

      yield* server.enqueue(Reply.error(400, "bad"))
      const second = yield* runDrivingClock(hooks.get(h1!.id))
      expect(Exit.isFailure(second.exit)).toBe(true)
      yield* server.enqueue(Reply.error(404, "gone"))
      const third = yield* runDrivingClock(hooks.get(h1!.id))
      expect(Exit.isFailure(third.exit)).toBe(true)
      expect((yield* server.requests).length).toBe(5)
    })))

  it.effect("DELETE is retried on 5xx", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const [h1] = yield* server.seed([{ path: "/webhooks/test", postAt: LATER }])
      yield* server.enqueue(Reply.error(502, "bad gateway"))
      const { exit } = yield* runDrivingClock(hooks.delete(h1!.id))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect((yield* server.requests).map((request) => request.method)).toEqual(["DELETE", "DELETE"])
      expect(yield* server.local.hooks()).toEqual([])
    })))

  it.effect("POST /v1/hooks is not retried by default (no idempotency key)", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.error(503, "down"), Reply.reset)
      const { exit } = yield* runDrivingClock(hooks.schedule({ path: "/x", postIn: "5m" }))
      expect(Exit.isFailure(exit)).toBe(true)
      const reset = yield* runDrivingClock(hooks.schedule({ path: "/x", postIn: "5m" }))
      expect(Exit.isFailure(reset.exit)).toBe(true)
      expect((yield* server.requests).length).toBe(2)
    })))

  it.effect("POST is retried when the policy opts in with retryWrites (per call or in config)", () =>
    Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.error(503, "down"))
      const perCall = yield* runDrivingClock(
        hooks.schedule({ path: "/x", postIn: "5m" }, { retry: { retryWrites: true } })
      )
      expect(Exit.isSuccess(perCall.exit)).toBe(true)
      expect((yield* server.requests).length).toBe(2)
    }).pipe(Effect.provide(layerWithClient())))

  it.effect("per-call retry: false and custom times / schedule", () =>
    provide(Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.error(503, "1"))
      const none = yield* runDrivingClock(hooks.list({}, { retry: false }))
      expect(Exit.isFailure(none.exit)).toBe(true)
      expect((yield* server.requests).length).toBe(1)

      yield* server.enqueue(Reply.error(503, "2"), Reply.error(503, "3"), Reply.error(503, "4"))
      const once = yield* runDrivingClock(hooks.list({}, { retry: { times: 1, schedule: Schedule.spaced("5 seconds") } }))
      expect(Exit.isFailure(once.exit)).toBe(true)
      expect(once.delays).toEqual([5000])
      expect((yield* server.requests).length).toBe(3)
    })))

  it.effect("retry: false in the config turns retries off", () =>
    Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      yield* server.enqueue(Reply.error(503, "down"))
      const { exit } = yield* runDrivingClock(hooks.list())
      expect(Exit.isFailure(exit)).toBe(true)
      expect((yield* server.requests).length).toBe(1)
    }).pipe(Effect.provide(layerWithClient({ retry: false }))))
})

describe("headers, logging and tracing", () => {
  it("User-Agent names the SDK, its version (= package.json) and the runtime", () => {
    expect(VERSION).toBe(packageJson.version)
    expect(Transport.userAgent).toBe(`posthook-effect/${packageJson.version} (Node.js ${process.versions.node}; ${process.platform})`)
  })

  it.effect("every call logs one Debug line 'METHOD /path -> status (N.NNNs)', annotated, without keys or payloads", () =>
    Effect.gen(function*() {
      const lines: Array<{ message: string; level: string; annotations: Record<string, unknown> }> = []
      const capture = Logger.make(({ fiber, logLevel, message }) => {
        lines.push({
          message: Array.isArray(message) ? message.join(" ") : String(message),
          level: logLevel,
          annotations: { ...fiber.getRef(References.CurrentLogAnnotations) }
        })
      })
      const program = Effect.gen(function*() {
        const hooks = yield* Hooks.Hooks
        const server = yield* TestApiServer
        yield* hooks.schedule({ path: "/webhooks/secret-path", postIn: "5m", data: { creditCard: "4111-PAYLOAD" } })
        yield* server.enqueue(Reply.error(404, "nope"))
        yield* Effect.ignore(hooks.get("h1"))
      }).pipe(
        Effect.provide(layerWithClient()),
        Effect.provide(Logger.layer([capture])),
        Effect.provideService(References.MinimumLogLevel, "Debug")
      )
      yield* program
      const own = lines.filter((line) => line.annotations.package === "posthook-effect")
      expect(own.map((line) => line.message.replace(/\(\d+\.\d{3}s\)/, "(T)"))).toEqual([
        "POST /v1/hooks -> 200 (T)",
        "GET /v1/hooks/h1 -> 404 (T)"
      ])
      for (const line of own) expect(line.level).toBe("Debug")
      expect(own[0]?.annotations["http.method"]).toBe("POST")
      const everything = JSON.stringify(lines)
      expect(everything).not.toContain(TEST_API_KEY)
      expect(everything).not.toContain("4111-PAYLOAD")
    }))

  it.effect("a failed exchange logs its reason at Debug; below Debug the SDK logs nothing", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const messages: Array<string> = []
      const capture = Logger.make(({ fiber, message }) => {
        if (fiber.getRef(References.CurrentLogAnnotations).package !== "posthook-effect") return
        messages.push((Array.isArray(message) ? message.join(" ") : String(message)).replace(/\(\d+\.\d{3}s\)/, "(T)"))
      })
      const getOnce = (level: "Debug" | "Info") =>
        Effect.flatMap(Hooks.Hooks, (hooks) => Effect.flip(hooks.get("h1", noRetry))).pipe(
          Effect.provide(layerWithClient({ baseUrl: `http://127.0.0.1:${port}` })),
          Effect.provide(Logger.layer([capture])),
          Effect.provideService(References.MinimumLogLevel, level)
        )
      const reason = (error: Hooks.HooksError) => error._tag === "PosthookConnectionError" ? error.reason : error._tag
      expect(reason(yield* getOnce("Info"))).toBe("Refused")
      expect(messages).toEqual([])
      expect(reason(yield* getOnce("Debug"))).toBe("Refused")
      expect(messages).toEqual(["GET /v1/hooks/h1 -> Refused (T)"])
    }))

  it.effect("each method runs in a span named after it, around the HTTP span; no key in span attributes", () =>
    Effect.gen(function*() {
      const { spans, tracer: recording } = yield* recordingTracer
      yield* Effect.gen(function*() {
        const hooks = yield* Hooks.Hooks
        const server = yield* TestApiServer
        const [h1] = yield* server.seed([{ path: "/webhooks/test", postAt: LATER }])
        yield* hooks.schedule({ path: "/x", postIn: "5m" })
        yield* hooks.get(h1!.id)
        yield* hooks.list()
        yield* hooks.delete(h1!.id)
        yield* hooks.bulk.retry([h1!.id])
        yield* hooks.bulk.cancelByFilter({ startTime: "2026-01-01T00:00:00Z", endTime: "2026-02-01T00:00:00Z", limit: 1 })
      }).pipe(
        Effect.provide(layerWithClient()),
        Effect.withTracer(recording),
        // Header capture is opt-in in Effect 4: record them all, so the key's redaction is what is tested.
        Effect.provideService(HttpClient.TracerHeaderFilter, () => true)
      )
      const names = spans.map((span) => span.name)
      for (
        const name of [
          "Posthook.hooks.schedule",
          "Posthook.hooks.get",
          "Posthook.hooks.list",
          "Posthook.hooks.delete",
          "Posthook.hooks.bulk.retry",
          "Posthook.hooks.bulk.cancelByFilter",
          "Posthook.http POST",
          "Posthook.http GET"
        ]
      ) expect(names).toContain(name)
      const http = spans.find((span) => span.name === "Posthook.http POST")
      const parent = http && Option.getOrUndefined(http.parent)
      expect(parent?._tag === "Span" ? parent.name : undefined).toBe("Posthook.hooks.schedule")
      const attributes = JSON.stringify(spans.map((span) => [...span.attributes.entries()]))
      expect(attributes).toContain("x-api-key")
      expect(attributes).not.toContain(TEST_API_KEY)
    }))
})

describe("the API key never leaks", () => {
  it.effect("not in errors: message, inspect, JSON.stringify, Cause.pretty", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const errors: Array<unknown> = []
      const causes: Array<string> = []
      const collect = <A, E>(effect: Effect.Effect<A, E>) =>
        Effect.flatMap(Effect.exit(effect), (exit) =>
          Effect.sync(() => {
            if (Exit.isFailure(exit)) {
              causes.push(Cause.pretty(exit.cause))
              errors.push(...exit.cause.reasons.filter(Cause.isFailReason).map((reason) => reason.error))
            }
          }))
      yield* Effect.gen(function*() {
        const hooks = yield* Hooks.Hooks
        const server = yield* TestApiServer
        yield* server.enqueue(
          Reply.error(401, "invalid API key"),
          Reply.text(200, "{\"data\":", "application/json"),
          Reply.reset,
          Reply.hang
        )
        yield* collect(hooks.get("h1", noRetry))
        yield* collect(hooks.get("h1", noRetry))
        yield* collect(hooks.get("h1", noRetry))
        const fiber = yield* Effect.forkChild(collect(hooks.get("h1", { retry: false, timeout: "1 second" })))
        yield* server.awaitRequests(4)
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(fiber)
        yield* collect(hooks.schedule({ path: "nope", postIn: "5m" }))
      }).pipe(Effect.provide(layerWithClient()))
      yield* Effect.gen(function*() {
        const hooks = yield* Hooks.Hooks
        yield* collect(hooks.get("h1", noRetry))
      }).pipe(Effect.provide(layerWithClient({ baseUrl: `http://127.0.0.1:${port}` })))
      expect(errors.map((error) => (error as { _tag: string })._tag)).toEqual([
        "AuthenticationError",
        "ResponseDecodeError",
        "PosthookConnectionError",
        "PosthookConnectionError",
        "ValidationError",
        "PosthookConnectionError"
      ])
      for (const error of errors) {
        expect(inspect(error, { depth: 10 })).not.toContain(TEST_API_KEY)
        expect(JSON.stringify(error)).not.toContain(TEST_API_KEY)
        expect(String(error)).not.toContain(TEST_API_KEY)
      }
      for (const pretty of causes) expect(pretty).not.toContain(TEST_API_KEY)
    }))
})

describe("other HttpClient implementations", () => {
  it.effect("FetchHttpClient: same requests, same decoding, same error mapping", () =>
    Effect.gen(function*() {
      const hooks = yield* Hooks.Hooks
      const server = yield* TestApiServer
      const hook = yield* hooks.schedule({ path: "/x", postIn: "5m", data: { a: 1 } })
      expect(hook.path).toBe("/x")
      const [request] = yield* server.requests
      expect(request?.headers["x-api-key"]).toBe(TEST_API_KEY)
      expect(request?.headers["user-agent"]).toBe(Transport.userAgent)
      expect(request?.json).toEqual({ path: "/x", postIn: "5m", data: { a: 1 } })
      yield* server.enqueue(Reply.error(429, "slow", { "retry-after": "3" }), Reply.reset)
      expect((yield* Effect.flip(hooks.list({}, noRetry)))._tag).toBe("RateLimitError")
      const reset = yield* Effect.flip(hooks.list({}, noRetry))
      expect(reset._tag).toBe("PosthookConnectionError")
    }).pipe(Effect.provide(layerWithHttpClient(FetchHttpClient.layer))))

  it.effect("NodeHttpClient.layerNodeHttp (node:http): refused connections are named", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const error = yield* Effect.flatMap(Hooks.Hooks, (hooks) => Effect.flip(hooks.get("h1", noRetry))).pipe(
        Effect.provide(layerWithHttpClient(NodeHttpClient.layerNodeHttp, { baseUrl: `http://127.0.0.1:${port}` }))
      )
      expect(error._tag === "PosthookConnectionError" ? error.reason : error._tag).toBe("Refused")
    }))
})
