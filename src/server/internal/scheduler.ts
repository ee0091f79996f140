/**
 * The scheduler: a due-time index (min-heap) and ONE timer fiber that sleeps
 * on Effect's `Clock` until the earliest entry is due (so `TestClock` drives
 * it), then hands due entries to a fixed pool of worker fibers (the bounded
 * delivery pool). Adding an entry earlier than the one being slept on wakes
 * the timer; no polling, no timer per hook.
 *
 * The scheduler knows nothing of hooks: it only says "this entry is due".
 * Entries are never removed; whoever handles one re-checks the hook's state.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import { DueIndex } from "./dueIndex.js"
import type { DueEntry } from "./dueIndex.js"
import * as WallClock from "./wallClock.js"

/** @internal */
export interface Scheduler {
  /** Adds an entry; the timer wakes if it is due before what it sleeps on. */
  readonly enqueue: (entry: DueEntry) => void
  /**
   * Starts the timer and `concurrency` workers running `handle`. When the
   * scope closes: no new work, in-flight entries get `shutdownGrace` of
   * wall-clock time (a stopped `TestClock` cannot hang shutdown), then what
   * is left is interrupted.
   */
  readonly run: (handle: (entry: DueEntry) => Effect.Effect<void>) => Effect.Effect<void, never, Scope.Scope>
}

/** @internal */
export const make = (options: {
  readonly concurrency: number
  readonly shutdownGrace: Duration.Duration
}): Effect.Effect<Scheduler> =>
  Effect.gen(function*() {
    const index = new DueIndex()
    const wakeups = yield* Queue.sliding<void>(1)
    const work = yield* Queue.unbounded<DueEntry>()
    let sleepingUntil = Number.POSITIVE_INFINITY

    const enqueue = (entry: DueEntry): void => {
      index.push(entry)
      if (entry.at < sleepingUntil) Queue.offerUnsafe(wakeups, undefined)
    }

    const timer = Effect.gen(function*() {
      for (;;) {
        const now = yield* Clock.currentTimeMillis
        const due = index.popDue(now)
        if (due.length > 0) yield* Queue.offerAll(work, due)
        const nextAt = index.nextAt()
        sleepingUntil = nextAt ?? Number.POSITIVE_INFINITY
        if (nextAt === undefined) {
          yield* Queue.take(wakeups)
        } else {
          yield* Effect.raceFirst(Effect.sleep(Duration.millis(nextAt - now)), Queue.take(wakeups))
        }
      }
    })

    const run = (handle: (entry: DueEntry) => Effect.Effect<void>) =>
      Effect.gen(function*() {
        const timerFiber = yield* Effect.forkScoped(timer)
        const workers = yield* Effect.forEach(
          Array.from({ length: options.concurrency }),
          () => Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(work), handle))),
          { concurrency: "unbounded" }
        )
        yield* Effect.addFinalizer(() =>
          Effect.gen(function*() {
            yield* Fiber.interrupt(timerFiber)
            yield* Queue.shutdown(work)
            yield* WallClock.raceWithTimeout(Fiber.awaitAll(workers), Duration.toMillis(options.shutdownGrace))
            yield* Fiber.interruptAll(workers)
          })
        )
      })

    return { enqueue, run } satisfies Scheduler
  })
