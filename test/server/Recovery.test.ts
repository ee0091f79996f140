/**
 * Start-up recovery with the SQLite store (`--db`): hooks that were waiting
 * to be retried, and attempts that were waiting for an async callback, when
 * the server stopped (its scope closed, or `kill -9` of a child process) are
 * picked up by the next server on the same file: retried at their retry
 * time with what is left of their budget, or timed out at their deadline.
 */
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Queue, Redacted, Schema } from "effect"
import { TestClock } from "effect/testing"
import type * as LocalPosthook from "../../src/server/LocalPosthook.js"
import { within } from "./utils/deadline.js"
import { attemptEnded, outcomesOf } from "./utils/events.js"
import { makeReceiver } from "./utils/receiver.js"
import { hooksClient } from "./utils/sdk.js"
import { databaseFile, withServer } from "./utils/sqlite.js"

const JUNE_1 = Date.parse("2026-06-01T00:00:00Z")
const SIGNING_KEYS = [Redacted.make("ph_sk_recovery")]
const RETRY_POLICY = { minRetries: 2, delaySecs: 60, strategy: "fixed" } as const
const decodeScheduled = Schema.decodeUnknownSync(Schema.Struct({ data: Schema.Struct({ id: Schema.String }) }))
const DEADLINE_ERROR = "no ack or nack callback arrived before the async deadline"

const stateOf = (local: LocalPosthook.LocalPosthook, id: string) =>
  Effect.map(local.hook(id), Option.match({
    onNone: () => "gone",
    onSome: (hook) => `${hook.status} attempts=${hook.attempts}`
  }))

describe("recovery after a stop (scope closed)", () => {
  it.effect("hooks waiting to retry are retried at their retry time, with the rest of their budget", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const file = yield* databaseFile
      const options = { signingKeys: SIGNING_KEYS, retryPolicy: RETRY_POLICY }
      const failing = yield* makeReceiver(SIGNING_KEYS)
      yield* failing.reply(() => ({ status: 500 }))
      const ids = yield* withServer(file, { ...options, targetOrigin: failing.origin }, (local) =>
        Effect.gen(function*() {
          const hooks = yield* hooksClient(local)
          const recovers = yield* hooks.schedule({ path: "/recovers", postIn: "1s" })
          const keepsFailing = yield* hooks.schedule({ path: "/keeps-failing", postIn: "1s" })
          yield* TestClock.adjust("1 second")
          expect((yield* attemptEnded(local, recovers.id, 1))._tag).toBe("HookRetrying")
          expect((yield* attemptEnded(local, keepsFailing.id, 1))._tag).toBe("HookRetrying")
          return { recovers: recovers.id, keepsFailing: keepsFailing.id }
        }))

      const receiver = yield* makeReceiver(SIGNING_KEYS)
      yield* receiver.reply((received) => ({ status: received.path === "/recovers" ? 200 : 500 }))
      yield* withServer(file, { ...options, targetOrigin: receiver.origin }, (local) =>
        Effect.gen(function*() {
          expect(yield* stateOf(local, ids.recovers)).toBe("retry attempts=1")
          yield* TestClock.adjust("59 seconds")
          expect(yield* stateOf(local, ids.recovers)).toBe("retry attempts=1")
          yield* TestClock.adjust("1 second")
          expect((yield* attemptEnded(local, ids.recovers, 2))._tag).toBe("HookDelivered")
          expect(yield* outcomesOf(local, ids.recovers)).toEqual(["failed", "completed"])
          // The budget carries over: attempt 2 of 3 is retried, attempt 3 is the last.
          expect((yield* attemptEnded(local, ids.keepsFailing, 2))._tag).toBe("HookRetrying")
          yield* TestClock.adjust("60 seconds")
          expect((yield* attemptEnded(local, ids.keepsFailing, 3))._tag).toBe("HookFailed")
          expect(yield* stateOf(local, ids.keepsFailing)).toBe("failed attempts=3")
        }))
    }))

  it.effect("an attempt waiting for its async callback keeps waiting, then times out at its deadline", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const file = yield* databaseFile
      const options = { signingKeys: SIGNING_KEYS, retryPolicy: RETRY_POLICY }
      const accepting = yield* makeReceiver(SIGNING_KEYS)
      yield* accepting.reply(() => ({ status: 202, headers: { "Posthook-Async-Timeout": "120" } }))
      const id = yield* withServer(file, { ...options, targetOrigin: accepting.origin }, (local) =>
        Effect.gen(function*() {
          const hooks = yield* hooksClient(local)
          const hook = yield* hooks.schedule({ path: "/async", postIn: "1s" })
          yield* TestClock.adjust("1 second")
          expect((yield* attemptEnded(local, hook.id, 1))._tag).toBe("HookAccepted")
          return hook.id
        }))

      const receiver = yield* makeReceiver(SIGNING_KEYS)
      yield* withServer(file, { ...options, targetOrigin: receiver.origin }, (local) =>
        Effect.gen(function*() {
          // Not delivered again at start-up (that is for attempts cut off mid-request): it waits.
          expect(yield* outcomesOf(local, id)).toEqual(["accepted"])
          yield* TestClock.adjust("119 seconds")
          expect(yield* stateOf(local, id)).toBe("pending attempts=1")
          expect(yield* outcomesOf(local, id)).toEqual(["accepted"])
          yield* TestClock.adjust("1 second")
          const timedOut = yield* attemptEnded(local, id, 1)
          expect(timedOut._tag).toBe("HookRetrying")
          expect(timedOut._tag === "HookRetrying" ? timedOut.error : "").toBe(DEADLINE_ERROR)
          expect(yield* outcomesOf(local, id)).toEqual(["timed_out"])
          yield* TestClock.adjust("60 seconds")
          expect((yield* attemptEnded(local, id, 2))._tag).toBe("HookDelivered")
          expect(yield* Queue.size(receiver.deliveries)).toBe(1)
        }))
    }))
})

/** The lines a child server prints, and a way to wait for one. */
const startChild = (file: string, options: Record<string, unknown>) =>
  Effect.gen(function*() {
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        ChildProcess.spawn(
          process.execPath,
          // tsx as a loader of this very process: its CLI would start a grandchild that outlives a SIGKILL.
          ["--import", "tsx", Path.join("test", "server", "utils", "sqliteChild.ts"), file, JSON.stringify(options)],
          { stdio: ["ignore", "pipe", "inherit"] }
        )
      ),
      (child) => Effect.sync(() => child.kill("SIGKILL"))
    )
    const lines: Array<Record<string, unknown>> = []
    const waiters = new Set<() => void>()
    let partial = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      const parts = (partial + String(chunk)).split("\n")
      partial = parts.pop() ?? ""
      for (const part of parts) if (part.startsWith("{")) lines.push(JSON.parse(part))
      for (const waiter of waiters) waiter()
    })
    const lineWhere = (predicate: (line: Record<string, unknown>) => boolean, what: string) =>
      Effect.callback<Record<string, unknown>>((resume) => {
        const check = () => {
          const found = lines.find(predicate)
          if (found !== undefined) {
            waiters.delete(check)
            resume(Effect.succeed(found))
          }
        }
        waiters.add(check)
        check()
        return Effect.sync(() => waiters.delete(check))
      }).pipe(within(30_000, `the child server's line: ${what}`))
    const killed = Effect.callback<NodeJS.Signals | null>((resume) => {
      child.on("exit", (_code, signal) => resume(Effect.succeed(signal)))
      child.kill("SIGKILL")
    })
    return { lineWhere, killed }
  })

describe("recovery after kill -9", () => {
  it.effect("a hook waiting to retry and one waiting for its callback deadline, in a killed server", () =>
    Effect.gen(function*() {
      // The endpoint checks signatures on TestClock: near the real time the child signs with.
      yield* TestClock.setTime(Date.now())
      const file = yield* databaseFile
      // The child runs on the real clock: the endpoint answers /retry with 500 and /async with 202.
      const endpoint = yield* makeReceiver(SIGNING_KEYS, { tolerance: "1 day" })
      yield* endpoint.reply((received) =>
        received.path === "/retry"
          ? { status: 500 }
          : { status: 202, headers: { "Posthook-Async-Timeout": "3600" } }
      )
      const child = yield* startChild(file, {
        targetOrigin: endpoint.origin,
        signingKeys: SIGNING_KEYS.map(Redacted.value),
        retryPolicy: { minRetries: 1, delaySecs: 300, strategy: "fixed" }
      })
      const started = yield* child.lineWhere((line) => typeof line.baseUrl === "string", "listening")
      const schedule = (path: string) =>
        Effect.promise(() =>
          fetch(`${String(started.baseUrl)}/v1/hooks`, {
            method: "POST",
            headers: { "x-api-key": String(started.apiKey), "content-type": "application/json" },
            body: JSON.stringify({ path, postIn: "1s" })
          }).then((answer) => answer.json())
        ).pipe(Effect.map((answer) => decodeScheduled(answer).data.id))
      const retryId = yield* schedule("/retry")
      const asyncId = yield* schedule("/async")
      yield* child.lineWhere((line) => line._tag === "HookRetrying" && line.hookId === retryId, "retry hook retrying")
      yield* child.lineWhere((line) => line._tag === "HookAccepted" && line.hookId === asyncId, "async hook accepted")
      expect(yield* child.killed).toBe("SIGKILL")
      const killedAt = Date.now()

      // The next server runs on TestClock, from the moment of the kill.
      yield* TestClock.setTime(killedAt)
      const receiver = yield* makeReceiver(SIGNING_KEYS, { tolerance: "1 day" })
      yield* withServer(file, { signingKeys: SIGNING_KEYS, targetOrigin: receiver.origin }, (local) =>
        Effect.gen(function*() {
          expect(yield* stateOf(local, retryId)).toBe("retry attempts=1")
          expect(yield* outcomesOf(local, asyncId)).toEqual(["accepted"])
          yield* TestClock.adjust("300 seconds")
          expect((yield* attemptEnded(local, retryId, 2))._tag).toBe("HookDelivered")
          expect(yield* outcomesOf(local, asyncId)).toEqual(["accepted"])
          yield* TestClock.adjust("3300 seconds")
          const timedOut = yield* attemptEnded(local, asyncId, 1)
          expect(timedOut._tag === "HookRetrying" ? timedOut.error : timedOut._tag).toBe(DEADLINE_ERROR)
          yield* TestClock.adjust("300 seconds")
          expect((yield* attemptEnded(local, asyncId, 2))._tag).toBe("HookDelivered")
        }))
    }), { timeout: 60_000 })
})
