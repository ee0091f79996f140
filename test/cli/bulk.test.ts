/**
 * `posthook bulk retry|replay|cancel` as child processes against the local
 * server, which delivers to a local app (200 on /ok, 500 on /fail) with one
 * attempt per hook, so hooks reach `completed` and `failed` at once.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import type * as LocalPosthook from "../../src/server/LocalPosthook.js"
import type { ServerEvent } from "../../src/server/ServerEvent.js"
import { envFor, eventuallyEffect, hooksFor, jsonOf, runAll, runCli, startApp, startLocal } from "./utils.js"

const TIMEOUT = { timeout: 300_000 }

const statusOf = (local: LocalPosthook.LocalPosthook, id: string) =>
  Effect.map(local.hook(id), Option.map((hook) => hook.status))

/** Waits until the hook is in `status`. */
const reaches = (local: LocalPosthook.LocalPosthook, id: string, status: string) =>
  eventuallyEffect(
    `hook ${id} ${status}`,
    Effect.map(statusOf(local, id), (found) => Option.contains(found, status) ? true : undefined)
  )

const setup = Effect.gen(function*() {
  const app = yield* startApp((request) => ({ status: request.path === "/ok" ? 200 : 500 }))
  const local = yield* startLocal({
    targetOrigin: app.origin,
    retryPolicy: { minRetries: 0, delaySecs: 5, strategy: "fixed" }
  })
  const hooks = yield* hooksFor(local)
  const past = new Date(Date.now() - 60_000)
  const completed = yield* hooks.schedule({ path: "/ok", postAt: past })
  const failed = yield* hooks.schedule({ path: "/fail", postAt: past })
  const pending = yield* Effect.forEach(["1h", "2h", "3h"], (postIn) => hooks.schedule({ path: "/later", postIn }))
  yield* reaches(local, completed.id, "completed")
  yield* reaches(local, failed.id, "failed")
  return { local, env: envFor(local), completed, failed, pending: pending.map((hook) => hook.id) }
})

describe("posthook bulk", () => {
  it.live("retry by --ids re-queues the failed hook; --json gives the action and the count", () =>
    Effect.gen(function*() {
      const { env, failed, local } = yield* setup
      const run = yield* runCli(["bulk", "retry", "--ids", failed.id, "--json"], env)
      expect(run.code).toBe(0)
      expect(jsonOf(run)).toEqual({ action: "retry", affected: 1 })
      // awaitEvent also finds events already emitted.
      const requeued = yield* local.awaitEvent((event): event is Extract<ServerEvent, { _tag: "HookRequeued" }> =>
        event._tag === "HookRequeued" && event.hookId === failed.id
      )
      expect(requeued.reason).toBe("retry")
    }), TIMEOUT)

  it.live("replay by filter re-delivers the completed hook; cancel by comma-separated, repeated --ids", () =>
    Effect.gen(function*() {
      const { completed, env, local, pending } = yield* setup
      const [replay, cancel] = yield* runAll([
        [[
          "bulk",
          "replay",
          "--start-time",
          new Date(Date.now() - 3_600_000).toISOString(),
          "--end-time",
          new Date(Date.now() + 86_400_000).toISOString(),
          "--limit",
          "10"
        ], env],
        [["bulk", "cancel", "--ids", `${pending[0]},${pending[1]}`, "--ids", pending[2]!], env]
      ])
      expect(replay!.code).toBe(0)
      expect(replay!.stdout.trim()).toBe("Replayed 1 hook.")
      expect(cancel!.code).toBe(0)
      expect(cancel!.stdout.trim()).toBe("Cancelled 3 hooks.")
      for (const id of pending) {
        const hook = Option.getOrThrow(yield* local.hook(id))
        expect({ id, status: hook.status, failureError: hook.failureError }).toEqual({
          id,
          status: "failed",
          failureError: "cancelled"
        })
      }
      const events = yield* local.recentEvents()
      expect(events.some((event) =>
        event._tag === "HookRequeued" && event.hookId === completed.id && event.reason === "replay"
      )).toBe(true)
    }), TIMEOUT)

  it.live("usage errors exit 1; API errors exit 2", () =>
    Effect.gen(function*() {
      const local = yield* startLocal()
      const env = envFor(local)
      const runs = yield* runAll([
        [["bulk", "retry"], env],
        [["bulk", "retry", "--ids", "a", "--limit", "5"], env],
        [["bulk", "cancel", "--start-time", "2026-01-01T00:00:00Z", "--end-time", "2026-02-01T00:00:00Z"], env],
        [["bulk", "replay", "--start-time", "yesterday", "--end-time", "2026-02-01T00:00:00Z", "--limit", "5"], env],
        [["bulk", "explode", "--ids", "a"], env],
        [["bulk", "retry", "--ids", "7f1c2d3e-5b6a-4c8d-9e0f-112233445566"], { ...env, POSTHOOK_API_KEY: "pk_wrong" }]
      ])
      const [neither, both, noLimit, badTime, badAction, unauthorized] = runs
      expect(neither!.code).toBe(1)
      expect(neither!.stderr).toMatch(/give --ids, or a filter/)
      expect(both!.code).toBe(1)
      expect(both!.stderr).toMatch(/not both/)
      expect(noLimit!.code).toBe(1)
      expect(noLimit!.stderr).toMatch(/--start-time, --end-time and --limit/)
      expect(badTime!.code).toBe(1)
      expect(badTime!.stderr).toMatch(/--start-time/)
      expect(badAction!.code).toBe(1)
      expect(unauthorized!.code).toBe(2)
      expect(unauthorized!.stderr).toMatch(/\(HTTP 401, authentication_error\)/)
    }), TIMEOUT)
})
