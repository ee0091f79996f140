import { Effect, FiberSet, Stream, Mailbox, Chunk } from "effect"
import * as WsProtocol from "../src/internal/wsProtocol.js"
import * as WsConnection from "../src/internal/wsConnection.js"
const frame = `{"type":"hook","id":"hook-1","path":"/webhooks/bench","data":{"n":1},"postAt":"2026-01-01T00:00:00Z","createdAt":"2026-01-01T00:00:00Z","attempt":1,"maxAttempts":5}`
const N = 20000
const time = (name: string, f: () => void) => { const t = performance.now(); f(); const ms = performance.now() - t; console.log(name.padEnd(30), (ms * 1000 / N).toFixed(2), "µs/op") }
time("JSON.parse", () => { for (let i = 0; i < N; i++) JSON.parse(frame) })
time("decodeServerFrame", () => { for (let i = 0; i < N; i++) WsProtocol.decodeServerFrame(frame) })
const decoded = WsProtocol.decodeServerFrame(frame)
const hf = (decoded as any).value
time("toDelivery", () => { for (let i = 0; i < N; i++) WsConnection.toDelivery(hf, Date.now()) })
time("encodeClientFrame", () => { for (let i = 0; i < N; i++) WsProtocol.encodeClientFrame({ _tag: "ack", hookId: "hook-1" }) })
const run = async (name: string, eff: Effect.Effect<void>) => { const t = performance.now(); await Effect.runPromise(eff); console.log(name.padEnd(30), ((performance.now() - t) * 1000 / N).toFixed(2), "µs/op") }
await run("fork via FiberSet", Effect.scoped(Effect.gen(function*() {
  const set = yield* FiberSet.make()
  for (let i = 0; i < N; i++) yield* FiberSet.run(set, Effect.succeed(Date.now()))
  yield* FiberSet.awaitEmpty(set)
})))
await run("span per op", Effect.gen(function*() {
  for (let i = 0; i < N; i++) yield* Effect.succeed(1).pipe(Effect.withSpan("x", { attributes: { a: 1 } }))
}))
await run("timeoutOption per op", Effect.gen(function*() {
  for (let i = 0; i < N; i++) yield* Effect.succeed(1).pipe(Effect.timeoutOption("5 seconds"))
}))
await run("mailbox->stream", Effect.gen(function*() {
  const mb = yield* Mailbox.make<number>()
  for (let i = 0; i < N; i++) mb.unsafeOffer(i)
  yield* mb.end
  yield* Stream.runForEach(Mailbox.toStream(mb), () => Effect.void)
}))
