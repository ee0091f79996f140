/**
 * Sleeping on the real clock, whatever `Clock` the fiber has. Used where
 * simulated time must not apply: WebSocket pings (a five-day
 * `TestClock.adjust` must not replay 14 400 pings) and the shutdown grace
 * period (a stopped `TestClock` must not hang a Layer's release).
 *
 * @internal
 */
import * as Effect from "effect/Effect"

/** @internal */
export const sleep = (millis: number): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    const handle = setTimeout(() => resume(Effect.void), millis)
    return Effect.sync(() => clearTimeout(handle))
  })

/**
 * Waits for `effect`, at most `millis` of real time. Safe in finalizers:
 * both sides are made interruptible, so the loser is stopped at once instead
 * of being waited for (finalizers run uninterruptibly, and so would it).
 *
 * @internal
 */
export const raceWithTimeout = <A, E, R>(effect: Effect.Effect<A, E, R>, millis: number): Effect.Effect<void, E, R> =>
  Effect.raceFirst(Effect.asVoid(Effect.interruptible(effect)), Effect.interruptible(sleep(millis)))
