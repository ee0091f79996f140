import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { describe, expect, it } from "@effect/vitest"
import {
  Cause,
  ConfigProvider,
  Context,
  Data,
  Effect,
  Layer,
  Logger,
  LogLevel,
  ManagedRuntime,
  Schema,
  Scope
} from "effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import express from "express"
import { createServer, request as httpRequest, type RequestListener } from "node:http"
import { Delivery, HttpAppHandler, Signatures, WebHandler } from "posthook-effect"
import { NodeHandler } from "posthook-effect/node"

const KEY = "ph_sk_handlers"
const SMALL_LIMIT = 1024

// ---------------------------------------------------------------------------
// The handler under test: the delivery's data says what it should do.

class Audit extends Context.Service<Audit, { readonly seen: Array<string> }>()("test/Audit") {}

class ProcessingError extends Data.TaggedError("ProcessingError")<{ readonly message: string }> {}

const Instruction = Schema.Struct({ mode: Schema.Literals(["ack", "accept", "nack", "fail", "die"]) })

const handler = Signatures.withSchema(Instruction, (delivery) =>
  Effect.gen(function*() {
    const audit = yield* Audit
    audit.seen.push(delivery.hookId)
    switch (delivery.data.mode) {
      case "ack":
        return Delivery.Result.ack()
      case "accept":
        return Delivery.Result.accept("2 minutes")
      case "nack":
        return Delivery.Result.nack("not ready")
      case "fail":
        return yield* new ProcessingError({ message: "database unavailable" })
      case "die":
        return yield* Effect.die(new Error("handler bug"))
    }
  }))

interface LogLine {
  readonly level: LogLevel.LogLevel
  readonly message: string
  readonly cause: string
}

/** Everything a receiver needs: keys, the handler's service, a logger we can read. */
const makeEnvironment = () => {
  const audit = { seen: new Array<string>() }
  const logs = new Array<LogLine>()
  const logger = Logger.make<unknown, void>(({ cause, logLevel, message }) => {
    logs.push({
      level: logLevel,
      message: Array.isArray(message) ? message.map(String).join(" ") : String(message),
      cause: cause.reasons.length === 0 ? "" : Cause.pretty(cause)
    })
  })
  const layer = Layer.mergeAll(
    Signatures.layer({ signingKey: KEY }),
    Layer.succeed(Audit, audit),
    Logger.layer([logger])
  )
  return { audit, logs, layer }
}

type Environment = ReturnType<typeof makeEnvironment>

// ---------------------------------------------------------------------------
// Requests

interface Sent {
  readonly method?: string
  readonly headers: Record<string, string>
  readonly body: string | Uint8Array<ArrayBuffer>
}

interface Received {
  readonly status: number
  readonly headers: Headers
  readonly json: unknown
}

const signed = (data: unknown, options: { readonly key?: string } = {}) =>
  Effect.map(
    Signatures.signDelivery({ path: "/webhooks/test", data }, { signingKey: options.key ?? KEY }),
    (request): Sent => ({ headers: request.headers, body: request.body })
  )

const readResponse = (response: Response) =>
  Effect.promise(async (): Promise<Received> => {
    const text = await response.text()
    const contentType = response.headers.get("content-type") ?? ""
    return {
      status: response.status,
      headers: response.headers,
      json: contentType.startsWith("application/json") ? JSON.parse(text) : text
    }
  })

const fetchTo = (url: string) => (sent: Sent) =>
  Effect.flatMap(
    Effect.promise(() =>
      fetch(url, {
        method: sent.method ?? "POST",
        headers: sent.headers,
        ...(sent.method === "GET" ? {} : { body: sent.body })
      })
    ),
    readResponse
  )

/**
 * A POST whose body is written in `chunks` and, unless `end`, never finished:
 * a response can then only come from a server that did not wait for the body.
 */
const rawPost = (url: string, headers: Record<string, string>, chunks: ReadonlyArray<Uint8Array>, end: boolean) =>
  Effect.callback<{ readonly status: number; readonly headers: Record<string, unknown>; readonly body: string }>(
    (resume) => {
      const request = httpRequest(url, { method: "POST", headers }, (response) => {
        const parts: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => parts.push(chunk))
        response.on("end", () => {
          resume(Effect.succeed({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(parts).toString("utf8")
          }))
          request.destroy()
        })
      })
      request.on("error", (error) => resume(Effect.die(error)))
      for (const chunk of chunks) request.write(chunk)
      if (end) request.end()
      return Effect.sync(() => request.destroy())
    }
  )

// ---------------------------------------------------------------------------
// Servers on 127.0.0.1, port 0

const listen = (listener: RequestListener) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly url: string; readonly close: () => void }>((resume) => {
      const server = createServer(listener)
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({
          url: `http://127.0.0.1:${port}`,
          close: () => {
            server.closeAllConnections()
            server.close()
          }
        }))
      })
    }),
    (server) => Effect.sync(server.close)
  )

const managedRuntime = (environment: Environment) =>
  Effect.acquireRelease(
    Effect.sync(() => ManagedRuntime.make(environment.layer)),
    (runtime) => runtime.disposeEffect
  )

/** Serves `HttpAppHandler` on an `HttpRouter` route with the effect HTTP server on Node. */
const platformServer = (environment: Environment, options?: HttpAppHandler.Options) =>
  Effect.gen(function*() {
    const route = HttpRouter.add("POST", "/hook", HttpAppHandler.make(handler, options))
    const context = yield* Layer.build(
      HttpRouter.serve(route, { disableListenLog: true }).pipe(
        Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
        Layer.provide(environment.layer)
      )
    )
    const address = Context.get(context, HttpServer.HttpServer).address
    return address._tag === "InetAddressV4" ? `http://127.0.0.1:${address.port}/hook` : ""
  }).pipe(Effect.orDie)

interface Target {
  readonly name: string
  /** Mounted on a router, which answers other methods itself (404). */
  readonly routed: boolean
  /** Starts a receiver and returns how to send it a request. */
  readonly start: (
    environment: Environment,
    options?: { readonly maxBodyBytes?: number }
  ) => Effect.Effect<{ readonly url?: string; readonly send: (sent: Sent) => Effect.Effect<Received> }, never, Scope.Scope>
}

const nodeTarget = (
  name: string,
  routed: boolean,
  mount: (handle: RequestListener) => RequestListener
): Target => ({
  name,
  routed,
  start: (environment, options) =>
    Effect.gen(function*() {
      const runtime = yield* managedRuntime(environment)
      const server = yield* listen(mount(NodeHandler.make(handler, { runtime, ...options })))
      const url = `${server.url}/hook`
      return { url, send: fetchTo(url) }
    })
})

const expressApp = (setup: (app: express.Express, handle: RequestListener) => void) => (handle: RequestListener) => {
  const app = express()
  setup(app, handle)
  return app
}

const targets: ReadonlyArray<Target> = [
  nodeTarget("node:http", false, (handle) => handle),
  nodeTarget(
    "Express + express.raw()",
    true,
    expressApp((app, handle) => app.post("/hook", express.raw({ type: "application/json" }), handle))
  ),
  nodeTarget("Express, no body parser", true, expressApp((app, handle) => app.post("/hook", handle))),
  {
    name: "Web Request → Response (built by hand)",
    routed: false,
    start: (environment, options) =>
      Effect.gen(function*() {
        const runtime = yield* managedRuntime(environment)
        const respond = WebHandler.make(handler, { runtime, ...options })
        return {
          send: (sent: Sent) =>
            Effect.flatMap(
              Effect.promise(() =>
                respond(
                  new Request("http://receiver.test/hook", {
                    method: sent.method ?? "POST",
                    headers: sent.headers,
                    ...(sent.method === "GET" ? {} : { body: sent.body })
                  })
                )
              ),
              readResponse
            )
        }
      })
  },
  {
    name: "effect/http HttpRouter",
    routed: true,
    start: (environment, options) =>
      Effect.map(platformServer(environment, options), (url) => ({ url, send: fetchTo(url) }))
  }
]

// ---------------------------------------------------------------------------

for (const target of targets) {
  describe(`receiving via ${target.name}`, () => {
    it.live("ack → 200, and the handler ran with the runtime's services", () =>
      Effect.gen(function*() {
        const environment = makeEnvironment()
        const receiver = yield* target.start(environment)
        const sent = yield* signed({ mode: "ack" })
        const response = yield* receiver.send(sent)
        expect(response.status).toBe(200)
        expect(response.json).toEqual({ ok: true })
        expect(environment.audit.seen).toEqual([sent.headers["Posthook-Id"]])
      }))

    it.live("accept → 202 with Posthook-Async-Timeout", () =>
      Effect.gen(function*() {
        const receiver = yield* target.start(makeEnvironment())
        const response = yield* receiver.send(yield* signed({ mode: "accept" }))
        expect(response.status).toBe(202)
        expect(response.headers.get("posthook-async-timeout")).toBe("120")
      }))

    it.live("nack → 500 with the handler's error", () =>
      Effect.gen(function*() {
        const environment = makeEnvironment()
        const receiver = yield* target.start(environment)
        const response = yield* receiver.send(yield* signed({ mode: "nack" }))
        expect(response.status).toBe(500)
        expect(response.json).toEqual({ error: "not ready" })
        expect(environment.logs.some((line) => line.message.includes("not ready"))).toBe(true)
      }))

    it.live("a failure → 500, logged with the error", () =>
      Effect.gen(function*() {
        const environment = makeEnvironment()
        const receiver = yield* target.start(environment)
        const response = yield* receiver.send(yield* signed({ mode: "fail" }))
        expect(response.status).toBe(500)
        expect(response.json).toEqual({ error: "handler failed" })
        const line = environment.logs.find((line) => line.message === "delivery handler failed")
        expect(line?.level).toBe("Error")
        expect(line?.cause).toContain("database unavailable")
      }))

    it.live("a defect → 500, logged with the defect", () =>
      Effect.gen(function*() {
        const environment = makeEnvironment()
        const receiver = yield* target.start(environment)
        const response = yield* receiver.send(yield* signed({ mode: "die" }))
        expect(response.status).toBe(500)
        expect(environment.logs.find((line) => line.message === "delivery handler failed")?.cause).toContain(
          "handler bug"
        )
      }))

    it.live("data the handler's schema refuses → 422", () =>
      Effect.gen(function*() {
        const environment = makeEnvironment()
        const receiver = yield* target.start(environment)
        const response = yield* receiver.send(yield* signed({ mode: "explode" }))
        expect(response.status).toBe(422)
        expect(JSON.stringify(response.json)).toContain("delivery data does not match the schema")
        expect(environment.audit.seen).toEqual([])
      }))

    it.live("a bad signature → 401 JSON error, handler not run", () =>
      Effect.gen(function*() {
        const environment = makeEnvironment()
        const receiver = yield* target.start(environment)
        const response = yield* receiver.send(yield* signed({ mode: "ack" }, { key: "ph_sk_attacker" }))
        expect(response.status).toBe(401)
        expect(response.json).toEqual({
          error: "no signature matches: 1 signature(s) checked against 1 signing key(s)"
        })
        expect(environment.audit.seen).toEqual([])
      }))

    it.live("an authentic body that is not UTF-8 JSON → 422 (not 401), logged at Error, handler not run", () =>
      Effect.gen(function*() {
        const environment = makeEnvironment()
        const receiver = yield* target.start(environment)
        const bodies: ReadonlyArray<Uint8Array<ArrayBuffer>> = [
          Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]), // "{", two bytes no UTF-8 text has, "}"
          new TextEncoder().encode("{not json"),
          new TextEncoder().encode(JSON.stringify({ id: "h1", path: "/p" }))
        ]
        const answers: Array<string> = []
        for (const body of bodies) {
          const headers = Signatures.sign(body, { signingKey: KEY, timestamp: Math.floor(Date.now() / 1000) })
          const response = yield* receiver.send({ headers, body })
          answers.push(`${response.status} ${JSON.stringify(response.json).slice(0, 80)}`)
        }
        expect(answers).toEqual([
          "422 {\"error\":\"body is not valid UTF-8\"}",
          "422 {\"error\":\"body is not valid JSON\"}",
          "422 {\"error\":\"body is not a Posthook delivery: data: Missing key\"}"
        ])
        expect(environment.audit.seen).toEqual([])
        const logged = environment.logs.filter((line) => line.message.startsWith("rejected an authentic delivery"))
        expect(logged.map((line) => line.level)).toEqual(["Error", "Error", "Error"])
      }))

    it.live("a non-JSON body under a wrong signature is still 401: authentication comes first", () =>
      Effect.gen(function*() {
        const receiver = yield* target.start(makeEnvironment())
        const body = Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])
        const timestamp = Math.floor(Date.now() / 1000)
        const headers = Signatures.sign(body, { signingKey: "ph_sk_attacker", timestamp })
        const response = yield* receiver.send({ headers, body })
        expect(response.status).toBe(401)
      }))

    it.live("a missing header → 401 naming it", () =>
      Effect.gen(function*() {
        const receiver = yield* target.start(makeEnvironment())
        const sent = yield* signed({ mode: "ack" })
        const { "Posthook-Timestamp": _, ...headers } = sent.headers
        const response = yield* receiver.send({ ...sent, headers })
        expect(response.status).toBe(401)
        expect(response.json).toEqual({ error: "missing Posthook-Timestamp header" })
      }))

    it.live(target.routed ? "GET → the router's 404" : "GET → 405 with Allow: POST", () =>
      Effect.gen(function*() {
        const environment = makeEnvironment()
        const receiver = yield* target.start(environment)
        const response = yield* receiver.send({ method: "GET", headers: {}, body: "" })
        expect(response.status).toBe(target.routed ? 404 : 405)
        if (!target.routed) expect(response.headers.get("allow")).toBe("POST")
        expect(environment.audit.seen).toEqual([])
      }))

    it.live("a body over the limit → 413", () =>
      Effect.gen(function*() {
        const environment = makeEnvironment()
        const receiver = yield* target.start(environment, { maxBodyBytes: SMALL_LIMIT })
        const sent = yield* signed({ mode: "ack", padding: "x".repeat(SMALL_LIMIT) })
        const response = yield* receiver.send(sent)
        expect(response.status).toBe(413)
        expect(response.json).toEqual({ error: `request body is larger than the ${SMALL_LIMIT} byte limit` })
        expect(environment.audit.seen).toEqual([])
      }))
  })
}

// ---------------------------------------------------------------------------
// 413 without buffering: the server must answer while the body is unfinished.

const streamingTargets = targets.filter((target) => target.name !== "Express + express.raw()")

for (const target of streamingTargets.filter((target) => target.name !== "Web Request → Response (built by hand)")) {
  describe(`413 without reading the body via ${target.name}`, () => {
    it.live("Content-Length over the default 1 MiB → 413 before the body arrives", () =>
      Effect.gen(function*() {
        const receiver = yield* target.start(makeEnvironment())
        const response = yield* rawPost(
          receiver.url ?? "",
          { "content-type": "application/json", "content-length": String(2 * 1024 * 1024) },
          [new TextEncoder().encode("{\"id\":")],
          false
        )
        expect(response.status).toBe(413)
        expect(response.headers["connection"]).toBe("close")
        expect(JSON.parse(response.body)).toEqual({ error: "request body is larger than the 1048576 byte limit" })
      }))

    it.live("a chunked body passing the limit → 413 before the body ends", () =>
      Effect.gen(function*() {
        const receiver = yield* target.start(makeEnvironment(), { maxBodyBytes: SMALL_LIMIT })
        const response = yield* rawPost(
          receiver.url ?? "",
          { "content-type": "application/json", "transfer-encoding": "chunked" },
          [new Uint8Array(SMALL_LIMIT / 2), new Uint8Array(SMALL_LIMIT / 2), new Uint8Array(1)],
          false
        )
        expect(response.status).toBe(413)
      }))
  })
}

describe("WebHandler body limit", () => {
  it.live("a streamed body passing the limit → 413 although the stream never ends", () =>
    Effect.gen(function*() {
      const runtime = yield* managedRuntime(makeEnvironment())
      const respond = WebHandler.make(handler, { runtime, maxBodyBytes: SMALL_LIMIT })
      let cancelled = false
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new Uint8Array(SMALL_LIMIT))
          controller.enqueue(new Uint8Array(1))
        },
        cancel() {
          cancelled = true
        }
      })
      const init = { method: "POST", headers: { "content-type": "application/json" }, body, duplex: "half" }
      const response = yield* Effect.promise(() => respond(new Request("http://receiver.test/hook", init)))
      expect(response.status).toBe(413)
      expect(cancelled).toBe(true)
    }))

  it.live("Content-Length over the limit → 413 without touching the body", () =>
    Effect.gen(function*() {
      const runtime = yield* managedRuntime(makeEnvironment())
      const respond = WebHandler.make(handler, { runtime, maxBodyBytes: SMALL_LIMIT })
      const request = new Request("http://receiver.test/hook", {
        method: "POST",
        headers: { "content-length": String(SMALL_LIMIT + 1) },
        body: "x".repeat(SMALL_LIMIT + 1)
      })
      const response = yield* Effect.promise(() => respond(request))
      expect(response.status).toBe(413)
      expect(request.bodyUsed).toBe(false)
    }))
})

// ---------------------------------------------------------------------------

describe("Express misuse", () => {
  const mounted = (setup: (app: express.Express, handle: RequestListener) => void) =>
    Effect.gen(function*() {
      const environment = makeEnvironment()
      const runtime = yield* managedRuntime(environment)
      const app = express()
      setup(app, NodeHandler.make(handler, { runtime }))
      const server = yield* listen(app)
      return { environment, send: fetchTo(`${server.url}/hook`) }
    })

  it.live("after express.json() → 500 telling to use express.raw(), never re-serialising", () =>
    Effect.gen(function*() {
      const { environment, send } = yield* mounted((app, handle) => app.post("/hook", express.json(), handle))
      const response = yield* send(yield* signed({ mode: "ack" }))
      expect(response.status).toBe(500)
      const error = JSON.stringify(response.json)
      expect(error).toContain("already parsed (req.body is a parsed object)")
      expect(error).toContain("express.raw({ type: \\\"application/json\\\" })")
      expect(environment.audit.seen).toEqual([])
      expect(environment.logs.some((line) => line.level === "Error" && line.message.includes("express.raw"))).toBe(
        true
      )
    }))

  it.live("after express.text() → 500 as well (the string is not the exact bytes)", () =>
    Effect.gen(function*() {
      const { send } = yield* mounted((app, handle) => app.post("/hook", express.text({ type: "*/*" }), handle))
      const response = yield* send(yield* signed({ mode: "ack" }))
      expect(response.status).toBe(500)
      expect(JSON.stringify(response.json)).toContain("req.body is a parsed string")
    }))

  it.live("a parser that skipped the request (Express 4 leaves req.body = {}) → the stream is read", () =>
    Effect.gen(function*() {
      const { environment, send } = yield* mounted((app, handle) =>
        app.post(
          "/hook",
          (request, _response, next) => {
            request.body = {}
            next()
          },
          handle
        )
      )
      const sent = yield* signed({ mode: "ack" })
      const response = yield* send(sent)
      expect(response.status).toBe(200)
      expect(environment.audit.seen).toEqual([sent.headers["Posthook-Id"]])
    }))

  it.live("a middleware that drained the stream → 500 saying so", () =>
    Effect.gen(function*() {
      const { send } = yield* mounted((app, handle) =>
        app.post(
          "/hook",
          (request, _response, next) => {
            request.resume()
            request.on("end", () => next())
          },
          handle
        )
      )
      const response = yield* send(yield* signed({ mode: "ack" }))
      expect(response.status).toBe(500)
      expect(JSON.stringify(response.json)).toContain("already read by another middleware")
    }))
})

describe("runtimes", () => {
  it.live("an explicit signatures service with a plain runtime", () =>
    Effect.gen(function*() {
      const server = yield* listen(
        NodeHandler.make(() => Effect.succeed(Delivery.Result.ack()), {
          runtime: Context.empty(),
          signatures: Signatures.unsafeMake(KEY)
        })
      )
      const response = yield* fetchTo(`${server.url}/hook`)(yield* signed({ mode: "ack" }))
      expect(response.status).toBe(200)
    }))

  it.live("a runtime that fails to start → 500, not a hung or crashed request", () =>
    Effect.gen(function*() {
      const broken = ManagedRuntime.make(
        // A receiver started without POSTHOOK_SIGNING_KEY.
        Signatures.layerConfig().pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord({}))))
      )
      yield* Effect.addFinalizer(() => Effect.promise(() => broken.dispose().catch(() => undefined)))
      const originalError = console.error
      console.error = () => undefined
      yield* Effect.addFinalizer(() => Effect.sync(() => (console.error = originalError)))
      const respond = WebHandler.make(() => Effect.succeed(Delivery.Result.ack()), { runtime: broken })
      const sent = yield* signed({ mode: "ack" })
      const response = yield* Effect.promise(() =>
        respond(new Request("http://receiver.test/hook", { method: "POST", headers: sent.headers, body: sent.body }))
      )
      expect(response.status).toBe(500)
      expect(yield* Effect.promise(() => response.json())).toEqual({ error: "receiver runtime failed" })
    }))

  it.effect("WebHandler.toResponse runs inside Effect with TestClock time", () =>
    Effect.gen(function*() {
      const sent = yield* signed({ mode: "ack" })
      const response = yield* WebHandler.toResponse(
        new Request("http://receiver.test/hook", { method: "POST", headers: sent.headers, body: sent.body }),
        () => Effect.succeed(Delivery.Result.ack())
      ).pipe(Effect.provide(Signatures.layer({ signingKey: KEY })))
      expect(response.status).toBe(200)
    }))

  it.effect("accept without callback URLs warns that Posthook will not wait", () =>
    Effect.gen(function*() {
      const environment = makeEnvironment()
      const sent = yield* signed({ mode: "accept" })
      const response = yield* WebHandler.toResponse(
        new Request("http://receiver.test/hook", { method: "POST", headers: sent.headers, body: sent.body }),
        handler
      ).pipe(Effect.provide(environment.layer))
      expect(response.status).toBe(202)
      expect(
        environment.logs.some((line) => line.level === "Warn" && line.message.includes("async hooks are not enabled"))
      ).toBe(true)
    }))
})
