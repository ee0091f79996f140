/**
 * What happens in the local server, as events: one per scheduled, started,
 * delivered, accepted, retried, failed, deleted, cancelled or re-queued hook,
 * per callback and per WebSocket listener coming or going. The CLI's `dev`
 * command prints them and the dashboard streams them; tests can wait on them.
 *
 * Every event has a `seq` (1, 2, 3, … in the order they happened) and `at`
 * (epoch milliseconds, from Effect's `Clock`).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type { Transport } from "./HookRecord.js"
import { formatInstant } from "./TimeZone.js"

interface Base {
  readonly seq: number
  readonly at: number
}

interface HookBase extends Base {
  readonly hookId: string
  readonly path: string
}

/**
 * A server event.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { LocalPosthook, ServerEvent } from "posthook-effect/server"
 *
 * const printDeliveries = Effect.gen(function* () {
 *   const local = yield* LocalPosthook.LocalPosthook
 *   yield* local.events.pipe(
 *     Stream.filter(ServerEvent.ServerEvent.$is("HookDelivered")),
 *     Stream.runForEach((event) => Effect.log(ServerEvent.describe(event)))
 *   )
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ServerEvent = Data.TaggedEnum<{
  HookScheduled: HookBase & { readonly postAt: number }
  AttemptStarted: HookBase & { readonly attempt: number; readonly transport: Transport }
  HookDelivered: HookBase & {
    readonly attempt: number
    readonly transport: Transport
    readonly statusCode: number | null
    readonly durationMs: number
  }
  HookAccepted: HookBase & {
    readonly attempt: number
    readonly transport: Transport
    readonly deadlineAt: number
  }
  HookRetrying: HookBase & {
    readonly attempt: number
    readonly transport: Transport
    readonly statusCode: number | null
    readonly durationMs: number | null
    readonly error: string
    readonly nextAttemptAt: number
  }
  HookFailed: HookBase & {
    readonly attempt: number
    readonly transport: Transport
    readonly statusCode: number | null
    readonly durationMs: number | null
    readonly error: string
  }
  HookDeleted: HookBase
  HookCancelled: HookBase
  HookRequeued: HookBase & { readonly reason: "retry" | "replay" | "deliver_now" }
  CallbackReceived: HookBase & {
    readonly attempt: number
    readonly kind: "ack" | "nack"
    /** The HTTP status the callback was answered with. */
    readonly answer: number
    readonly result: string
  }
  ListenerConnected: Base & { readonly connectionId: string; readonly forward: boolean }
  ListenerDisconnected: Base & { readonly connectionId: string }
}>

/**
 * Constructors, guards (`$is`) and matchers (`$match`) for {@link ServerEvent}.
 *
 * @example
 * ```ts
 * import { ServerEvent } from "posthook-effect/server"
 *
 * const isFinal = (event: ServerEvent.ServerEvent) =>
 *   ServerEvent.ServerEvent.$is("HookDelivered")(event) || ServerEvent.ServerEvent.$is("HookFailed")(event)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const ServerEvent = Data.taggedEnum<ServerEvent>()

/**
 * An event without its `seq` and `at`, as the engine emits it.
 *
 * @example
 * ```ts
 * import type { ServerEvent } from "posthook-effect/server"
 *
 * const emitted: ServerEvent.Emitted = { _tag: "HookDeleted", hookId: "7f1c…", path: "/webhooks/x" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Emitted = ServerEvent extends infer E ? E extends ServerEvent ? Omit<E, "seq" | "at"> : never : never

const shortId = (id: string): string => id.slice(0, 8)
const took = (durationMs: number | null): string => durationMs === null ? "" : ` in ${durationMs} ms`
const code = (statusCode: number | null): string => statusCode === null ? "" : ` ${statusCode}`

/**
 * One human-readable line for an event (no colours, no secrets).
 *
 * @example
 * ```ts
 * import { ServerEvent } from "posthook-effect/server"
 *
 * const line = ServerEvent.describe(
 *   ServerEvent.ServerEvent.HookDelivered({
 *     seq: 1, at: 0, hookId: "7f1c2d3e-…", path: "/webhooks/x",
 *     attempt: 1, transport: "http", statusCode: 200, durationMs: 12
 *   })
 * )
 * // "delivered 7f1c2d3e /webhooks/x attempt 1 via http 200 in 12 ms"
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const describe = (event: ServerEvent): string =>
  ServerEvent.$match(event, {
    HookScheduled: (e) => `scheduled ${shortId(e.hookId)} ${e.path} for ${formatInstant(e.postAt)}`,
    AttemptStarted: (e) => `sending ${shortId(e.hookId)} ${e.path} attempt ${e.attempt} via ${e.transport}`,
    HookDelivered: (e) =>
      `delivered ${shortId(e.hookId)} ${e.path} attempt ${e.attempt} via ${e.transport}${code(e.statusCode)}${
        took(e.durationMs)
      }`,
    HookAccepted: (e) =>
      `accepted ${shortId(e.hookId)} ${e.path} attempt ${e.attempt} via ${e.transport}, callback due by ${
        formatInstant(e.deadlineAt)
      }`,
    HookRetrying: (e) =>
      `retrying ${shortId(e.hookId)} ${e.path} attempt ${e.attempt} via ${e.transport}${code(e.statusCode)}${
        took(e.durationMs)
      }: ${e.error}; next attempt at ${formatInstant(e.nextAttemptAt)}`,
    HookFailed: (e) =>
      `failed ${shortId(e.hookId)} ${e.path} attempt ${e.attempt} via ${e.transport}${code(e.statusCode)}${
        took(e.durationMs)
      }: ${e.error}`,
    HookDeleted: (e) => `deleted ${shortId(e.hookId)} ${e.path}`,
    HookCancelled: (e) => `cancelled ${shortId(e.hookId)} ${e.path}`,
    HookRequeued: (e) => `re-queued ${shortId(e.hookId)} ${e.path} (${e.reason.replace("_", " ")})`,
    CallbackReceived: (e) =>
      `${e.kind} callback for ${shortId(e.hookId)} ${e.path} attempt ${e.attempt}: ${e.answer} ${e.result}`,
    ListenerConnected: (e) => `listener ${e.connectionId} connected${e.forward ? " (forward mode)" : ""}`,
    ListenerDisconnected: (e) => `listener ${e.connectionId} disconnected`
  })
