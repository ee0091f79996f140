/**
 * Start-up recovery: rebuilds the scheduler's due index from the store, and
 * re-queues the attempts a stopped server left in flight (at least once).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Store from "../Store.js"
import type { Attempts, Core } from "./attempt.js"

/** @internal */
export const recover = (
  core: Pick<Core, "serialized" | "store" | "enqueue">,
  attempts: Pick<Attempts, "updateAttempt">
): Effect.Effect<void, Store.StoreError> =>
  core.serialized(Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const active = yield* core.store.activeHooks
    for (const hook of active) {
      const inFlight = hook.inFlight
      if (inFlight === null) {
        if (hook.nextAttemptAt !== null) {
          core.enqueue({ at: hook.nextAttemptAt, hookId: hook.id, kind: "attempt", attempt: 0 })
        }
        continue
      }
      if (inFlight.phase === "awaiting_callback" && inFlight.deadlineAt !== null) {
        // Callback URLs stay valid across restarts: keep waiting until the deadline.
        core.enqueue({ at: inFlight.deadlineAt, hookId: hook.id, kind: "deadline", attempt: inFlight.attempt })
        continue
      }
      // The server stopped mid-attempt: nobody will answer it, so deliver again (at least once).
      yield* attempts.updateAttempt(hook.id, inFlight.attempt, (record) => ({
        ...record,
        outcome: "interrupted",
        error: "the server stopped while this attempt was in flight",
        finishedAt: now
      }))
      yield* core.store.updateHook({ ...hook, inFlight: null, nextAttemptAt: now, updatedAt: now })
      core.enqueue({ at: now, hookId: hook.id, kind: "attempt", attempt: 0 })
    }
  }))
