import { Effect, FiberSet, Scope, Exit } from "effect"
const N = 20000
const run = async (name: string, eff: Effect.Effect<void>) => { const t = performance.now(); await Effect.runPromise(eff); console.log(name.padEnd(30), ((performance.now() - t) * 1000 / N).toFixed(2), "µs/op") }
for (let k = 0; k < 2; k++) {
await run("plain", Effect.gen(function*() { for (let i = 0; i < N; i++) yield* Effect.succeed(1) }))
await run("span per op", Effect.gen(function*() { for (let i = 0; i < N; i++) yield* Effect.succeed(1).pipe(Effect.withSpan("x", { attributes: { a: 1 } })) }))
await run("span no stack", Effect.gen(function*() { for (let i = 0; i < N; i++) yield* Effect.succeed(1).pipe(Effect.withSpan("x", { attributes: { a: 1 }, captureStackTrace: false })) }))
await run("fork via FiberSet", Effect.scoped(Effect.gen(function*() {
  const set = yield* FiberSet.make()
  for (let i = 0; i < N; i++) yield* FiberSet.run(set, Effect.succeed(Date.now()))
  yield* FiberSet.awaitEmpty(set)
})))
await run("FiberSet.runtime", Effect.scoped(Effect.gen(function*() {
  const set = yield* FiberSet.make()
  const runFork = yield* FiberSet.runtime(set)()
  for (let i = 0; i < N; i++) runFork(Effect.succeed(Date.now()))
  yield* FiberSet.awaitEmpty(set)
})))
await run("forkIn scope", Effect.gen(function*() {
  const scope = yield* Scope.make()
  for (let i = 0; i < N; i++) yield* Effect.forkIn(Effect.succeed(Date.now()), scope)
  yield* Scope.close(scope, Exit.void)
}))
await run("timeoutOption per op", Effect.gen(function*() { for (let i = 0; i < N; i++) yield* Effect.succeed(1).pipe(Effect.timeoutOption("5 seconds")) }))
}
