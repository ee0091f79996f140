/**
 * Reading a request body up to a limit, for each kind of server: a Node
 * `Readable`, a Web `ReadableStream`, or an Effect `Stream`. Reading stops as
 * soon as the limit is passed, so an oversized body is never buffered.
 *
 * Nothing here imports `node:stream` at run time: the main entry
 * (`HttpAppHandler`) uses this module, and Node streams are recognised by
 * their shape (see {@link isNodeReadable}).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import type { Readable } from "node:stream"

/** @internal */
export type BodyOutcome =
  | { readonly _tag: "Body"; readonly body: Uint8Array }
  | { readonly _tag: "TooLarge" }
  | { readonly _tag: "Unreadable"; readonly message: string }

const body = (bytes: Uint8Array): BodyOutcome => ({ _tag: "Body", body: bytes })
const tooLarge: BodyOutcome = { _tag: "TooLarge" }
const unreadable = (message: string): BodyOutcome => ({ _tag: "Unreadable", message })

const encoder = new TextEncoder()

/**
 * The part of a Node `Readable` {@link readReadable} uses.
 *
 * @internal
 */
export type NodeReadable = Pick<Readable, "on" | "off" | "pause" | "readableEnded">

/**
 * A Node `Readable` (an `IncomingMessage`), recognised by shape rather than
 * `instanceof`, so that no `node:stream` import is needed.
 *
 * @internal
 */
export const isNodeReadable = (source: unknown): source is NodeReadable =>
  Predicate.hasProperty(source, "pipe") && Predicate.isFunction(source.pipe) &&
  Predicate.hasProperty(source, "on") && Predicate.isFunction(source.on) &&
  Predicate.hasProperty(source, "off") && Predicate.isFunction(source.off) &&
  Predicate.hasProperty(source, "pause") && Predicate.isFunction(source.pause) &&
  Predicate.hasProperty(source, "readableEnded") && typeof source.readableEnded === "boolean"

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

/**
 * A Node stream (an `IncomingMessage`). Past the limit the stream is paused,
 * not destroyed: destroying a request destroys its socket, and the 413 could
 * not be sent.
 *
 * @internal
 */
export const readReadable = (readable: NodeReadable, limit: number): Effect.Effect<BodyOutcome> =>
  Effect.callback<BodyOutcome>((resume) => {
    const chunks: Array<Uint8Array> = []
    let size = 0
    const detach = () => {
      readable.off("data", onData)
      readable.off("end", onEnd)
      readable.off("error", onError)
      readable.off("close", onClose)
    }
    const finish = (outcome: BodyOutcome) => {
      detach()
      resume(Effect.succeed(outcome))
    }
    function onData(chunk: Uint8Array | string) {
      const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk
      size += bytes.byteLength
      if (size > limit) {
        readable.pause()
        finish(tooLarge)
      } else {
        chunks.push(bytes)
      }
    }
    function onEnd() {
      finish(body(concat(chunks, size)))
    }
    function onError(error: Error) {
      finish(unreadable(`could not read the request body: ${error.message}`))
    }
    function onClose() {
      finish(unreadable("the client closed the connection before the body was complete"))
    }
    readable.on("data", onData)
    readable.on("end", onEnd)
    readable.on("error", onError)
    readable.on("close", onClose)
    return Effect.sync(detach)
  })

/**
 * A Web body stream; past the limit the reader is cancelled.
 *
 * @internal
 */
export const readWebStream = (
  stream: ReadableStream<Uint8Array> | null,
  limit: number
): Effect.Effect<BodyOutcome> =>
  stream === null ? Effect.succeed(body(new Uint8Array(0))) : Effect.promise(async () => {
    const reader = stream.getReader()
    const chunks: Array<Uint8Array> = []
    let size = 0
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return body(concat(chunks, size))
        size += value.byteLength
        if (size > limit) {
          await reader.cancel().catch(() => undefined)
          return tooLarge
        }
        chunks.push(value)
      }
    } catch (error) {
      return unreadable(`could not read the request body: ${error instanceof Error ? error.message : String(error)}`)
    }
  })

/**
 * Any Effect `Stream` of bytes (a server whose request source is neither of
 * the above). The stream stops at the limit; what its source then does with
 * the rest is up to the server.
 *
 * @internal
 */
export const readStream = <E>(stream: Stream.Stream<Uint8Array, E>, limit: number): Effect.Effect<BodyOutcome> =>
  Effect.suspend(() => {
    const chunks: Array<Uint8Array> = []
    let size = 0
    return stream.pipe(
      Stream.takeUntil((chunk) => {
        size += chunk.byteLength
        if (size > limit) return true
        chunks.push(chunk)
        return false
      }),
      Stream.runDrain,
      Effect.map(() => size > limit ? tooLarge : body(concat(chunks, size))),
      Effect.catch(() => Effect.succeed(unreadable("could not read the request body")))
    )
  })
