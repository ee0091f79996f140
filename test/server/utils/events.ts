/**
 * Waiting for the local server's events in tests.
 */
import type * as LocalPosthook from "../../../src/server/LocalPosthook.js"
import type { ServerEvent } from "../../../src/server/ServerEvent.js"

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
