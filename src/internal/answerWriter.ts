/**
 * How a listener connection writes its answers (acks, nacks, pongs) to its
 * WebSocket: answers written in one synchronous run (a burst of frames
 * handled one `message` event after another) leave in one TCP write where
 * the WebSocket exposes its TCP socket (`ws`), instead of a `writev` system
 * call each, which is most of what an answer costs.
 *
 * @internal
 */
import * as Predicate from "effect/Predicate"
import type * as Socket from "effect/socket/Socket"

/**
 * `WebSocket.OPEN`, spelled out: runtimes without a global `WebSocket` have
 * no constant to read.
 *
 * @internal
 */
export const OPEN = 1

/**
 * `WebSocket.CLOSING`, spelled out as {@link OPEN} is; `CLOSED` (3) is the
 * only state above it.
 *
 * @internal
 */
export const CLOSING = 2

/**
 * Answers held in a corked socket at most: a long run is flushed every this
 * many answers, so that the server can start on them while the rest are
 * still being handled.
 *
 * @internal
 */
export const CORKED_WRITES_MAX = 32

/** A stream whose writes can be held and sent together (Node's `net.Socket`). */
interface Corkable {
  readonly cork: () => void
  readonly uncork: () => void
}

/** The TCP socket under a `ws` WebSocket, when it can be corked (the standard API has none). */
const corkable = (ws: Socket.WebSocketLike): Corkable | undefined => {
  if (!Predicate.hasProperty(ws, "_socket")) return undefined
  const socket = ws._socket
  if (!Predicate.hasProperty(socket, "cork") || !Predicate.hasProperty(socket, "uncork")) return undefined
  const { cork, uncork } = socket
  if (!Predicate.isFunction(cork) || !Predicate.isFunction(uncork)) return undefined
  return { cork: () => cork.call(socket), uncork: () => uncork.call(socket) }
}

/**
 * A function that writes one text frame to `ws`: `false` when it cannot go
 * out (the socket is not open, or `send` threw; `onWriteError` is then
 * called). The first write of a run corks the TCP socket and queues a
 * microtask that uncorks it, so an answer waits at most for the end of the
 * current synchronous run, never for a later frame.
 *
 * @internal
 */
export const make = (ws: Socket.WebSocketLike, onWriteError: () => void): (text: string) => boolean => {
  let corked: Corkable | undefined = undefined
  let corkedWrites = 0
  const uncork = () => {
    const socket = corked
    corked = undefined
    try {
      socket?.uncork()
    } catch {
      // The socket is gone; the close is reported by its own event.
    }
  }
  return (text) => {
    if (ws.readyState !== OPEN) return false
    try {
      if (corked === undefined) {
        corked = corkable(ws)
        if (corked !== undefined) {
          corked.cork()
          corkedWrites = 0
          queueMicrotask(uncork)
        }
      }
      ws.send(text)
      if (corked !== undefined && ++corkedWrites >= CORKED_WRITES_MAX) {
        corkedWrites = 0
        corked.uncork()
        corked.cork()
      }
      return true
    } catch {
      onWriteError()
      return false
    }
  }
}
