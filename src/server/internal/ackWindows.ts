/**
 * The ack windows of WebSocket attempts in flight (docs/protocol.md §4): how
 * long a listener has to answer a `hook` frame. Plain wall-clock timers, by
 * `<hookId>.<attempt>`, so moving `TestClock` never fires them.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import type * as Scope from "effect/Scope"
import type * as Store from "../Store.js"

/** @internal */
export interface AckWindows {
  /** Runs `onPassed` once `millis` of real time pass, unless {@link clear} is called first. */
  readonly start: (hookId: string, attempt: number, onPassed: Effect.Effect<void, Store.StoreError>) => void
  readonly clear: (hookId: string, attempt: number) => void
}

/** @internal */
export const make = (millis: number): Effect.Effect<AckWindows, never, Scope.Scope> =>
  Effect.gen(function*() {
    const timers = new Map<string, ReturnType<typeof setTimeout>>()
    const runFork = yield* FiberSet.makeRuntime<never, void, never>()
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const timer of timers.values()) clearTimeout(timer)
        timers.clear()
      })
    )
    const clear = (hookId: string, attempt: number): void => {
      const key = `${hookId}.${attempt}`
      const timer = timers.get(key)
      if (timer !== undefined) clearTimeout(timer)
      timers.delete(key)
    }
    const start = (hookId: string, attempt: number, onPassed: Effect.Effect<void, Store.StoreError>): void => {
      const key = `${hookId}.${attempt}`
      timers.set(
        key,
        setTimeout(() => {
          timers.delete(key)
          runFork(onPassed.pipe(
            Effect.catchCause((cause) =>
              Cause.hasInterruptsOnly(cause)
                ? Effect.void
                : Effect.logError("local Posthook: an ack window failed", cause)
            )
          ))
        }, millis)
      )
    }
    return { start, clear }
  })
