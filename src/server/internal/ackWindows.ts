/**
 * The ack windows of WebSocket attempts in flight (docs/protocol.md §4): how
 * long a listener has to answer a `hook` frame. Wall-clock time, so moving
 * `TestClock` never ends one.
 *
 * Every window has the same length, so windows end in the order they
 * started: they wait in a FIFO queue under ONE timer (set for the oldest
 * open window), instead of a timer each. With 10,000 deliveries in flight a
 * timer per window cost a `setTimeout`, a `clearTimeout` and a string key per
 * delivery; here starting is a push and clearing is a map delete.
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

interface Window {
  readonly hookId: string
  readonly attempt: number
  /** `performance.now()` when the window ends. */
  readonly endsAt: number
  readonly onPassed: Effect.Effect<void, Store.StoreError>
}

/** @internal */
export const make = (millis: number): Effect.Effect<AckWindows, never, Scope.Scope> =>
  Effect.gen(function*() {
    // The open window of each hook (a hook has at most one attempt in flight).
    const open = new Map<string, Window>()
    // Windows in the order they started (= the order they end); cleared ones are skipped when reached.
    let queue: Array<Window> = []
    let head = 0
    let timer: ReturnType<typeof setTimeout> | undefined
    const runFork = yield* FiberSet.makeRuntime<never, void, never>()
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        if (timer !== undefined) clearTimeout(timer)
        timer = undefined
        open.clear()
        queue = []
        head = 0
      })
    )

    const isOpen = (window: Window): boolean => open.get(window.hookId) === window

    const passed = (window: Window): void => {
      open.delete(window.hookId)
      runFork(window.onPassed.pipe(
        Effect.catchCause((cause) =>
          Cause.hasInterruptsOnly(cause)
            ? Effect.void
            : Effect.logError("local Posthook: an ack window failed", cause)
        )
      ))
    }

    /** Sets the timer for the oldest open window, if there is one and no timer is set. */
    const arm = (): void => {
      if (timer !== undefined) return
      while (head < queue.length && !isOpen(queue[head]!)) head++
      if (head >= queue.length) {
        queue = []
        head = 0
        return
      }
      // Drop what was consumed once it is most of the array, so the queue does not grow without end.
      if (head > 1024 && head * 2 > queue.length) {
        queue = queue.slice(head)
        head = 0
      }
      timer = setTimeout(fire, Math.max(0, queue[head]!.endsAt - performance.now()))
    }

    function fire(): void {
      timer = undefined
      const now = performance.now()
      while (head < queue.length && queue[head]!.endsAt <= now) {
        const window = queue[head++]!
        if (isOpen(window)) passed(window)
      }
      arm()
    }

    const clear = (hookId: string, attempt: number): void => {
      const window = open.get(hookId)
      if (window !== undefined && window.attempt === attempt) open.delete(hookId)
    }

    const start = (hookId: string, attempt: number, onPassed: Effect.Effect<void, Store.StoreError>): void => {
      const window: Window = { hookId, attempt, endsAt: performance.now() + millis, onPassed }
      open.set(hookId, window)
      queue.push(window)
      arm()
    }

    return { start, clear }
  })
