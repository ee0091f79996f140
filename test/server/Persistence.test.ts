/**
 * The SQLite store keeps the server's promises across restarts: pending
 * hooks are delivered after a clean stop and after `kill -9`, an attempt cut
 * off by a stop is delivered again, callback URLs keep working, and
 * generated keys stay the same.
 */
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as Callbacks from "../../src/Callbacks.js"
import type * as LocalPosthook from "../../src/server/LocalPosthook.js"
import type { ServerEvent } from "../../src/server/ServerEvent.js"
import { makeReceiver } from "./utils/receiver.js"
import { hooksClient } from "./utils/sdk.js"
import { databaseFile, withServer } from "./utils/sqlite.js"

const JUNE_1 = Date.parse("2026-06-01T00:00:00Z")

type EventOf<Tag extends ServerEvent["_tag"]> = Extract<ServerEvent, { readonly _tag: Tag }>

const eventFor = <Tag extends ServerEvent["_tag"]>(local: LocalPosthook.LocalPosthook, tag: Tag, hookId: string) =>
  local.awaitEvent((event): event is EventOf<Tag> =>
    event._tag === tag && "hookId" in event && event.hookId === hookId
  )

describe("SQLite persistence", () => {
  it.effect("a pending hook survives a restart and is delivered after it; generated keys stay", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const file = yield* databaseFile
      const first = yield* withServer(file, {}, (local) =>
        Effect.gen(function*() {
          const hooks = yield* hooksClient(local)
          const hook = yield* hooks.schedule({ path: "/after-restart", postIn: "1h", data: { kept: true } })
          return { id: hook.id, apiKey: Redacted.value(local.apiKey), signingKeys: local.signingKeys.map(Redacted.value) }
        }))

      yield* withServer(file, {}, (local) =>
        Effect.gen(function*() {
          expect(Redacted.value(local.apiKey)).toBe(first.apiKey)
          expect(local.signingKeys.map(Redacted.value)).toEqual(first.signingKeys)
          const receiver = yield* makeReceiver(local.signingKeys)
          yield* local.setTargetOrigin(receiver.origin)
          const hooks = yield* hooksClient(local)
          expect((yield* hooks.get(first.id)).status).toBe("pending")
          yield* TestClock.adjust("1 hour")
          const received = yield* receiver.next
          expect(received.delivery).toMatchObject({ hookId: first.id, data: { kept: true } })
          yield* eventFor(local, "HookDelivered", first.id)
        }))
    }))

  it.effect("an attempt cut off by a stop is delivered again after the restart", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const file = yield* databaseFile
      const signingKeys = [Redacted.make("ph_sk_persistence")]
      const hanging = yield* makeReceiver(signingKeys)
      yield* hanging.reply(() => "hang")
      const id = yield* withServer(file, { shutdownGrace: 0, signingKeys, targetOrigin: hanging.origin }, (local) =>
        Effect.gen(function*() {
          const hooks = yield* hooksClient(local)
          const hook = yield* hooks.schedule({ path: "/interrupted", postIn: "1s" })
          yield* TestClock.adjust("1 second")
          yield* hanging.next
          return hook.id
        }))

      // The redelivery is due at once: the endpoint must be known when the server starts.
      const receiver = yield* makeReceiver(signingKeys)
      yield* withServer(file, { signingKeys, targetOrigin: receiver.origin }, (local) =>
        Effect.gen(function*() {
          const received = yield* receiver.next
          expect(received.delivery.hookId).toBe(id)
          yield* eventFor(local, "HookDelivered", id)
          const attempts = yield* local.attempts(id)
          expect(attempts.map((attempt) => attempt.outcome)).toEqual(["interrupted", "completed"])
          expect(Option.map(yield* local.hook(id), (hook) => hook.status)).toEqual(Option.some("completed"))
        }))
    }))

  it.effect("callback URLs handed out before a restart still work after it", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(JUNE_1)
      const file = yield* databaseFile
      const { ackUrl, id } = yield* withServer(file, {}, (local) =>
        Effect.gen(function*() {
          const receiver = yield* makeReceiver(local.signingKeys)
          yield* receiver.reply(() => ({ status: 202 }))
          yield* local.setTargetOrigin(receiver.origin)
          const hooks = yield* hooksClient(local)
          const hook = yield* hooks.schedule({ path: "/async", postIn: "1s" })
          yield* TestClock.adjust("1 second")
          const received = yield* receiver.next
          yield* eventFor(local, "HookAccepted", hook.id)
          return { id: hook.id, ackUrl: received.delivery.ackUrl ?? "" }
        }))

      yield* withServer(file, {}, (local) =>
        Effect.gen(function*() {
          // Same port or not, the token is what counts: aim the old URL at the new server.
          const relocated = `${local.baseUrl}${new URL(ackUrl).pathname}`
          const result = yield* Callbacks.call("ack", relocated).pipe(Effect.provide(NodeHttpClient.layerUndici))
          expect(result).toEqual({ applied: true, status: "completed" })
          expect(Option.map(yield* local.hook(id), (hook) => hook.status)).toEqual(Option.some("completed"))
        }))
    }))

  it.live("a pending hook survives kill -9 of the server process", () =>
    Effect.gen(function*() {
      const file = yield* databaseFile
      const child = yield* Effect.acquireRelease(
        Effect.sync(() =>
          ChildProcess.spawn(
            process.execPath,
            [
              // tsx as a loader of this very process (its CLI would start a child that survives a SIGKILL of its parent).
              "--import",
              "tsx",
              Path.join("test", "server", "fixtures", "sqliteServer.ts"),
              file
            ],
            { stdio: ["ignore", "pipe", "inherit"] }
          )
        ),
        (child) => Effect.sync(() => child.kill("SIGKILL"))
      )
      const started = yield* Effect.callback<{ readonly baseUrl: string; readonly apiKey: string }, Error>((resume) => {
        let output = ""
        child.stdout?.on("data", (chunk: Buffer) => {
          output += String(chunk)
          const line = output.split("\n").find((candidate) => candidate.startsWith("{"))
          if (line !== undefined) resume(Effect.succeed(JSON.parse(line)))
        })
        child.on("exit", (code) => resume(Effect.fail(new Error(`the server process exited early (${code})`))))
      })
      const response = yield* Effect.promise(() =>
        fetch(`${started.baseUrl}/v1/hooks`, {
          method: "POST",
          headers: { "x-api-key": started.apiKey, "content-type": "application/json" },
          body: JSON.stringify({ path: "/survivor", postIn: "2s", data: { n: 42 } })
        }).then((answer) => answer.json())
      )
      const id = (response as { readonly data: { readonly id: string } }).data.id
      const exited = yield* Effect.callback<NodeJS.Signals | null>((resume) => {
        child.on("exit", (_code, signal) => resume(Effect.succeed(signal)))
        child.kill("SIGKILL")
      })
      expect(exited).toBe("SIGKILL")

      yield* withServer(file, {}, (local) =>
        Effect.gen(function*() {
          expect(Redacted.value(local.apiKey)).toBe(started.apiKey)
          const receiver = yield* makeReceiver(local.signingKeys)
          yield* local.setTargetOrigin(receiver.origin)
          const received = yield* receiver.next
          expect(received.delivery).toMatchObject({ hookId: id, path: "/survivor", data: { n: 42 } })
          yield* eventFor(local, "HookDelivered", id)
        }))
    }), { timeout: 90_000 })
})
