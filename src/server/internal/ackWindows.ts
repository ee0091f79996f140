/**
 * The ack windows of WebSocket attempts in flight (docs/protocol.md §4): how
 * long a listener has to answer a `hook` frame. Wall-clock time, so moving
 * `TestClock` never ends one.
 *
 * Every window has the same length, so windows end in the order they
 * started: they share ONE timer (`WallClock.deadlines`, the mechanism behind
 * the HTTP answer timeouts too) instead of a timer each. With 10,000
 * deliveries in flight a timer per window cost a `setTimeout`, a
 * `clearTimeout` and a string key per delivery; here starting is an append
 * and clearing marks the entry settled.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import type * as Scope from "effect/Scope"
import type * as Store from "../Store.js"
import * as WallClock from "./wallClock.js"

/** @internal */
export interface AckWindows {
  /** Runs `onPassed` once `millis` of real time pass, unless {@link clear} is called first. */
  readonly start: (hookId: string, attempt: number, onPassed: Effect.Effect<void, Store.StoreError>) => void
  readonly clear: (hookId: string, attempt: number) => void
}

interface Window {
  readonly attempt: number
  readonly cancel: () => void
}

/** @internal */
export const make = (millis: number): Effect.Effect<AckWindows, never, Scope.Scope> =>
  Effect.gen(function*() {
    // The open window of each hook (a hook has at most one attempt in flight).
    const open = new Map<string, Window>()
    const deadlines = WallClock.deadlines()
    const runFork = yield* FiberSet.makeRuntime<never, void, never>()
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        deadlines.clear()
        open.clear()
      })
    )

    const passed = (hookId: string, onPassed: Effect.Effect<void, Store.StoreError>): void => {
      open.delete(hookId)
      runFork(onPassed.pipe(
        Effect.catchCause((cause) =>
          Cause.hasInterruptsOnly(cause)
            ? Effect.void
            : Effect.logError("local Posthook: an ack window failed", cause)
        )
      ))
    }

    const clear = (hookId: string, attempt: number): void => {
      const window = open.get(hookId)
      if (window !== undefined && window.attempt === attempt) {
        open.delete(hookId)
        window.cancel()
      }
    }

    const start = (hookId: string, attempt: number, onPassed: Effect.Effect<void, Store.StoreError>): void => {
      open.get(hookId)?.cancel()
      open.set(hookId, { attempt, cancel: deadlines.add(millis, () => passed(hookId, onPassed)) })
    }

    return { start, clear }
  })
