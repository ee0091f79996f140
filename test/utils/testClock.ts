/**
 * Helpers for driving `TestClock` while real I/O (a test server) is involved.
 * They poll in *real* time with generous deadlines, so they stay reliable on
 * busy CI machines, and never assert on how long anything took.
 *
 * Effect 4's `TestClock` does not list its pending sleeps, so the effect under
 * test runs on a copy of the `TestClock` whose `sleep` records when each sleep
 * is due (the `TestClock`'s methods are own arrow functions: a spread copy
 * keeps working, `adjust` included).
 */
import { Clock, Duration, Effect, Fiber, Option } from "effect"
import * as TestClock from "effect/testing/TestClock"

const realPause = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)))

/** The wake-up times of the sleeps in progress on a watched clock. */
export interface SleepWatch {
  readonly pending: () => ReadonlyArray<number>
}

/** The current `TestClock`, and a copy of it that records every sleep in progress. */
export const watchedTestClock: Effect.Effect<{ readonly clock: TestClock.TestClock; readonly watch: SleepWatch }> =
  TestClock.testClockWith((testClock) =>
    Effect.sync(() => {
      const sleeps = new Set<{ readonly wakeAt: number }>()
      const clock: TestClock.TestClock = {
        ...testClock,
        sleep: (duration) =>
          Effect.suspend(() => {
            const entry = { wakeAt: testClock.currentTimeMillisUnsafe() + Duration.toMillis(duration) }
            sleeps.add(entry)
            return Effect.ensuring(testClock.sleep(duration), Effect.sync(() => sleeps.delete(entry)))
          })
      }
      return { clock, watch: { pending: () => [...sleeps].map((entry) => entry.wakeAt) } }
    })
  )

/**
 * Waits until some fiber sleeps on a watched timer due within `horizon`
 * milliseconds (ignoring longer ones such as a 10-minute request timeout),
 * or until `fiber` is done. Returns the pending delay, if any.
 */
export const nextSleepOrDone = <A, E>(
  fiber: Fiber.Fiber<A, E>,
  watch: SleepWatch,
  horizon = 120_000,
  deadlineMillis = 20_000
): Effect.Effect<Option.Option<number>> =>
  Effect.gen(function*() {
    const deadline = Date.now() + deadlineMillis
    while (Date.now() < deadline) {
      if (fiber.pollUnsafe() !== undefined) return Option.none()
      const now = yield* Clock.currentTimeMillis
      const due = watch.pending()
        .map((wake) => wake - now)
        .filter((delay) => delay > 0 && delay <= horizon)
      if (due.length > 0) return Option.some(Math.min(...due))
      yield* realPause
    }
    return yield* Effect.die(new Error("neither a TestClock sleep nor the end of the fiber appeared"))
  })

/**
 * Forks `effect` on a watched `TestClock`, then repeatedly advances the clock
 * to the next short sleep until the effect is done. Returns its exit and every
 * delay it slept.
 */
export const runDrivingClock = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const { clock, watch } = yield* watchedTestClock
    const fiber = yield* Effect.forkChild(Effect.provideService(effect, Clock.Clock, clock))
    const delays: Array<number> = []
    for (;;) {
      const next = yield* nextSleepOrDone(fiber, watch)
      if (Option.isNone(next)) break
      delays.push(next.value)
      // A jittered delay is a fraction of a millisecond; a real clock reads whole milliseconds.
      yield* TestClock.adjust(Math.ceil(next.value))
    }
    return { exit: yield* Fiber.await(fiber), delays }
  })
