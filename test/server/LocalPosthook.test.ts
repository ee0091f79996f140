/**
 * The test Layer as a user's test suite would use it: `LocalPosthook.layer`
 * shared by `@effect/vitest`'s `layer`, the SDK's `Hooks` built on the
 * `PosthookConfig` it provides, `TestClock` for time, and the inspection API
 * for assertions.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it, layer } from "@effect/vitest"
import { DateTime, Effect, Fiber, Layer, Logger, Option, Redacted, Stream } from "effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { TestClock } from "effect/testing"
import * as Hooks from "../../src/Hooks.js"
import * as PosthookConfig from "../../src/PosthookConfig.js"
import * as LocalPosthook from "../../src/server/LocalPosthook.js"
import type { ServerEvent } from "../../src/server/ServerEvent.js"
import { makeReceiver } from "./utils/receiver.js"
import { hooksClient, raw } from "./utils/sdk.js"

type EventOf<Tag extends ServerEvent["_tag"]> = Extract<ServerEvent, { readonly _tag: Tag }>

const TestPosthook = LocalPosthook.layer({ log: false, quotaLimit: 1000, projectName: "Suite" })
const HooksLive = Hooks.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))

layer(Layer.provideMerge(HooksLive, TestPosthook))("LocalPosthook.layer", (it) => {
  it.effect("postIn 5d + TestClock.adjust('5 days') = a verified delivery at the user's endpoint", () =>
    Effect.gen(function*() {
      const local = yield* LocalPosthook.LocalPosthook
      const hooks = yield* Hooks.Hooks
      const receiver = yield* makeReceiver(local.signingKeys)
      yield* local.setTargetOrigin(receiver.origin)

      const hook = yield* hooks.schedule({ path: "/webhooks/trial-ends", postIn: "5d", data: { accountId: "acme" } })
      yield* TestClock.adjust("5 days")
      const received = yield* receiver.next
      expect(received.delivery).toMatchObject({ hookId: hook.id, data: { accountId: "acme" } })

      const delivered = yield* local.awaitEvent((event): event is EventOf<"HookDelivered"> =>
        event._tag === "HookDelivered" && event.hookId === hook.id
      )
      expect(delivered.transport).toBe("http")
      const [stored] = yield* local.hooks({ path: "/webhooks/trial-ends" })
      expect(stored).toMatchObject({ id: hook.id, status: "completed", attempts: 1 })
      const attempts = yield* local.attempts(hook.id)
      expect(attempts.map((attempt) => [attempt.outcome, attempt.response?.status])).toEqual([["completed", 200]])
    }))

  it.effect("provides PosthookConfig pointed at the server, with its keys", () =>
    Effect.gen(function*() {
      const local = yield* LocalPosthook.LocalPosthook
      const config = yield* PosthookConfig.PosthookConfig
      expect(config.baseUrl).toBe(local.baseUrl)
      expect(local.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(local.port).toBeGreaterThan(0)
      expect(Redacted.value(config.apiKey)).toBe(Redacted.value(local.apiKey))
      expect(config.signingKeys.map(Redacted.value)).toEqual(local.signingKeys.map(Redacted.value))
      expect(local.config).toMatchObject({ asyncHooks: true, quotaLimit: 1000, projectName: "Suite", concurrency: 64 })
    }))

  it.effect("inspection: filters, quota, listeners, and the bulk helpers", () =>
    Effect.gen(function*() {
      const local = yield* LocalPosthook.LocalPosthook
      const hooks = yield* Hooks.Hooks
      const a = yield* hooks.schedule({ path: "/inspect/a", postIn: "1h" })
      const b = yield* hooks.schedule({ path: "/inspect/b", postIn: "2h" })
      expect((yield* local.hooks({ path: "/inspect/a" })).map((hook) => hook.id)).toEqual([a.id])
      expect((yield* local.hooks({ idContains: b.id.slice(0, 13) })).map((hook) => hook.id)).toContain(b.id)
      expect(yield* local.countHooks({ path: "/inspect/a" })).toBe(1)
      expect(yield* local.countHooks({ path: "/inspect/a", status: ["completed", "failed"] })).toBe(0)
      expect(yield* local.countHooks({ status: "pending", limit: 1 })).toBe(
        (yield* local.hooks({ status: "pending" })).length
      )
      expect(Option.map(yield* local.hook(a.id), (hook) => hook.nextAttemptAt)).toEqual(
        Option.some(DateTime.toEpochMillis(a.postAt))
      )
      const quota = yield* local.quota
      expect(quota.limit).toBe(1000)
      expect(quota.usage).toBeGreaterThanOrEqual(2)
      expect(yield* local.listeners).toEqual([])
      expect(yield* local.cancel([a.id])).toBe(1)
      expect(yield* local.cancel([a.id])).toBe(0)
      expect(yield* local.countHooks({ path: "/inspect/a", status: "failed" })).toBe(1)
      expect(Option.map(yield* local.hook(a.id), (hook) => [hook.status, hook.failureError])).toEqual(
        Option.some(["failed", "cancelled"])
      )
      expect(yield* local.deleteHook(b.id)).toBe(true)
      expect(yield* local.deleteHook(b.id)).toBe(false)
      const deleted = yield* local.awaitEvent((event): event is EventOf<"HookDeleted"> =>
        event._tag === "HookDeleted" && event.hookId === b.id
      )
      expect(deleted.path).toBe("/inspect/b")
    }))

  it.effect("deliverNow makes a waiting hook due at once", () =>
    Effect.gen(function*() {
      const local = yield* LocalPosthook.LocalPosthook
      const hooks = yield* Hooks.Hooks
      const receiver = yield* makeReceiver(local.signingKeys)
      yield* local.setTargetOrigin(receiver.origin)
      const hook = yield* hooks.schedule({ path: "/now", postIn: "30d" })
      expect(yield* local.deliverNow(hook.id)).toBe(true)
      expect((yield* receiver.next).delivery.hookId).toBe(hook.id)
      yield* local.awaitEvent((event): event is EventOf<"HookDelivered"> =>
        event._tag === "HookDelivered" && event.hookId === hook.id
      )
      expect(yield* local.deliverNow(hook.id)).toBe(false)
    }))

  it.effect("a subscription sees every event after it starts, in order", () =>
    Effect.gen(function*() {
      const local = yield* LocalPosthook.LocalPosthook
      const hooks = yield* Hooks.Hooks
      const events = yield* local.subscribe
      const collected = yield* events.pipe(
        Stream.filter((event) => event._tag === "HookScheduled"),
        Stream.take(3),
        Stream.runCollect,
        Effect.forkChild
      )
      const ids: Array<string> = []
      for (const path of ["/s/1", "/s/2", "/s/3"]) ids.push((yield* hooks.schedule({ path, postIn: "1h" })).id)
      const seen = yield* Fiber.join(collected)
      expect(seen.map((event) => "hookId" in event ? event.hookId : "")).toEqual(ids)
      expect(seen.map((event) => event.seq)).toEqual([...seen.map((event) => event.seq)].sort((x, y) => x - y))
      const recent = yield* local.recentEvents(3)
      expect(recent.map((event) => "hookId" in event ? event.hookId : "")).toEqual(ids)
    }))
})

describe("LocalPosthook.make options", () => {
  it.effect("extra routes are served on the same port, after the API's own", () =>
    Effect.gen(function*() {
      const extra = yield* HttpRouter.make
      yield* extra.add("GET", "/", HttpServerResponse.text("dashboard"))
      yield* extra.add("GET", "/v1/hooks", HttpServerResponse.text("shadowed"))
      const local = yield* LocalPosthook.make({ log: false, routes: () => extra.asHttpEffect() })
      const home = yield* raw(local, "GET", "/")
      expect([home.status, home.text]).toEqual([200, "dashboard"])
      const api = yield* raw(local, "GET", "/v1/hooks")
      expect(api.json).toEqual({ data: [] })
    }))

  it.effect("a public URL (behind a proxy) is used for callback URLs and tickets", () =>
    Effect.gen(function*() {
      const local = yield* LocalPosthook.make({ log: false, publicUrl: "https://posthook.example.test/" })
      expect(local.publicUrl).toBe("https://posthook.example.test")
      const ticket = yield* raw(local, "POST", "/v1/ws/ticket")
      expect(ticket.json).toMatchObject({ data: { url: "wss://posthook.example.test/v1/ws" } })
    }))

  it.effect("fails to start, with a ServeError, when the port is taken", () =>
    Effect.gen(function*() {
      const first = yield* LocalPosthook.make({ log: false })
      const error = yield* Effect.flip(LocalPosthook.make({ log: false, port: first.port }))
      expect(error._tag).toBe("ServeError")
    }))

  it.effect("writes one log line per scheduled, delivered, retried and failed hook", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const capture = Logger.layer([
        Logger.make(({ message }) => lines.push(String(Array.isArray(message) ? message[0] : message)))
      ])
      yield* Effect.gen(function*() {
        const local = yield* LocalPosthook.make({
          retryPolicy: { minRetries: 1, delaySecs: 5, strategy: "fixed" }
        })
        const receiver = yield* makeReceiver(local.signingKeys)
        yield* receiver.reply((incoming) => ({ status: incoming.path === "/ok" ? 200 : 500 }))
        yield* local.setTargetOrigin(receiver.origin)
        const hooks = yield* hooksClient(local)
        const ok = yield* hooks.schedule({ path: "/ok", postIn: "1s" })
        const bad = yield* hooks.schedule({ path: "/bad", postIn: "1s" })
        yield* TestClock.adjust("1 second")
        yield* local.awaitEvent((event): event is EventOf<"HookDelivered"> =>
          event._tag === "HookDelivered" && event.hookId === ok.id
        )
        yield* local.awaitEvent((event): event is EventOf<"HookRetrying"> =>
          event._tag === "HookRetrying" && event.hookId === bad.id
        )
        yield* TestClock.adjust("5 seconds")
        yield* local.awaitEvent((event): event is EventOf<"HookFailed"> =>
          event._tag === "HookFailed" && event.hookId === bad.id
        )
        const short = (id: string) => id.slice(0, 8)
        expect(lines).toEqual(expect.arrayContaining([
          expect.stringMatching(new RegExp(`^scheduled ${short(ok.id)} /ok for `)),
          expect.stringMatching(new RegExp(`^delivered ${short(ok.id)} /ok attempt 1 via http 200 in \\d+ ms$`)),
          expect.stringMatching(new RegExp(`^retrying ${short(bad.id)} /bad attempt 1 via http 500 in \\d+ ms: HTTP 500`)),
          expect.stringMatching(new RegExp(`^failed ${short(bad.id)} /bad attempt 2 via http 500 in \\d+ ms: HTTP 500$`))
        ]))
        // Keys never appear in log lines.
        const secrets = [Redacted.value(local.apiKey), ...local.signingKeys.map(Redacted.value)]
        expect(lines.filter((line) => secrets.some((secret) => line.includes(secret)))).toEqual([])
      }).pipe(Effect.provide(capture))
    }))
})

describe("packaging", () => {
  it("the server never loads SQLite packages unless the SQLite store is used", () => {
    const directory = Path.join("src", "server")
    const files = Fs.readdirSync(directory, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .map((file) => Path.join(directory, file))
    const offending: Array<string> = []
    for (const file of files) {
      const source = Fs.readFileSync(file, "utf8")
      for (const match of source.matchAll(/^import\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gm)) {
        const [, typeOnly, specifier = ""] = match
        const optional = /^(@effect\/sql-sqlite-node|node:sqlite)(\/|$)/.test(specifier)
        if (optional && typeOnly === undefined) offending.push(`${file}: ${specifier}`)
      }
    }
    expect(files.length).toBeGreaterThan(5)
    expect(offending).toEqual([])
    expect(Fs.readFileSync(Path.join(directory, "SqliteStore.ts"), "utf8")).toContain(
      "import(\"@effect/sql-sqlite-node/SqliteClient\")"
    )
  })
})
