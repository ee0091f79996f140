/**
 * `posthook dev` as a child process: the start-up banner and its `export`
 * lines (which must work as pasted), one line per event, HTTP delivery to
 * `--target`, a clean Ctrl-C, and `--db` keeping a pending hook across a
 * restart.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Predicate } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { type CliRun, jsonLine, jsonOf, runAll, runCli, startApp, startCli, startLocal } from "./utils.js"

const TIMEOUT = { timeout: 300_000 }

const hookId = (run: CliRun): string => {
  const json = jsonOf(run)
  if (!Predicate.isObject(json) || typeof json.id !== "string") throw new Error(`no hook id in ${run.stdout}`)
  return json.id
}

describe("posthook dev", () => {
  it.live("prints where it listens and export lines that work as pasted, then one line per event", () =>
    Effect.gen(function*() {
      const app = yield* startApp(() => ({ status: 200 }))
      const dev = yield* startCli(["dev", "--port", "0", "--target", app.origin])
      yield* dev.waitForLine((line) => line === "Ctrl-C to stop.", "the banner")
      const banner = dev.lines().join("\n")
      expect(banner).toMatch(/^Local Posthook listening on http:\/\/127\.0\.0\.1:\d+$/m)
      expect(banner).toContain(`else HTTP POST to ${app.origin}<path>`)
      expect(banner).toMatch(/^ {2}API key\s+pk_local… \(generated\)$/m)
      // The generated keys, in full, only on the export lines.
      const exported = Object.fromEntries(
        [...banner.matchAll(/^ {2}export (POSTHOOK_\w+)=(\S+)$/gm)].map((match) => [match[1]!, match[2]!])
      )
      expect(Object.keys(exported).sort()).toEqual(["POSTHOOK_API_KEY", "POSTHOOK_BASE_URL", "POSTHOOK_SIGNING_KEY"])
      expect(exported.POSTHOOK_API_KEY).toMatch(/^pk_local_/)
      expect(exported.POSTHOOK_SIGNING_KEY).toMatch(/^ph_sk_local_/)
      expect(banner.split(exported.POSTHOOK_API_KEY!)).toHaveLength(2)

      // The pasted environment reaches this server, and its deliveries go to --target, signed with the exported key.
      const scheduled = yield* runCli(
        ["hooks", "schedule", "--path", "/webhooks/ping", "--in", "1s", "--json"],
        exported
      )
      expect(scheduled.code).toBe(0)
      const id = hookId(scheduled)
      const short = id.slice(0, 8)
      yield* dev.waitForLine((line) => /^\d\d:\d\d:\d\d {2}scheduled /.test(line) && line.includes(short), "scheduled")
      const delivered = yield* dev.waitForLine((line) => line.includes(`delivered ${short}`), "delivered")
      expect(delivered).toMatch(/delivered \w+ \/webhooks\/ping attempt 1 via http 200 in \d+ ms$/)
      const received = app.received.find((request) => request.headers["posthook-id"] === id)
      expect(received?.path).toBe("/webhooks/ping")

      yield* dev.signal("SIGINT")
      expect(yield* dev.exited).toBe(0)
      expect(dev.lines().at(-1)).toBe("Stopped.")
    }), TIMEOUT)

  it.live("--db: a pending hook survives a restart; keys passed in are never printed", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "posthook-dev-"))
      const db = Path.join(dir, "dev.db")
      const apiKey = "pk_local_test_key_SECRET_PART"
      const signingKey = "ph_sk_local_test_SECRET_PART"
      const args = ["dev", "--port", "0", "--db", db, "--api-key", apiKey, "--signing-key", signingKey, "--json"]
      const started = (dev: { readonly lines: () => ReadonlyArray<string> }) =>
        dev.lines().map(jsonLine).find((line) => line?.event === "started")

      const first = yield* startCli(args)
      yield* first.waitForLine((line) => jsonLine(line)?.event === "started", "started")
      const firstStart = started(first)!
      expect(firstStart).toMatchObject({ store: `sqlite:${db}`, apiKey: "pk_local…", asyncHooks: true })
      const env = { POSTHOOK_BASE_URL: String(firstStart.baseUrl), POSTHOOK_API_KEY: apiKey }
      const id = hookId(yield* runCli(["hooks", "schedule", "--path", "/webhooks/later", "--in", "1h", "--json"], env))
      yield* first.waitForLine((line) => {
        const parsed = jsonLine(line)
        return parsed?.event === "HookScheduled" && parsed.hookId === id
      }, "HookScheduled event")
      yield* first.signal("SIGINT")
      expect(yield* first.exited).toBe(0)
      expect(jsonLine(first.lines().at(-1) ?? "")).toEqual({ event: "stopped" })

      const second = yield* startCli(args)
      yield* second.waitForLine((line) => jsonLine(line)?.event === "started", "started again")
      const secondEnv = { ...env, POSTHOOK_BASE_URL: String(started(second)!.baseUrl) }
      const got = yield* runCli(["hooks", "get", id, "--json"], secondEnv)
      expect(got.code).toBe(0)
      expect(jsonOf(got)).toMatchObject({ id, path: "/webhooks/later", status: "pending" })
      yield* second.signal("SIGINT")
      expect(yield* second.exited).toBe(0)

      const everything = [...first.lines(), first.stderr(), ...second.lines(), second.stderr()].join("\n")
      expect(everything).not.toContain("SECRET_PART")
      // Loading node:sqlite prints no ExperimentalWarning (SqliteStore drops it around the import).
      expect(first.stderr()).not.toMatch(/ExperimentalWarning|SQLite is an experimental/)
    }), TIMEOUT)

  it.live("Ctrl-C with a WebSocket listener connected: the listener is told to go, dev exits 0", () =>
    Effect.gen(function*() {
      const apiKey = "pk_local_listener_test"
      const dev = yield* startCli(["dev", "--port", "0", "--api-key", apiKey, "--json"])
      const started = jsonLine(yield* dev.waitForLine((line) => jsonLine(line)?.event === "started", "started"))
      const listener = yield* startCli(["listen", "--json"], {
        POSTHOOK_BASE_URL: String(started?.baseUrl),
        POSTHOOK_API_KEY: apiKey
      })
      yield* listener.waitForLine((line) => jsonLine(line)?.event === "connected", "listener connected")
      yield* dev.waitForLine((line) => jsonLine(line)?.event === "ListenerConnected", "ListenerConnected event")

      yield* dev.signal("SIGINT")
      expect(yield* dev.exited).toBe(0)
      expect(jsonLine(dev.lines().at(-1) ?? "")).toEqual({ event: "stopped" })
      yield* listener.waitForLine((line) => jsonLine(line)?.event === "disconnected", "listener told to go")
    }), TIMEOUT)

  it.live("bad flags and a port in use exit 1", () =>
    Effect.gen(function*() {
      const taken = yield* startLocal()
      const runs = yield* runAll([
        [["dev", "--port", "70000"], {}],
        [["dev", "--port", "0", "--target", "localhost:3000"], {}],
        [["dev", "--port", String(taken.port)], {}],
        [["dev", "--port", "0", "--quota", "-1"], {}]
      ])
      const [badPort, badTarget, inUse, badQuota] = runs
      expect(badPort!.code).toBe(1)
      expect(badPort!.stderr).toMatch(/--port must be from 0 to 65535/)
      expect(badTarget!.code).toBe(1)
      expect(badTarget!.stderr).toMatch(/--target must be an http\(s\) origin/)
      expect(inUse!.code).toBe(1)
      expect(inUse!.stderr).toMatch(/cannot listen/)
      expect(badQuota!.code).toBe(1)
    }), TIMEOUT)
})
