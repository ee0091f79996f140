/**
 * A deadline on the real clock, for waits in tests that run on `TestClock`
 * (where `Effect.timeout` would only fire when the test moves the clock).
 * A wait that should end in milliseconds fails after `millis` with a short
 * message naming what did not happen, instead of hanging until the test's
 * timeout.
 */
import { Effect } from "effect"

const realSleep = (millis: number) =>
  Effect.callback<void>((resume) => {
    const handle = setTimeout(() => resume(Effect.void), millis)
    return Effect.sync(() => clearTimeout(handle))
  })

/** `effect`, or a defect `"<what>: not within <millis> ms"` once `millis` of real time have passed. */
export const within = (millis: number, what: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.raceFirst(
    effect,
    Effect.andThen(realSleep(millis), Effect.die(new Error(`${what}: not within ${millis} ms`)))
  )
