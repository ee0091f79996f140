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

interface Deadline {
  readonly at: number
  readonly fire: () => void
  settled: boolean
}

/** @internal */
export interface Deadlines {
  /** Calls `fire` after `millis` of real time unless the returned cancel runs first. */
  readonly add: (millis: number, fire: () => void) => () => void
  /** Drops every pending deadline (none fires) and the timer. */
  readonly clear: () => void
}

/**
 * Deadlines on the real clock behind ONE timer: a `setTimeout` per deadline
 * was the largest cost the server added to undici's own work (profiled in
 * bench/README.md). Kept sorted; callers whose deadlines share one length
 * (an answer timeout, an ack window) only ever append. The timer is armed
 * only while an unsettled deadline is at the head, so it holds the process
 * open exactly as long as a timer per deadline would.
 *
 * @internal
 */
export const deadlines = (): Deadlines => {
  let queue: Array<Deadline> = []
  let timer: ReturnType<typeof setTimeout> | undefined
  let timerAt = Number.POSITIVE_INFINITY

  const arm = (): void => {
    while (queue[0]?.settled === true) queue.shift()
    const first = queue[0]
    if (first !== undefined && timer !== undefined && timerAt <= first.at) return
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    timerAt = Number.POSITIVE_INFINITY
    if (first === undefined) return
    timerAt = first.at
    timer = setTimeout(fireDue, Math.max(0, Math.ceil(first.at - performance.now())))
  }

  function fireDue(): void {
    timer = undefined
    timerAt = Number.POSITIVE_INFINITY
    const now = performance.now()
    for (let first = queue[0]; first !== undefined && (first.settled || first.at <= now); first = queue[0]) {
      queue.shift()
      if (!first.settled) {
        first.settled = true
        first.fire()
      }
    }
    arm()
  }

  const add = (millis: number, fire: () => void): () => void => {
    const deadline: Deadline = { at: performance.now() + millis, fire, settled: false }
    let index = queue.length
    while (index > 0 && queue[index - 1]!.at > deadline.at) index--
    queue.splice(index, 0, deadline)
    if (index === 0) arm()
    return () => {
      deadline.settled = true
      if (queue[0] === deadline) arm()
    }
  }

  const clear = (): void => {
    for (const deadline of queue) deadline.settled = true
    queue = []
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    timerAt = Number.POSITIVE_INFINITY
  }

  return { add, clear }
}
