/**
 * Waiting for the local server's events in tests.
 */
import { Effect } from "effect"
import type * as LocalPosthook from "../../../src/server/LocalPosthook.js"
import type { ServerEvent } from "../../../src/server/ServerEvent.js"
import { within } from "./deadline.js"

/** The event with this tag. */
export type EventOf<Tag extends ServerEvent["_tag"]> = Extract<ServerEvent, { readonly _tag: Tag }>

/**
 * The first event with this tag for this hook (and attempt), already emitted
 * or still to come. No deadline of its own: under `TestClock` a timeout would
 * fire whenever the test moves the clock.
 */
export const eventFor = <Tag extends ServerEvent["_tag"]>(
  local: LocalPosthook.LocalPosthook,
  tag: Tag,
  hookId: string,
  attempt?: number
) =>
  local.awaitEvent((event): event is EventOf<Tag> =>
    event._tag === tag && "hookId" in event && event.hookId === hookId &&
    (attempt === undefined || ("attempt" in event && event.attempt === attempt))
  )

/** How an attempt ended, as the server's events tell it. */
export type AttemptEnd = EventOf<"HookDelivered"> | EventOf<"HookAccepted"> | EventOf<"HookRetrying"> | EventOf<"HookFailed">

const ENDINGS: ReadonlySet<ServerEvent["_tag"]> = new Set(["HookDelivered", "HookAccepted", "HookRetrying", "HookFailed"])

/**
 * The event that ended attempt `attempt` of a hook (delivered, accepted,
 * retrying or failed), already emitted or still to come. Asserting on its
 * `_tag` fails at once when the attempt ended another way, where waiting for
 * one particular tag would wait until the test's timeout.
 */
export const attemptEnd = (local: LocalPosthook.LocalPosthook, hookId: string, attempt: number) =>
  local.awaitEvent((event): event is AttemptEnd =>
    ENDINGS.has(event._tag) && "hookId" in event && event.hookId === hookId && "attempt" in event &&
    event.attempt === attempt
  )

/**
 * {@link attemptEnd}, failing fast (after `millis` of real time) when the
 * attempt does not end at all, for tests that wait on the server's own timers.
 */
export const attemptEnded = (local: LocalPosthook.LocalPosthook, hookId: string, attempt: number, millis = 10_000) =>
  attemptEnd(local, hookId, attempt).pipe(within(millis, `the end of attempt ${attempt} of ${hookId}`))

/** How each attempt of a hook ended so far, oldest first (`completed`, `failed`, `in_flight`, …). */
export const outcomesOf = (local: LocalPosthook.LocalPosthook, hookId: string) =>
  Effect.map(local.attempts(hookId), (attempts) => attempts.map((attempt) => attempt.outcome))
