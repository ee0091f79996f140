/**
 * Answers that arrive after an attempt was sent: ack/nack callbacks on the
 * URLs of an async hook (docs/protocol.md §3), and the `ack` / `accept` /
 * `nack` frames of a WebSocket listener, or its going away
 * (docs/protocol.md §4).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ClientMessage } from "../../protocol/frames.js"
import type { HookRecord } from "../HookRecord.js"
import type * as Store from "../Store.js"
import { formatInstant } from "../TimeZone.js"
import { type Attempts, completed, type Core, failed } from "./attempt.js"
import type * as CallbackTokens from "./callbackTokens.js"
import type { Connection } from "./listeners.js"

/**
 * The answer to an ack/nack callback: `status` is the HTTP status; on 200
 * `result` is the `{"data": {"status": …}}` word, otherwise `error` says why.
 *
 * @internal
 */
export interface CallbackAnswer {
  readonly status: number
  readonly result: string
  readonly error?: string
}

/**
 * The answer to a callback whose token is not one this server minted (the
 * REST layer gives it before reading the body).
 *
 * @internal
 */
export const INVALID_TOKEN: CallbackAnswer = { status: 401, result: "invalid_token", error: "invalid callback token" }

const NACK_BODY_LIMIT = 8 * 1024
const MAX_ACCEPT_SECONDS = 24 * 60 * 60

/** A nack callback's diagnostic: its `error` field, else the body itself, cut at 8 KB. */
const nackError = (body: string): string => {
  if (body.trim().length === 0) return "nacked via callback"
  try {
    const parsed: unknown = JSON.parse(body)
    if (typeof parsed === "object" && parsed !== null && "error" in parsed && typeof parsed.error === "string") {
      return parsed.error.slice(0, NACK_BODY_LIMIT)
    }
  } catch {
    // Not JSON: keep the text.
  }
  return body.slice(0, NACK_BODY_LIMIT)
}

/** @internal */
export interface Answers {
  /** An ack/nack for `target`, read from a token the REST layer has already verified. */
  readonly callback: (
    kind: "ack" | "nack",
    target: CallbackTokens.CallbackTarget,
    body: string
  ) => Effect.Effect<CallbackAnswer, Store.StoreError>
  readonly onFrame: (connection: Connection, message: ClientMessage) => Effect.Effect<void, Store.StoreError>
  /** A listener went away: fails the deliveries it left unanswered. */
  readonly onDisconnect: (
    connection: Connection,
    unanswered: ReadonlyArray<string>
  ) => Effect.Effect<void, Store.StoreError>
}

/** @internal */
export const make = (core: Core, attempts: Pick<Attempts, "resolve">): Answers => {
  const { config, events, listeners, serialized, store } = core
  const { resolve } = attempts

  const decideCallback = (
    kind: "ack" | "nack",
    hook: HookRecord,
    attempt: number,
    body: string,
    now: number
  ): Effect.Effect<CallbackAnswer, Store.StoreError> =>
    Effect.gen(function*() {
      if (attempt < hook.attempts) {
        return { status: 409, result: "conflict", error: "the hook has moved on to a newer attempt" }
      }
      const expired: CallbackAnswer = { status: 410, result: "expired", error: "the callback deadline has passed" }
      const inFlight = hook.inFlight
      if (inFlight !== null && inFlight.attempt === attempt) {
        if (inFlight.deadlineAt !== null && now >= inFlight.deadlineAt) {
          // The deadline entry may not have been handled yet: time the attempt out now.
          yield* resolve(hook, failed("timed_out", "no ack or nack arrived before the deadline"), now)
          return expired
        }
        if (kind === "ack") {
          yield* resolve(hook, completed, now)
          return { status: 200, result: "completed" }
        }
        yield* resolve(hook, failed("nacked", nackError(body)), now)
        return { status: 200, result: "nacked" }
      }
      const record = yield* store.getAttempt(hook.id, attempt)
      const outcome = Option.match(record, { onNone: () => hook.status, onSome: (found) => found.outcome })
      if (outcome === "timed_out") return expired
      return { status: 200, result: `already_${outcome}` }
    })

  const callback = (
    kind: "ack" | "nack",
    target: CallbackTokens.CallbackTarget,
    body: string
  ): Effect.Effect<CallbackAnswer, Store.StoreError> =>
    serialized(Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const found = yield* store.getHook(target.hookId)
      if (Option.isNone(found)) {
        return { status: 404, result: "not_found", error: "hook not found: it was deleted" }
      }
      const hook = found.value
      const answer = yield* decideCallback(kind, hook, target.attempt, body, now)
      yield* events.emit({
        _tag: "CallbackReceived",
        hookId: hook.id,
        path: hook.path,
        attempt: target.attempt,
        kind,
        answer: answer.status,
        result: answer.result
      })
      return answer
    })).pipe(Effect.withSpan("LocalPosthook.callback", { attributes: { "posthook.callback": kind } }, {
      captureStackTrace: false
    }))

  /** A listener's answer to a frame it was sent (lock held, `hook` freshly read). */
  const answerFrame = (
    connection: Connection,
    message: Exclude<ClientMessage, { readonly _tag: "pong" }>,
    hook: HookRecord,
    now: number
  ): Effect.Effect<void, Store.StoreError> => {
    const inFlight = hook.inFlight
    // Only the connection the attempt went to may answer it, and only while it is open.
    if (inFlight === null || inFlight.connectionId !== connection.id) return Effect.void
    if (inFlight.phase !== "awaiting_ack" && inFlight.phase !== "awaiting_callback") return Effect.void
    switch (message._tag) {
      case "ack":
        return resolve(hook, completed, now)
      case "nack":
        return resolve(hook, failed("nacked", message.error ?? "nacked by the WebSocket listener"), now)
      case "accept": {
        if (inFlight.phase !== "awaiting_ack") return Effect.void
        const timeoutSeconds = Number.isFinite(message.timeout) && message.timeout > 0
          ? Math.min(message.timeout, MAX_ACCEPT_SECONDS)
          : Duration.toSeconds(config.asyncTimeout)
        const deadlineAt = now + Math.round(timeoutSeconds * 1000)
        return Effect.andThen(
          resolve(hook, { _tag: "Accepted", deadlineAt, response: null }, now),
          Effect.sync(() => {
            const urls = core.callbackUrls(hook.id, inFlight.attempt)
            connection.send({
              _tag: "async_ack",
              hookId: hook.id,
              ackUrl: urls.ackUrl,
              nackUrl: urls.nackUrl,
              deadline: formatInstant(deadlineAt)
            })
          })
        )
      }
    }
  }

  // Every WebSocket delivery's answer comes through here: `flatMap`s, not generators (about 1.5 µs each).
  const onFrame = (connection: Connection, message: ClientMessage): Effect.Effect<void, Store.StoreError> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      listeners.touch(connection.id, now)
      if (message._tag === "pong") return Effect.void
      return serialized(
        Effect.flatMap(store.getHook(message.hookId), (found) =>
          Option.isNone(found) ? Effect.void : answerFrame(connection, message, found.value, now))
      )
    })

  const onDisconnect = (connection: Connection, unanswered: ReadonlyArray<string>) =>
    serialized(Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      for (const hookId of unanswered) {
        const found = yield* store.getHook(hookId)
        if (Option.isNone(found)) continue
        const hook = found.value
        if (hook.inFlight?.connectionId === connection.id && hook.inFlight.phase === "awaiting_ack") {
          yield* resolve(hook, failed("failed", "the WebSocket listener disconnected before answering"), now)
        }
      }
    }))

  return { callback, onFrame, onDisconnect }
}
