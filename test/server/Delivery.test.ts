/**
 * HTTP delivery (docs/protocol.md §2), retries, async callbacks (§3) and bulk
 * actions, end to end: the SDK schedules, the server delivers to a real
 * local endpoint that verifies every request with the SDK's `parseDelivery`,
 * and `TestClock` moves time.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Queue, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as Callbacks from "../../src/Callbacks.js"
import { computeSignature, legacySignature } from "../../src/protocol/signing.js"
import * as Dashboard from "../../src/server/Dashboard.js"
import type * as LocalPosthook from "../../src/server/LocalPosthook.js"
import { makeReceiver, type Received, type ReceiverOptions } from "./utils/receiver.js"
import { action as dashboardAction } from "./utils/dashboard.js"
import { attemptEnd, eventFor, outcomesOf } from "./utils/events.js"
import { raw, startServer } from "./utils/sdk.js"

const JUNE_1 = Date.parse("2026-06-01T00:00:00Z")

const setup = (options: LocalPosthook.Options = {}, receiverOptions: ReceiverOptions = {}) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(JUNE_1)
    const server = yield* startServer(options)
    const receiver = yield* makeReceiver(server.local.signingKeys, receiverOptions)
    yield* server.local.setTargetOrigin(receiver.origin)
    const client = yield* Layer.build(NodeHttpClient.layerUndici)
    const call = (kind: "ack" | "nack", url: string, body?: unknown) =>
      Callbacks.call(kind, url, body).pipe(Effect.provide(client))
    return { ...server, receiver, call }
  })

const hookOf = (local: LocalPosthook.LocalPosthook, id: string) =>
  Effect.map(local.hook(id), Option.getOrThrow)

describe("HTTP delivery", () => {
  it.effect("postIn 5d: after TestClock.adjust('5 days') the signed delivery reaches the endpoint", () =>
    Effect.gen(function*() {
      const { hooks, local, receiver } = yield* setup({ signingKeys: ["ph_sk_local_new", "ph_sk_local_old"] })
      const hook = yield* hooks.schedule({ path: "/webhooks/remind", postIn: "5d", data: { userId: "123" } })

      yield* TestClock.adjust("4 days")
      expect((yield* hookOf(local, hook.id)).attempts).toBe(0)
      yield* TestClock.adjust("1 day")
      const received = yield* receiver.next

      expect(received.path).toBe("/webhooks/remind")
      expect(received.delivery.hookId).toBe(hook.id)
      expect(received.delivery.data).toEqual({ userId: "123" })
      const timestamp = String(Math.floor((JUNE_1 + 5 * 86_400_000) / 1000))
      expect(received.headers).toMatchObject({
        "content-type": "application/json",
        "user-agent": "Posthook/1.0",
        "posthook-id": hook.id,
        "posthook-timestamp": timestamp,
        "posthook-signature": `v1,${computeSignature("ph_sk_local_new", timestamp, received.body)} v1,${
          computeSignature("ph_sk_local_old", timestamp, received.body)
        }`,
        "x-ph-signature": legacySignature("ph_sk_local_new", received.body)
      })
      expect(received.headers["posthook-ack-url"]).toMatch(new RegExp(`^${local.baseUrl}/ack/`))
      expect(received.headers["posthook-nack-url"]).toMatch(new RegExp(`^${local.baseUrl}/nack/`))
      expect(JSON.parse(received.body)).toEqual({
        id: hook.id,
        path: "/webhooks/remind",
        postAt: "2026-06-06T00:00:00Z",
        postedAt: "2026-06-06T00:00:00Z",
        data: { userId: "123" },
        createdAt: "2026-06-01T00:00:00Z",
        updatedAt: "2026-06-06T00:00:00Z"
      })
      expect(Object.keys(JSON.parse(received.body))).toEqual([
        "id",
        "path",
        "postAt",
        "postedAt",
        "data",
        "createdAt",
        "updatedAt"
      ])

      yield* eventFor(local, "HookDelivered", hook.id)
      const delivered = yield* hooks.get(hook.id)
      expect([delivered.status, delivered.attempts]).toEqual(["completed", 1])
      const [attempt] = yield* local.attempts(hook.id)
      expect(attempt).toMatchObject({
        attempt: 1,
        transport: "http",
        outcome: "completed",
        error: null,
        request: { url: `${receiver.origin}/webhooks/remind`, body: received.body },
        response: { status: 200 }
      })
      expect(attempt?.request.headers["Posthook-Signature"]).toBe(received.headers["posthook-signature"])
      expect(attempt?.durationMs).toEqual(expect.any(Number))
      expect(yield* Queue.size(receiver.rejected)).toBe(0)
    }))

  it.effect("a hook whose postAt has passed is delivered at once", () =>
    Effect.gen(function*() {
      const { hooks, local, receiver } = yield* setup()
      const hook = yield* hooks.schedule({ path: "/late", postAt: "2026-05-01T00:00:00Z" })
      const received = yield* receiver.next
      expect(received.delivery.hookId).toBe(hook.id)
      yield* eventFor(local, "HookDelivered", hook.id)
    }))

  it.effect("without async hooks: no callback URLs, and 202 simply completes", () =>
    Effect.gen(function*() {
      const { hooks, local, receiver } = yield* setup({ asyncHooks: false })
      yield* receiver.reply(() => ({ status: 202 }))
      const hook = yield* hooks.schedule({ path: "/x", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      const received = yield* receiver.next
      expect(received.headers["posthook-ack-url"]).toBeUndefined()
      expect(received.headers["posthook-nack-url"]).toBeUndefined()
      yield* eventFor(local, "HookDelivered", hook.id)
      expect((yield* hookOf(local, hook.id)).status).toBe("completed")
    }))

  it.effect("a deleted hook is never delivered", () =>
    Effect.gen(function*() {
      const { hooks, local, receiver } = yield* setup()
      const cancelled = yield* hooks.schedule({ path: "/cancelled", postIn: "1m" })
      const sentinel = yield* hooks.schedule({ path: "/sentinel", postIn: "2m" })
      yield* hooks.delete(cancelled.id)
      yield* TestClock.adjust("3 minutes")
      const received = yield* receiver.next
      expect(received.path).toBe("/sentinel")
      yield* eventFor(local, "HookDelivered", sentinel.id)
      expect(yield* local.attempts(cancelled.id)).toEqual([])
      expect(yield* Queue.size(receiver.deliveries)).toBe(0)
    }))
})

describe("retries", () => {
  it.effect("retries a failing endpoint per the override, then fails with the last error", () =>
    Effect.gen(function*() {
      const { hooks, local, receiver } = yield* setup()
      yield* receiver.reply(() => ({ status: 500 }))
      const hook = yield* hooks.schedule({
        path: "/flaky",
        postIn: "10s",
        retryOverride: { minRetries: 2, delaySecs: 5, strategy: "fixed" }
      })
      yield* TestClock.adjust("10 seconds")
      const first = yield* eventFor(local, "HookRetrying", hook.id, 1)
      expect(first).toMatchObject({ statusCode: 500, error: "HTTP 500", nextAttemptAt: first.at + 5000 })
      const waiting = yield* hooks.get(hook.id)
      expect([waiting.status, waiting.attempts, waiting.failureError]).toEqual(["retry", 1, "HTTP 500"])

      yield* TestClock.adjust("5 seconds")
      yield* eventFor(local, "HookRetrying", hook.id, 2)
      yield* TestClock.adjust("5 seconds")
      const failed = yield* eventFor(local, "HookFailed", hook.id, 3)
      expect(failed.error).toBe("HTTP 500")

      const final = yield* hooks.get(hook.id)
      expect([final.status, final.attempts, final.failureError]).toEqual(["failed", 3, "HTTP 500"])
      const attempts = yield* local.attempts(hook.id)
      expect(attempts.map((attempt) => [attempt.attempt, attempt.outcome, attempt.response?.status])).toEqual([
        [1, "failed", 500],
        [2, "failed", 500],
        [3, "failed", 500]
      ])
      expect(yield* Queue.size(receiver.deliveries)).toBe(3)
    }))

  it.effect("exponential backoff doubles the delay up to the cap", () =>
    Effect.gen(function*() {
      const { hooks, local, receiver } = yield* setup()
      yield* receiver.reply(() => ({ status: 503 }))
      const hook = yield* hooks.schedule({
        path: "/backoff",
        postIn: "1s",
        retryOverride: { minRetries: 4, delaySecs: 20, strategy: "exponential", backoffFactor: 2, maxDelaySecs: 60 }
      })
      yield* TestClock.adjust("1 second")
      const delays: Array<number> = []
      for (let attempt = 1; attempt <= 4; attempt++) {
        const retrying = yield* eventFor(local, "HookRetrying", hook.id, attempt)
        delays.push(retrying.nextAttemptAt - retrying.at)
        yield* TestClock.adjust(retrying.nextAttemptAt - retrying.at)
      }
      expect(delays).toEqual([20_000, 40_000, 60_000, 60_000])
      yield* eventFor(local, "HookFailed", hook.id, 5)
    }))

  it.effect("the project default policy applies without an override", () =>
    Effect.gen(function*() {
      const { hooks, local, receiver } = yield* setup({
        retryPolicy: { minRetries: 1, delaySecs: 7, strategy: "fixed" }
      })
      yield* receiver.reply(() => ({ status: 500 }))
      const hook = yield* hooks.schedule({ path: "/x", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      const retrying = yield* eventFor(local, "HookRetrying", hook.id, 1)
      expect(retrying.nextAttemptAt - retrying.at).toBe(7000)
      yield* receiver.reply(() => ({ status: 204 }))
      yield* TestClock.adjust("7 seconds")
      const delivered = yield* eventFor(local, "HookDelivered", hook.id, 2)
      expect(delivered.statusCode).toBe(204)
      const done = yield* hooks.get(hook.id)
      expect([done.status, done.attempts]).toEqual(["completed", 2])
      expect(done.failureError).toBeUndefined()
    }))

  it.effect("no answer within the delivery timeout (wall clock) is a failed attempt", () =>
    Effect.gen(function*() {
      const { hooks, local, receiver } = yield* setup({ deliveryTimeout: "200 millis" })
      yield* receiver.reply(() => "hang")
      const hook = yield* hooks.schedule({
        path: "/slow",
        postIn: "1s",
        retryOverride: { minRetries: 1, delaySecs: 5, strategy: "fixed" }
      })
      yield* TestClock.adjust("1 second")
      yield* receiver.next
      const retrying = yield* eventFor(local, "HookRetrying", hook.id, 1)
      expect(retrying.error).toBe("no response within 0.2s")
      const [attempt] = yield* local.attempts(hook.id)
      expect(attempt?.outcome).toBe("timed_out")
    }))

  it.effect("each delivery's timeout is its own: an answered one does not stop a hanging one from timing out", () =>
    Effect.gen(function*() {
      // The answer deadlines share one wall-clock timer (dispatcher.ts): settling the first must re-arm it for the rest.
      const { hooks, local, receiver } = yield* setup({ deliveryTimeout: "200 millis" })
      yield* receiver.reply((received) => received.path === "/slow" ? "hang" : { status: 204 })
      const fast = yield* hooks.schedule({ path: "/fast", postIn: "1s" })
      const slow = yield* hooks.schedule({
        path: "/slow",
        postIn: "1s",
        retryOverride: { minRetries: 1, delaySecs: 5, strategy: "fixed" }
      })
      yield* TestClock.adjust("1 second")
      const delivered = yield* eventFor(local, "HookDelivered", fast.id, 1)
      expect(delivered.statusCode).toBe(204)
      const retrying = yield* eventFor(local, "HookRetrying", slow.id, 1)
      expect(retrying.error).toBe("no response within 0.2s")
    }), 10_000)

  it.effect("moving the clock far past the due time does not time out the delivery on the wire", () =>
    Effect.gen(function*() {
      // Effect 4's TestClock runs the fibers a sleep wakes before moving on, so the delivery is signed at its due
      // time (day 5) and goes out while the clock jumps to day 30: the endpoint checks a 25-day-old timestamp.
      const { hooks, local, receiver } = yield* setup({}, { tolerance: "30 days" })
      const hook = yield* hooks.schedule({ path: "/far", postIn: "5d" })
      yield* TestClock.adjust("30 days")
      expect((yield* receiver.next).delivery.hookId).toBe(hook.id)
      yield* eventFor(local, "HookDelivered", hook.id, 1)
      const [attempt, ...more] = yield* local.attempts(hook.id)
      expect([attempt?.outcome, more]).toEqual(["completed", []])
    }))

  it.effect("a refused connection is a failed attempt", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* setup({ retryPolicy: { minRetries: 1, delaySecs: 5, strategy: "fixed" } })
      // Nothing listens on port 9 (discard) on the loopback interface.
      yield* local.setTargetOrigin("http://127.0.0.1:9")
      const hook = yield* hooks.schedule({ path: "/nowhere", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      const retrying = yield* eventFor(local, "HookRetrying", hook.id, 1)
      expect(retrying.error).toContain("127.0.0.1:9")
      expect(retrying.statusCode).toBeNull()
    }))

  it.effect("with no listener and no target origin, the attempt fails and says why", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* setup({ retryPolicy: { minRetries: 1, delaySecs: 5, strategy: "fixed" } })
      yield* local.setTargetOrigin(undefined)
      const hook = yield* hooks.schedule({ path: "/x", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      const retrying = yield* eventFor(local, "HookRetrying", hook.id, 1)
      expect(retrying.error).toBe("no WebSocket listener is connected and no target origin is configured")
      expect(retrying.transport).toBe("none")
    }))
})

describe("async hooks", () => {
  const accepted = (seconds: number) => ({ status: 202, headers: { "Posthook-Async-Timeout": String(seconds) } })

  const acceptedHook = (options: LocalPosthook.Options = {}) =>
    Effect.gen(function*() {
      const context = yield* setup({ retryPolicy: { minRetries: 1, delaySecs: 5, strategy: "fixed" }, ...options })
      yield* context.receiver.reply(() => accepted(60))
      const hook = yield* context.hooks.schedule({ path: "/video", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      const received = yield* context.receiver.next
      const event = yield* eventFor(context.local, "HookAccepted", hook.id, 1)
      return { ...context, hook, received, event }
    })

  const urls = (received: Received) => ({
    ackUrl: received.delivery.ackUrl ?? "",
    nackUrl: received.delivery.nackUrl ?? ""
  })

  it.effect("202 waits for the ack callback; a second ack is not applied", () =>
    Effect.gen(function*() {
      const { call, event, hook, hooks, local, received } = yield* acceptedHook()
      expect(event.deadlineAt - event.at).toBe(60_000)
      expect((yield* hooks.get(hook.id)).status).toBe("pending")
      const ack = yield* call("ack", urls(received).ackUrl)
      expect(ack).toEqual({ applied: true, status: "completed" })
      expect((yield* hooks.get(hook.id)).status).toBe("completed")
      const again = yield* call("ack", urls(received).ackUrl)
      expect(again).toEqual({ applied: false, status: "already_completed" })
      const nackAfter = yield* call("nack", urls(received).nackUrl)
      expect(nackAfter.applied).toBe(false)
      const [attempt] = yield* local.attempts(hook.id)
      expect([attempt?.outcome, attempt?.response?.status]).toEqual(["completed", 202])
    }))

  it.effect("a nack callback fails the attempt with its error and retries", () =>
    Effect.gen(function*() {
      const { call, hook, hooks, local, received, receiver } = yield* acceptedHook()
      const nack = yield* call("nack", urls(received).nackUrl, { error: "transcoder crashed" })
      expect(nack).toEqual({ applied: true, status: "nacked" })
      const retrying = yield* eventFor(local, "HookRetrying", hook.id, 1)
      expect(retrying.error).toBe("transcoder crashed")
      expect((yield* hooks.get(hook.id)).failureError).toBe("transcoder crashed")
      yield* receiver.reply(() => ({ status: 200 }))
      yield* TestClock.adjust("5 seconds")
      yield* eventFor(local, "HookDelivered", hook.id, 2)
    }))

  it.effect("no callback before the deadline: the attempt times out; late callbacks get 410, then 409", () =>
    Effect.gen(function*() {
      const { call, hook, local, received, receiver } = yield* acceptedHook()
      yield* TestClock.adjust("60 seconds")
      const retrying = yield* eventFor(local, "HookRetrying", hook.id, 1)
      expect(retrying.error).toBe("no ack or nack callback arrived before the async deadline")
      const expired = yield* Effect.flip(call("ack", urls(received).ackUrl))
      expect([expired._tag, expired.status]).toEqual(["CallbackError", 410])

      yield* receiver.reply(() => accepted(60))
      yield* TestClock.adjust("5 seconds")
      const second = yield* receiver.next
      yield* eventFor(local, "HookAccepted", hook.id, 2)
      const conflict = yield* call("ack", urls(received).ackUrl)
      expect(conflict).toEqual({ applied: false, status: "conflict" })
      expect(yield* call("ack", urls(second).ackUrl)).toEqual({ applied: true, status: "completed" })
    }))

  it.effect("a callback for a deleted hook is not_found; a forged token is 401", () =>
    Effect.gen(function*() {
      const { call, hook, hooks, received } = yield* acceptedHook()
      const { ackUrl } = urls(received)
      const forged = `${ackUrl.slice(0, -1)}${ackUrl.endsWith("A") ? "B" : "A"}`
      const unauthorized = yield* Effect.flip(call("ack", forged))
      expect([unauthorized._tag, unauthorized.status]).toEqual(["CallbackError", 401])
      yield* hooks.delete(hook.id)
      expect(yield* call("ack", ackUrl)).toEqual({ applied: false, status: "not_found" })
    }))

  it.effect("an ack that arrives before the endpoint's 202 still completes the hook", () =>
    Effect.gen(function*() {
      const { call, hooks, local, receiver } = yield* setup()
      yield* receiver.reply((incoming) =>
        Effect.as(Effect.orDie(call("ack", incoming.delivery.ackUrl ?? "")), accepted(60))
      )
      const hook = yield* hooks.schedule({ path: "/fast-worker", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      yield* receiver.next
      yield* eventFor(local, "HookDelivered", hook.id, 1)
      yield* eventFor(local, "CallbackReceived", hook.id, 1)
      const [attempt] = yield* local.attempts(hook.id)
      expect(attempt?.outcome).toBe("completed")
      // The 202 that came after is kept on the record, and changes nothing.
      for (let polls = 0; polls < 1000; polls++) {
        const [latest] = yield* local.attempts(hook.id)
        if (latest?.response?.status === 202) break
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
      }
      expect((yield* hooks.get(hook.id)).status).toBe("completed")
    }))
})

describe("bulk actions", () => {
  /** One failed, one completed and two pending hooks. */
  const seeded = Effect.gen(function*() {
    // The cancel test moves the clock 11 days: pendingB is signed when it falls due (June 11) and checked at the
    // end of the adjust (June 12, 00:00:06), a day and 6 s later (see the "far past the due time" test).
    const context = yield* setup({ routes: Dashboard.routes }, { tolerance: "2 days" })
    const { hooks, local, receiver } = context
    yield* receiver.reply((incoming) => ({ status: incoming.path === "/fails" ? 500 : 200 }))
    const failed = yield* hooks.schedule({
      path: "/fails",
      postAt: "2026-06-01T00:00:01Z",
      retryOverride: { minRetries: 1, delaySecs: 5, strategy: "fixed" }
    })
    const completed = yield* hooks.schedule({ path: "/works", postAt: "2026-06-01T00:00:01Z" })
    const pendingA = yield* hooks.schedule({ path: "/later/a", postAt: "2026-06-10T00:00:00Z" })
    const pendingB = yield* hooks.schedule({ path: "/later/b", postAt: "2026-06-11T00:00:00Z" })
    yield* TestClock.adjust("1 second")
    yield* eventFor(local, "HookDelivered", completed.id)
    yield* eventFor(local, "HookRetrying", failed.id, 1)
    yield* TestClock.adjust("5 seconds")
    yield* eventFor(local, "HookFailed", failed.id, 2)
    yield* receiver.reply(() => ({ status: 200 }))
    return { ...context, failed, completed, pendingA, pendingB }
  })

  it.effect("retry re-attempts failed hooks with a fresh retry budget", () =>
    Effect.gen(function*() {
      const { completed, failed, hooks, local } = yield* seeded
      const result = yield* hooks.bulk.retry([failed.id, completed.id, "00000000-0000-4000-8000-000000000000"])
      expect(result).toEqual({ affected: 1 })
      yield* eventFor(local, "HookDelivered", failed.id, 3)
      const hook = yield* hooks.get(failed.id)
      expect([hook.status, hook.attempts, hook.failureError]).toEqual(["completed", 3, undefined])
    }))

  it.effect("a retried hook that keeps failing gets the whole budget again (bulk retry, then the dashboard's)", () =>
    Effect.gen(function*() {
      // `failed` used its budget (minRetries 1: attempts 1 and 2). The endpoint still fails it.
      const { failed, hooks, local, receiver } = yield* seeded
      yield* receiver.reply((incoming) => ({ status: incoming.delivery.hookId === failed.id ? 500 : 200 }))
      expect(yield* hooks.bulk.retry([failed.id])).toEqual({ affected: 1 })
      // A fresh budget: attempt 3 fails and is retried, attempt 4 fails for good (again 1 + minRetries).
      expect((yield* attemptEnd(local, failed.id, 3))._tag).toBe("HookRetrying")
      expect((yield* hooks.get(failed.id)).status).toBe("retry")
      yield* TestClock.adjust("5 seconds")
      expect((yield* attemptEnd(local, failed.id, 4))._tag).toBe("HookFailed")

      // The dashboard's retry goes through the same action: a fresh budget again, and the retry succeeds.
      let calls = 0
      yield* receiver.reply(() => ({ status: ++calls === 1 ? 500 : 200 }))
      const answer = yield* dashboardAction(local, failed.id, "retry")
      expect(answer.status).toBe(200)
      expect((yield* attemptEnd(local, failed.id, 5))._tag).toBe("HookRetrying")
      yield* TestClock.adjust("5 seconds")
      expect((yield* attemptEnd(local, failed.id, 6))._tag).toBe("HookDelivered")
      const hook = yield* hooks.get(failed.id)
      expect([hook.status, hook.attempts, hook.failureError]).toEqual(["completed", 6, undefined])
      expect(yield* outcomesOf(local, failed.id)).toEqual(["failed", "failed", "failed", "failed", "failed", "completed"])
    }))

  it.effect("replay re-delivers completed hooks", () =>
    Effect.gen(function*() {
      const { completed, hooks, local, receiver } = yield* seeded
      yield* Queue.takeAll(receiver.deliveries)
      expect(yield* hooks.bulk.replay([completed.id])).toEqual({ affected: 1 })
      const again = yield* receiver.next
      expect(again.delivery.hookId).toBe(completed.id)
      yield* eventFor(local, "HookDelivered", completed.id, 2)
    }))

  it.effect("cancel stops pending hooks; they end as failed with failureError \"cancelled\"", () =>
    Effect.gen(function*() {
      const { hooks, local, pendingA, pendingB } = yield* seeded
      expect(yield* hooks.bulk.cancel([pendingA.id])).toEqual({ affected: 1 })
      const cancelled = yield* hooks.get(pendingA.id)
      expect([cancelled.status, cancelled.failureError]).toEqual(["failed", "cancelled"])
      yield* TestClock.adjust("11 days")
      yield* eventFor(local, "HookDelivered", pendingB.id)
      expect(yield* local.attempts(pendingA.id)).toEqual([])
    }))

  it.effect("by filter: time range (inclusive), endpointKey, limit; a sequenceID selects nothing locally", () =>
    Effect.gen(function*() {
      const { failed, hooks, pendingA, pendingB } = yield* seeded
      const range = { startTime: "2026-06-01T00:00:00Z", endTime: "2026-06-30T00:00:00Z" }
      expect(yield* hooks.bulk.cancelByFilter({ ...range, limit: 10, sequenceId: "seq-1" })).toEqual({ affected: 0 })
      expect(yield* hooks.bulk.cancelByFilter({ ...range, limit: 10, endpointKey: "/later/b" })).toEqual({
        affected: 1
      })
      expect((yield* hooks.get(pendingB.id)).status).toBe("failed")
      expect(
        yield* hooks.bulk.cancelByFilter({ startTime: "2026-06-10T00:00:00Z", endTime: "2026-06-10T00:00:00Z", limit: 1 })
      ).toEqual({ affected: 1 })
      expect((yield* hooks.get(pendingA.id)).status).toBe("failed")
      expect(yield* hooks.bulk.replayByFilter({ ...range, limit: 1000 })).toEqual({ affected: 1 })
      // Three failed hooks now; the one with the oldest postAt goes first.
      expect(yield* hooks.bulk.retryByFilter({ ...range, limit: 1 })).toEqual({ affected: 1 })
      expect((yield* hooks.get(failed.id)).status).not.toBe("failed")
      expect((yield* hooks.get(pendingA.id)).status).toBe("failed")
    }))

  it.effect("refuses malformed bulk bodies", () =>
    Effect.gen(function*() {
      const { local } = yield* setup()
      const tooMany = JSON.stringify({
        hookIDs: Array.from({ length: 1001 }, () => "00000000-0000-4000-8000-000000000000")
      })
      for (
        const body of [
          tooMany,
          JSON.stringify({ hookIDs: [] }),
          JSON.stringify({ startTime: "2026-06-02T00:00:00Z", endTime: "2026-06-01T00:00:00Z", limit: 5 }),
          JSON.stringify({ startTime: "2026-06-01T00:00:00Z", endTime: "2026-06-02T00:00:00Z", limit: 1001 }),
          JSON.stringify({ startTime: "2026-06-01T00:00:00Z", endTime: "2026-06-02T00:00:00Z" })
        ]
      ) {
        const response = yield* raw(local, "POST", "/v1/hooks/bulk/cancel", { body })
        expect(response.status).toBe(400)
      }
    }))
})

describe("keys", () => {
  it.effect("an endpoint that knows only the old key still verifies during rotation", () =>
    Effect.gen(function*() {
      const { hooks, local } = yield* setup({ signingKeys: ["ph_sk_new", "ph_sk_old"] })
      const oldOnly = yield* makeReceiver([Redacted.make("ph_sk_old")])
      yield* local.setTargetOrigin(oldOnly.origin)
      const hook = yield* hooks.schedule({ path: "/rotating", postIn: "1s" })
      yield* TestClock.adjust("1 second")
      const received = yield* oldOnly.next
      expect(received.delivery.hookId).toBe(hook.id)
      expect(yield* Queue.size(oldOnly.rejected)).toBe(0)
    }))

  it.effect("generated keys have the documented prefixes and are never empty", () =>
    Effect.gen(function*() {
      const { local } = yield* setup()
      expect(Redacted.value(local.apiKey)).toMatch(/^pk_local_.{20,}/)
      expect(local.signingKeys.map(Redacted.value)).toEqual([expect.stringMatching(/^ph_sk_local_.{20,}/)])
      expect(String(local.apiKey)).not.toContain(Redacted.value(local.apiKey))
    }))
})
