/**
 * The server's event log: numbers and time-stamps events, keeps the latest
 * ones in a ring buffer, publishes them to live subscribers and writes the
 * log line for the ones the issue asks for (scheduled / delivered / retried /
 * failed).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Terminal from "../../internal/terminal.js"
import type { Emitted, ServerEvent } from "../ServerEvent.js"
import { describe } from "../ServerEvent.js"

/** @internal */
export interface EventLog {
  readonly emit: (event: Emitted) => Effect.Effect<void>
  readonly recent: (limit?: number) => ReadonlyArray<ServerEvent>
  readonly stream: Stream.Stream<ServerEvent>
  /** A subscription that starts now: events emitted after this returns are seen. */
  readonly subscribe: Effect.Effect<Stream.Stream<ServerEvent>, never, Scope.Scope>
}

const LOGGED: ReadonlySet<ServerEvent["_tag"]> = new Set([
  "HookScheduled",
  "HookDelivered",
  "HookAccepted",
  "HookRetrying",
  "HookFailed"
])

/** @internal */
export const make = (options: { readonly capacity: number; readonly log: boolean }) =>
  Effect.gen(function*() {
    // Sliding: a subscriber that stops reading loses old events instead of growing memory.
    const pubsub = yield* Effect.acquireRelease(PubSub.sliding<ServerEvent>(16_384), PubSub.shutdown)
    const ring: Array<ServerEvent | undefined> = new Array(Math.max(1, options.capacity))
    let seq = 0

    // Publishing is synchronous whenever the sliding buffer has room (nearly always): the effectful
    // `publish` (which slides out the oldest event) runs only when it is full. Saves ~4 Effect steps per event.
    const publish = (event: ServerEvent): Effect.Effect<void> =>
      PubSub.publishUnsafe(pubsub, event) || PubSub.isShutdownUnsafe(pubsub)
        ? Effect.void
        : Effect.asVoid(PubSub.publish(pubsub, event))

    const emit = (emitted: Emitted): Effect.Effect<void> =>
      // The clock read synchronously (still the fiber's `Clock`, so `TestClock` stamps events).
      Clock.clockWith((clock) => {
        const at = clock.currentTimeMillisUnsafe()
        seq += 1
        // Every member of the union gains exactly `seq` and `at` back.
        const event = { ...emitted, seq, at } as ServerEvent
        ring[seq % ring.length] = event
        if (!options.log || !LOGGED.has(event._tag)) return publish(event)
        const annotations: Record<string, unknown> = { event: event._tag }
        if ("hookId" in event) annotations.hookId = event.hookId
        if ("attempt" in event) annotations.attempt = event.attempt
        if ("statusCode" in event && event.statusCode !== null) annotations.statusCode = event.statusCode
        if ("durationMs" in event && event.durationMs !== null) annotations.durationMs = event.durationMs
        // The text carries what clients sent (paths, nack errors): escaped, so it cannot drive a terminal.
        const text = Terminal.escape(describe(event))
        const line = event._tag === "HookFailed" ? Effect.logWarning(text) : Effect.logInfo(text)
        // Log first: whoever sees the published event can rely on its line being written.
        return Effect.andThen(line.pipe(Effect.annotateLogs(annotations)), Effect.suspend(() => publish(event)))
      })

    const recent = (limit = ring.length): ReadonlyArray<ServerEvent> => {
      const events: Array<ServerEvent> = []
      for (let n = seq; n > 0 && n > seq - ring.length && events.length < limit; n--) {
        const event = ring[n % ring.length]
        if (event !== undefined) events.push(event)
      }
      return events.reverse()
    }

    const subscribe = Effect.map(PubSub.subscribe(pubsub), Stream.fromSubscription)

    return {
      emit,
      recent,
      stream: Stream.unwrap(subscribe),
      subscribe
    } satisfies EventLog
  })
