/**
 * `posthook hooks schedule|get|list|delete`, run as child processes of the
 * built bin against the local server: what they print (table and --json),
 * what the server ends up holding, and the exit codes (0 ok, 1 usage, 2 API).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Hook } from "posthook-effect"
import type * as LocalPosthook from "../../src/server/LocalPosthook.js"
import { closedPort, envFor, hooksFor, jsonOf, runAll, runCli, startLocal } from "./utils.js"

/** Generous: every CLI run starts a Node process, seconds each on a busy machine. */
const TIMEOUT = { timeout: 300_000 }

const decodeHook = Schema.decodeUnknownSync(Hook.Hook)
const decodeHooks = Schema.decodeUnknownSync(Schema.Array(Hook.Hook))
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** The server's record of a hook (the test fails if there is none). */
const stored = (local: LocalPosthook.LocalPosthook, id: string) =>
  local.hook(id).pipe(Effect.flatMap(Effect.fromOption), Effect.orDie)

describe("posthook hooks schedule", () => {
  it.live("--in with inline --data: prints the hook, the server holds it with that payload", () =>
    Effect.gen(function*() {
      const local = yield* startLocal()
      const run = yield* runCli(
        ["hooks", "schedule", "--path", "/webhooks/user-created", "--in", "1h", "--data", "{\"userId\":\"123\"}"],
        envFor(local)
      )
      expect(run.stderr).toBe("")
      expect(run.code).toBe(0)
      const id = /^id\s+(\S+)$/m.exec(run.stdout)?.[1]
      expect(id).toMatch(UUID)
      expect(run.stdout).toMatch(/^path\s+\/webhooks\/user-created$/m)
      expect(run.stdout).toMatch(/^status\s+pending$/m)
      expect(run.stdout).toMatch(/^data\s+\{"userId":"123"\}$/m)
      const hook = yield* stored(local, id!)
      expect(JSON.parse(hook.data)).toEqual({ userId: "123" })
    }), TIMEOUT)

  it.live("--at --json: the API's hook object and the quota; --data @file reads the payload from a file", () =>
    Effect.gen(function*() {
      const local = yield* startLocal({ quotaLimit: 10 })
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "posthook-cli-"))
      const file = Path.join(dir, "payload.json")
      Fs.writeFileSync(file, JSON.stringify({ report: "weekly", pages: [1, 2] }))
      const run = yield* runCli(
        ["hooks", "schedule", "--path", "/webhooks/report", "--at", "2030-06-15T10:00:00Z", "--data", `@${file}`, "--json"],
        envFor(local)
      )
      expect(run.code).toBe(0)
      const json = jsonOf(run)
      const hook = decodeHook(json)
      expect(hook.id).toMatch(UUID)
      expect(json).toMatchObject({
        path: "/webhooks/report",
        status: "pending",
        attempts: 0,
        data: { report: "weekly", pages: [1, 2] }
      })
      expect(hook.postAt.epochMilliseconds).toBe(Date.parse("2030-06-15T10:00:00Z"))
      expect(json).toMatchObject({ quota: { limit: 10, usage: 1, remaining: 9 } })

      const table = yield* runCli(["hooks", "schedule", "--path", "/webhooks/report", "--in", "1h"], envFor(local))
      expect(table.stdout).toMatch(/^quota\s+2\/10 used, 8 left, resets \S+Z$/m)
    }), TIMEOUT)

  it.live("--at-local + --timezone resolves the wall-clock time in that zone; retry flags set retryOverride", () =>
    Effect.gen(function*() {
      const local = yield* startLocal()
      const run = yield* runCli(
        [
          "hooks",
          "schedule",
          "--path",
          "/webhooks/digest",
          "--at-local",
          "2030-03-01T09:00:00",
          "--timezone",
          "America/New_York",
          "--retries",
          "10",
          "--retry-delay",
          "15",
          "--retry-strategy",
          "exponential",
          "--max-retry-delay",
          "3600",
          "--jitter",
          "--json"
        ],
        envFor(local)
      )
      expect(run.code).toBe(0)
      const hook = decodeHook(jsonOf(run))
      // 09:00 in New York on 1 March (EST, UTC-5) is 14:00 UTC.
      expect(hook.postAt.epochMilliseconds).toBe(Date.parse("2030-03-01T14:00:00Z"))
      const record = yield* stored(local, hook.id)
      expect(record).toMatchObject({
        retryOverride: { minRetries: 10, delaySecs: 15, strategy: "exponential", maxDelaySecs: 3600, jitter: true }
      })
    }), TIMEOUT)

  it.live("usage errors exit 1 with a message naming the flag, and nothing is scheduled", () =>
    Effect.gen(function*() {
      const local = yield* startLocal()
      const env = envFor(local)
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, RegExp]> = [
        [["--path", "/x"], /exactly one of --in, --at or --at-local/],
        [["--path", "/x", "--in", "5m", "--at", "2030-01-01T00:00:00Z"], /exactly one of --in, --at or --at-local/],
        [["--path", "/x", "--at-local", "2030-03-01T09:00:00"], /--at-local needs --timezone/],
        [["--path", "/x", "--in", "5m", "--timezone", "Europe/Paris"], /--timezone goes with --at-local/],
        [["--path", "/x", "--in", "5 minutes"], /--in: .*duration/],
        [["--path", "/x", "--in", "5m", "--data", "{not json"], /--data: not valid JSON/],
        [["--path", "/x", "--in", "5m", "--data", "@/nonexistent/payload.json"], /--data: cannot read/],
        [["--path", "/x", "--in", "5m", "--retries", "3"], /--retries and --retry-delay/],
        [["--path", "/x", "--in", "5m", "--retries", "3", "--retry-delay", "1"], /--retry-delay: .*5 to 60/],
        [["--path", "no-slash", "--in", "5m"], /--path: /],
        [["--in", "5m"], /--path/],
        [["--path", "/x", "--in", "5m", "--bogus"], /--bogus/]
      ]
      const runs = yield* runAll(cases.map(([args]) => [["hooks", "schedule", ...args], env] as const))
      runs.forEach((run, index) => {
        const [args, message] = cases[index]!
        expect({ args, code: run.code }).toEqual({ args, code: 1 })
        expect(run.stderr).toMatch(message)
        expect(run.stdout).toBe("")
      })
      expect(yield* local.hooks()).toEqual([])
    }), TIMEOUT)

  it.live("no API key anywhere: exit 1, says which flag or variable to set", () =>
    Effect.gen(function*() {
      const local = yield* startLocal()
      const run = yield* runCli(["hooks", "schedule", "--path", "/x", "--in", "5m"], {
        POSTHOOK_BASE_URL: local.baseUrl
      })
      expect(run.code).toBe(1)
      expect(run.stderr).toContain("error: no API key: pass --api-key or set POSTHOOK_API_KEY")
    }), TIMEOUT)

  it.live("API errors exit 2 with the server's message and status; the key is never echoed", () =>
    Effect.gen(function*() {
      const local = yield* startLocal({ quotaLimit: 0 })
      const quota = yield* runCli(["hooks", "schedule", "--path", "/x", "--in", "5m"], envFor(local))
      expect(quota.code).toBe(2)
      expect(quota.stderr).toMatch(/^error: .*\(HTTP 429, rate_limit_exceeded\)$/m)

      const secret = "pk_wrong_key_that_must_not_be_printed"
      const unauthorized = yield* runCli(["hooks", "schedule", "--path", "/x", "--in", "5m", "--api-key", secret], {
        POSTHOOK_BASE_URL: local.baseUrl
      })
      expect(unauthorized.code).toBe(2)
      expect(unauthorized.stderr).toMatch(/\(HTTP 401, authentication_error\)/)
      expect(unauthorized.stdout + unauthorized.stderr).not.toContain(secret)
    }), TIMEOUT)

  it.live("a server that does not answer: exit 2, connection error", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const run = yield* runCli(["hooks", "get", "7f1c2d3e-5b6a-4c8d-9e0f-112233445566"], {
        POSTHOOK_API_KEY: "pk_x",
        POSTHOOK_BASE_URL: `http://127.0.0.1:${port}`
      })
      expect(run.code).toBe(2)
      expect(run.stderr).toMatch(/cannot reach Posthook/)
    }), TIMEOUT)
})

describe("posthook hooks get", () => {
  it.live("table and --json; an unknown id exits 2 with 404", () =>
    Effect.gen(function*() {
      const local = yield* startLocal()
      const env = envFor(local)
      const scheduled = yield* (yield* hooksFor(local)).schedule({ path: "/webhooks/a", postIn: "2h" })

      const [table, json, missing, noId] = yield* runAll([
        [["hooks", "get", scheduled.id], env],
        [["hooks", "get", scheduled.id, "--json"], env],
        [["hooks", "get", "7f1c2d3e-5b6a-4c8d-9e0f-112233445566"], env],
        [["hooks", "get"], env]
      ])
      expect(table!.code).toBe(0)
      expect(table!.stdout).toMatch(new RegExp(`^id\\s+${scheduled.id}$`, "m"))
      expect(table!.stdout).toMatch(/^attempts\s+0$/m)

      expect(json!.code).toBe(0)
      expect(decodeHook(jsonOf(json!))).toMatchObject({ id: scheduled.id, path: "/webhooks/a", status: "pending" })

      expect(missing!.code).toBe(2)
      expect(missing!.stderr).toMatch(/\(HTTP 404, not_found\)/)
      expect(missing!.stdout).toBe("")

      expect(noId!.code).toBe(1)
    }), TIMEOUT)
})

describe("posthook hooks list", () => {
  it.live("filters, table, --json, and --all paging through every hook", () =>
    Effect.gen(function*() {
      const local = yield* startLocal()
      const env = envFor(local)
      const hooks = yield* hooksFor(local)
      const ids: Array<string> = []
      for (const postIn of ["1h", "2h", "3h", "4h", "5h"]) {
        ids.push((yield* hooks.schedule({ path: `/webhooks/${postIn}`, postIn })).id)
      }
      // One hook fewer pending: delete the last.
      yield* hooks.delete(ids[4]!)
      const pending = ids.slice(0, 4)

      const [table, limited, none, noneJson, all, allTable] = yield* runAll([
        [["hooks", "list", "--status", "pending", "--sort-by", "postAt", "--sort-order", "asc"], env],
        [["hooks", "list", "--limit", "2", "--json"], env],
        [["hooks", "list", "--status", "failed"], env],
        [["hooks", "list", "--status", "failed", "--json"], env],
        // --all with a page size smaller than the result: every hook once, in postAt order.
        [["hooks", "list", "--all", "--page-size", "3", "--json"], env],
        [["hooks", "list", "--all", "--page-size", "1"], env]
      ])
      expect(table!.code).toBe(0)
      const rows = table!.stdout.trim().split("\n")
      expect(rows[0]).toMatch(/^ID\s+STATUS\s+POST AT\s+ATTEMPTS\s+PATH$/)
      expect(rows.slice(1).map((row) => row.split(/\s+/)[0])).toEqual(pending)
      expect(rows[1]).toMatch(/^\S+\s+pending\s+\S+Z\s+0\s+\/webhooks\/1h$/)

      expect(decodeHooks(jsonOf(limited!))).toHaveLength(2)
      expect(none!.stdout.trim()).toBe("No hooks found.")
      expect(decodeHooks(jsonOf(noneJson!))).toEqual([])

      expect(decodeHooks(jsonOf(all!)).map((hook) => hook.id)).toEqual(pending)
      expect(allTable!.code).toBe(0)
      expect(allTable!.stdout.trim().split("\n").slice(1).map((row) => row.split(/\s+/)[0])).toEqual(pending)
    }), TIMEOUT)

  it.live("bad filters exit 1", () =>
    Effect.gen(function*() {
      const local = yield* startLocal()
      const env = envFor(local)
      const [conflicting, badStatus, badLimit, pageSizeAlone] = yield* runAll([
        [["hooks", "list", "--all", "--limit", "5"], env],
        [["hooks", "list", "--status", "done"], env],
        [["hooks", "list", "--limit", "5000"], env],
        [["hooks", "list", "--page-size", "5"], env]
      ])
      expect(conflicting!.code).toBe(1)
      expect(conflicting!.stderr).toMatch(/--all does not take --limit/)
      expect(badStatus!.code).toBe(1)
      expect(badLimit!.code).toBe(1)
      expect(badLimit!.stderr).toMatch(/--limit/)
      expect(pageSizeAlone!.code).toBe(1)
      expect(pageSizeAlone!.stderr).toMatch(/--page-size goes with --all/)
    }), TIMEOUT)
})

describe("posthook hooks delete", () => {
  it.live("deletes a pending hook; deleting it again still succeeds", () =>
    Effect.gen(function*() {
      const local = yield* startLocal()
      const env = envFor(local)
      const hook = yield* (yield* hooksFor(local)).schedule({ path: "/x", postIn: "1h" })
      const first = yield* runCli(["hooks", "delete", hook.id, "--json"], env)
      expect(first.code).toBe(0)
      expect(jsonOf(first)).toEqual({ id: hook.id, deleted: true })
      expect(Option.isNone(yield* local.hook(hook.id))).toBe(true)
      const again = yield* runCli(["hooks", "delete", hook.id], env)
      expect(again.code).toBe(0)
      expect(again.stdout).toContain(`Deleted ${hook.id}`)
    }), TIMEOUT)
})
