/**
 * The WebSocket side of the server's state: single-use tickets and the
 * registry of connected listeners. A connection's frames go through an
 * outbox queue drained by one writer fiber, so sending is synchronous,
 * ordered, and never blocks the engine (a write to a closed platform socket
 * would wait forever).
 *
 * @internal
 */
import * as Crypto from "node:crypto"
import type * as Socket from "@effect/platform/Socket"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type { ServerMessage } from "../../protocol/frames.js"
import { encodeServerFrame } from "../../protocol/frames.js"

/** @internal */
export type Outgoing = string | Socket.CloseEvent

/** @internal */
export interface Connection {
  readonly id: string
  readonly forward: boolean
  readonly connectedAt: number
  /** Hook ids delivered on this connection and not answered yet. */
  readonly outstanding: Set<string>
  lastFrameAt: number
  /** Queues a frame; `false` when the connection is already closed. */
  readonly send: (message: ServerMessage) => boolean
  /** Queues a frame already encoded with `encodeServerFrame`. */
  readonly sendEncoded: (frame: string) => boolean
  /** Queues a close frame. */
  readonly close: (event: Socket.CloseEvent) => boolean
}

/**
 * What the inspection API shows of a connected listener.
 *
 * @internal
 */
export interface ListenerInfo {
  readonly connectionId: string
  readonly forward: boolean
  readonly connectedAt: number
  readonly lastFrameAt: number
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
  readonly disconnect: (connection: Connection) => void
  readonly get: (id: string) => Connection | undefined
  /** The listener for the next WebSocket delivery (round robin), if any is connected. */
  readonly pick: () => Connection | undefined
  readonly all: () => ReadonlyArray<Connection>
  readonly info: () => ReadonlyArray<ListenerInfo>
  /** Completes once no listener is connected. */
  readonly awaitEmpty: Effect.Effect<void>
  /** Refuses every ticket from now on: the server is shutting down. */
  readonly stopAccepting: () => void
  /** Whether {@link stopAccepting} was called. */
  readonly accepting: () => boolean
}

/** @internal */
export const make = (): Listeners => {
  const tickets = new Map<string, number>()
  const connections = new Map<string, Connection>()
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
        outstanding: new Set(),
        lastFrameAt: now,
        send: (message) => open && Queue.unsafeOffer(outbox, encodeServerFrame(message)),
        sendEncoded: (frame) => open && Queue.unsafeOffer(outbox, frame),
        close: (event) => {
          const offered = open && Queue.unsafeOffer(outbox, event)
          open = false
          return offered
        }
      }
      connections.set(connection.id, connection)
      return connection
    },
    disconnect: (connection) => {
      connections.delete(connection.id)
      if (connections.size === 0) {
        for (const notify of whenEmpty) notify()
        whenEmpty.clear()
      }
    },
    get: (id) => connections.get(id),
    pick: () => {
      if (connections.size === 0) return undefined
      const list = [...connections.values()]
      turn = (turn + 1) % list.length
      return list[turn]
    },
    all: () => [...connections.values()],
    info: () =>
      [...connections.values()].map((connection) => ({
        connectionId: connection.id,
        forward: connection.forward,
        connectedAt: connection.connectedAt,
        lastFrameAt: connection.lastFrameAt,
        outstanding: connection.outstanding.size
      })),
    awaitEmpty: Effect.async<void>((resume) => {
      if (connections.size === 0) return resume(Effect.void)
      const notify = () => resume(Effect.void)
      whenEmpty.add(notify)
      return Effect.sync(() => void whenEmpty.delete(notify))
    })
  }
}
