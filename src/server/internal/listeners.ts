/**
 * The WebSocket side of the server's state: single-use tickets and the
 * registry of connected listeners. A connection's frames go through an
 * outbox queue drained by one writer fiber, so sending is synchronous,
 * ordered, and never blocks the engine.
 *
 * The registry owns every connection's bookkeeping (which deliveries wait
 * for an answer on it, when it last spoke): the engine changes it only
 * through the functions below.
 *
 * @internal
 */
import * as Crypto from "node:crypto"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Socket from "effect/socket/Socket"
import type { ServerMessage } from "../../protocol/frames.js"
import { encodeServerFrame } from "../../protocol/frames.js"

/** @internal */
export type Outgoing = string | Socket.CloseEvent

/**
 * A connected listener, as the engine sees it: who it is and how to write
 * to it. Its bookkeeping lives in the registry.
 *
 * @internal
 */
export interface Connection {
  readonly id: string
  readonly forward: boolean
  readonly connectedAt: number
  /** Queues a frame; `false` when the connection is already closed. */
  readonly send: (message: ServerMessage) => boolean
  /** Queues a frame already encoded with `encodeServerFrame`. */
  readonly sendEncoded: (frame: string) => boolean
  /** Queues a close frame. */
  readonly close: (event: Socket.CloseEvent) => boolean
}

/**
 * A connected WebSocket listener, as the inspection API shows it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LocalPosthook } from "posthook-effect/server"
 *
 * const forwarding = Effect.gen(function* () {
 *   const local = yield* LocalPosthook.LocalPosthook
 *   const listeners: ReadonlyArray<LocalPosthook.ListenerInfo> = yield* local.listeners
 *   return listeners.filter((listener) => listener.forward)
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ListenerInfo {
  readonly connectionId: string
  readonly forward: boolean
  readonly connectedAt: number
  readonly lastFrameAt: number
  /** Deliveries sent to it and not answered yet. */
  readonly outstanding: number
}

/** @internal */
export interface Listeners {
  readonly issueTicket: (now: number, ttlMillis: number) => { readonly ticket: string; readonly expiresAt: number }
  /** Consumes a ticket: `true` once for a valid, unexpired ticket, then `false`. */
  readonly redeemTicket: (ticket: string, now: number) => boolean
  readonly connect: (options: {
    readonly forward: boolean
    readonly now: number
    readonly outbox: Queue.Queue<Outgoing>
  }) => Connection
  /** Removes a connection; returns the hooks it left unanswered. */
  readonly disconnect: (connection: Connection) => ReadonlyArray<string>
  readonly get: (id: string) => Connection | undefined
  /** The listener for the next WebSocket delivery (round robin), if any is connected. */
  readonly pick: () => Connection | undefined
  readonly all: () => ReadonlyArray<Connection>
  readonly info: () => ReadonlyArray<ListenerInfo>
  /** Records that a frame arrived on a connection. */
  readonly touch: (connectionId: string, now: number) => void
  /** Records that a hook was delivered on a connection and waits for its answer. */
  readonly awaitAnswer: (connectionId: string, hookId: string) => void
  /** The hook's delivery on that connection is answered (or no longer awaited). */
  readonly answered: (connectionId: string, hookId: string) => void
  /** Completes once no listener is connected. */
  readonly awaitEmpty: Effect.Effect<void>
  /** Refuses every ticket from now on: the server is shutting down. */
  readonly stopAccepting: () => void
  /** Whether {@link stopAccepting} was called. */
  readonly accepting: () => boolean
}

interface Entry {
  readonly connection: Connection
  readonly unanswered: Set<string>
  lastFrameAt: number
}

/** @internal */
export const make = (): Listeners => {
  const tickets = new Map<string, number>()
  const entries = new Map<string, Entry>()
  const whenEmpty = new Set<() => void>()
  let turn = 0
  let accepting = true

  const sweepTickets = (now: number) => {
    for (const [ticket, expiresAt] of tickets) {
      if (expiresAt <= now) tickets.delete(ticket)
    }
  }

  return {
    issueTicket: (now, ttlMillis) => {
      sweepTickets(now)
      const ticket = `wst_${Crypto.randomBytes(24).toString("base64url")}`
      const expiresAt = now + ttlMillis
      tickets.set(ticket, expiresAt)
      return { ticket, expiresAt }
    },
    redeemTicket: (ticket, now) => {
      const expiresAt = tickets.get(ticket)
      tickets.delete(ticket)
      return accepting && expiresAt !== undefined && expiresAt > now
    },
    stopAccepting: () => {
      accepting = false
      tickets.clear()
    },
    accepting: () => accepting,
    connect: ({ forward, now, outbox }) => {
      let open = true
      const connection: Connection = {
        id: `conn_${Crypto.randomBytes(8).toString("hex")}`,
        forward,
        connectedAt: now,
        send: (message) => open && Queue.offerUnsafe(outbox, encodeServerFrame(message)),
        sendEncoded: (frame) => open && Queue.offerUnsafe(outbox, frame),
        close: (event) => {
          const offered = open && Queue.offerUnsafe(outbox, event)
          open = false
          return offered
        }
      }
      entries.set(connection.id, { connection, unanswered: new Set(), lastFrameAt: now })
      return connection
    },
    disconnect: (connection) => {
      const unanswered = [...(entries.get(connection.id)?.unanswered ?? [])]
      entries.delete(connection.id)
      if (entries.size === 0) {
        for (const notify of whenEmpty) notify()
        whenEmpty.clear()
      }
      return unanswered
    },
    get: (id) => entries.get(id)?.connection,
    pick: () => {
      if (entries.size === 0) return undefined
      const list = [...entries.values()]
      turn = (turn + 1) % list.length
      return list[turn]?.connection
    },
    all: () => [...entries.values()].map((entry) => entry.connection),
    info: () =>
      [...entries.values()].map((entry) => ({
        connectionId: entry.connection.id,
        forward: entry.connection.forward,
        connectedAt: entry.connection.connectedAt,
        lastFrameAt: entry.lastFrameAt,
        outstanding: entry.unanswered.size
      })),
    touch: (connectionId, now) => {
      const entry = entries.get(connectionId)
      if (entry !== undefined) entry.lastFrameAt = now
    },
    awaitAnswer: (connectionId, hookId) => void entries.get(connectionId)?.unanswered.add(hookId),
    answered: (connectionId, hookId) => void entries.get(connectionId)?.unanswered.delete(hookId),
    awaitEmpty: Effect.callback<void>((resume) => {
      if (entries.size === 0) return resume(Effect.void)
      const notify = () => resume(Effect.void)
      whenEmpty.add(notify)
      return Effect.sync(() => void whenEmpty.delete(notify))
    })
  }
}
