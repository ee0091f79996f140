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
  Effect.async<void>((resume) => {
    const handle = setTimeout(() => resume(Effect.void), millis)
    return Effect.sync(() => clearTimeout(handle))
  })
