/**
 * A real HTTP endpoint on 127.0.0.1:0 that plays the user's app: every POST
 * is verified with the SDK's `Signatures.parseDelivery` (raw bytes, headers,
 * tolerance on Effect's `Clock`), recorded, and answered as the test says.
 */
import * as Http from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Queue, type Redacted, Ref, Result, type Scope } from "effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { Delivery } from "../../../src/Delivery.js"
import type * as PosthookError from "../../../src/PosthookError.js"
import * as Signatures from "../../../src/Signatures.js"

export interface Received {
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly delivery: Delivery
}

export interface Rejected {
  readonly path: string
  readonly error: PosthookError.SignatureVerificationError
}

/** How to answer a delivery: a status (+ headers), or never answer. */
export type Reply = { readonly status: number; readonly headers?: Readonly<Record<string, string>> } | "hang"

export interface Receiver {
  readonly origin: string
  readonly deliveries: Queue.Dequeue<Received>
  readonly rejected: Queue.Dequeue<Rejected>
  /** How the next deliveries are answered (default 200); the decision may do work first (e.g. call back). */
  readonly reply: (decide: (received: Received) => Reply | Effect.Effect<Reply>) => Effect.Effect<void>
  /** The next delivery (waits for it). */
  readonly next: Effect.Effect<Received>
}

export interface ReceiverOptions {
  /**
   * How old a delivery's timestamp may be (default: the SDK's 5 minutes). A test that moves
   * `TestClock` far past a hook's due time needs more: the hook is stamped when it fell due.
   */
  readonly tolerance?: Signatures.Tolerance | undefined
}

export const makeReceiver = (
  signingKeys: ReadonlyArray<Redacted.Redacted<string>>,
  options: ReceiverOptions = {}
): Effect.Effect<Receiver, never, Scope.Scope> =>
  Effect.gen(function*() {
    const signatures = Signatures.unsafeMake({ signingKey: signingKeys, tolerance: options.tolerance })
    const deliveries = yield* Queue.unbounded<Received>()
    const rejected = yield* Queue.unbounded<Rejected>()
    const decide = yield* Ref.make<(received: Received) => Reply | Effect.Effect<Reply>>(() => ({ status: 200 }))

    const app = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const bytes = new Uint8Array(yield* request.arrayBuffer)
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(request.headers)) headers[name] = value
      const path = new URL(request.url, "http://receiver").pathname
      const verified = yield* Effect.result(signatures.parseDelivery(bytes, headers))
      if (Result.isFailure(verified)) {
        yield* Queue.offer(rejected, { path, error: verified.failure })
        return HttpServerResponse.jsonUnsafe({ error: verified.failure.message }, { status: 401 })
      }
      const received: Received = { path, headers, body: new TextDecoder().decode(bytes), delivery: verified.success }
      yield* Queue.offer(deliveries, received)
      const decision = (yield* Ref.get(decide))(received)
      const reply = Effect.isEffect(decision) ? yield* decision : decision
      if (reply === "hang") return yield* Effect.never
      return HttpServerResponse.empty({ status: reply.status, headers: reply.headers ?? {} })
    })

    const nodeServer = Http.createServer()
    const server = yield* NodeHttpServer.make(() => nodeServer, { port: 0, host: "127.0.0.1" }).pipe(Effect.orDie)
    // Handlers run uninterruptibly by default: a "hang" reply must end when the server closes.
    yield* server.serve(Effect.interruptible(app))
    // Added after `serve`, so it runs before serving stops: that waits (on `Clock`, which `TestClock` may never
    // move) for open connections, and a request left hanging keeps its connection open.
    yield* Effect.addFinalizer(() => Effect.sync(() => nodeServer.closeAllConnections()))
    const address = server.address
    const port = address._tag === "UnixPathAddress" ? 0 : address.port
    return {
      origin: `http://127.0.0.1:${port}`,
      deliveries,
      rejected,
      reply: (next) => Ref.set(decide, next),
      next: Queue.take(deliveries)
    }
  })
