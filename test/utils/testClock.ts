/**
 * Helpers for driving `TestClock` while real I/O (a test server) is involved.
 * They poll in *real* time with generous deadlines, so they stay reliable on
 * busy CI machines, and never assert on how long anything took.
 */
import { Chunk, Effect, Fiber, Option, TestClock } from "effect"

const realPause = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)))

/**
 * Waits until some fiber sleeps on a `TestClock` timer due within `horizon`
 * milliseconds (ignoring longer ones such as a 10-minute request timeout),
 * or until `fiber` is done. Returns the pending delay, if any.
 */
export const nextSleepOrDone = <A, E>(
  fiber: Fiber.RuntimeFiber<A, E>,
  horizon = 120_000,
  deadlineMillis = 20_000
): Effect.Effect<Option.Option<number>> =>
  Effect.gen(function*() {
    const deadline = Date.now() + deadlineMillis
    while (Date.now() < deadline) {
      if (Option.isSome(yield* Fiber.poll(fiber))) return Option.none()
      const now = yield* TestClock.currentTimeMillis
      const due = Chunk.toReadonlyArray(yield* TestClock.sleeps())
        .map((wake) => wake - now)
        .filter((delay) => delay > 0 && delay <= horizon)
      if (due.length > 0) return Option.some(Math.min(...due))
      yield* realPause
    }
    return yield* Effect.die(new Error("neither a TestClock sleep nor the end of the fiber appeared"))
  })

/**
 * Forks `effect`, then repeatedly advances the `TestClock` to the next short
 * sleep until the effect is done. Returns its exit and every delay it slept.
 */
export const runDrivingClock = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    const delays: Array<number> = []
    for (;;) {
      const next = yield* nextSleepOrDone(fiber)
      if (Option.isNone(next)) break
      delays.push(next.value)
      yield* TestClock.adjust(next.value)
    }
    return { exit: yield* Fiber.await(fiber), delays }
  })
