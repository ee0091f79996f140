/**
 * `posthook dev` as a child process: the start-up banner and its `export`
 * lines (which must work as pasted), one line per event, HTTP delivery to
 * `--target`, a clean Ctrl-C, and `--db` keeping a pending hook across a
 * restart.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Predicate } from "effect"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import { signatureHeader } from "../../src/protocol/signing.js"
import { type CliRun, jsonLine, jsonOf, runAll, runCli, startApp, startCli, startLocal } from "./utils.js"

const TIMEOUT = { timeout: 300_000 }

/** A GET answered by `url`: status and body. */
const get = (url: string, headers: Readonly<Record<string, string>> = {}) =>
  Effect.callback<{ readonly status: number; readonly text: string }>((resume) => {
    const outgoing = Http.get(url, { headers: { connection: "close", ...headers }, agent: false }, (incoming) => {
      let text = ""
      incoming.setEncoding("utf8")
      incoming.on("data", (chunk: string) => (text += chunk))
      incoming.on("end", () => resume(Effect.succeed({ status: incoming.statusCode ?? 0, text })))
    })
    outgoing.on("error", (error) => resume(Effect.die(error)))
    return Effect.sync(() => outgoing.destroy())
  })

/** Characters a terminal acts on: none may reach stdout raw. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/

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

  it.live("keys from POSTHOOK_API_KEY / POSTHOOK_SIGNING_KEY when the flags are absent (nothing in argv)", () =>
    Effect.gen(function*() {
      const app = yield* startApp(() => ({ status: 200 }))
      const apiKey = "pk_local_from_env_SECRET_PART"
      const signingKeys = ["ph_sk_local_env_one_SECRET", "ph_sk_local_env_two_SECRET"]
      const args = ["dev", "--port", "0", "--target", app.origin, "--json"]
      expect(args.join(" ")).not.toContain("SECRET")
      const dev = yield* startCli(args, { POSTHOOK_API_KEY: apiKey, POSTHOOK_SIGNING_KEY: signingKeys.join(",") })
      const started = jsonLine(yield* dev.waitForLine((line) => jsonLine(line)?.event === "started", "started"))
      const baseUrl = String(started?.baseUrl)

      // The server takes the key from the environment, and no other.
      const [accepted, refused] = yield* runAll([
        [["hooks", "schedule", "--path", "/webhooks/env", "--in", "1s", "--json"], {
          POSTHOOK_BASE_URL: baseUrl,
          POSTHOOK_API_KEY: apiKey
        }],
        [["hooks", "list", "--json"], { POSTHOOK_BASE_URL: baseUrl, POSTHOOK_API_KEY: "pk_local_some_other_key" }]
      ])
      expect(accepted!.code).toBe(0)
      expect(refused!.code).toBe(2)
      // Deliveries are signed with both keys from the environment.
      const id = hookId(accepted!)
      yield* dev.waitForLine((line) => jsonLine(line)?.event === "HookDelivered", "HookDelivered")
      const received = app.received.find((request) => request.headers["posthook-id"] === id)
      const timestamp = received?.headers["posthook-timestamp"] ?? ""
      expect(received?.headers["posthook-signature"]).toBe(signatureHeader(signingKeys, timestamp, received?.body ?? ""))

      yield* dev.signal("SIGINT")
      expect(yield* dev.exited).toBe(0)
      expect([...dev.lines(), dev.stderr()].join("\n")).not.toContain("SECRET")
    }), TIMEOUT)

  it.live("--host 0.0.0.0: the dashboard URL carries a token, printed once; without it the dashboard refuses", () =>
    Effect.gen(function*() {
      const dev = yield* startCli(["dev", "--port", "0", "--host", "0.0.0.0"])
      yield* dev.waitForLine((line) => line === "Ctrl-C to stop.", "the banner")
      const line = dev.lines().find((printed) => printed.startsWith("  dashboard "))
      const url = /(http:\/\/\S+)/.exec(line ?? "")?.[1] ?? ""
      const token = new URL(url).searchParams.get("token") ?? ""
      expect(token.length).toBeGreaterThanOrEqual(32)
      expect(dev.lines().join("\n").split(token)).toHaveLength(2)
      const keysUrl = `${new URL(url).origin}/_dashboard/api/keys`
      const withHeader = { "X-Posthook-Dashboard": "1" }
      expect((yield* get(keysUrl, withHeader)).status).toBe(401)
      expect((yield* get(`${keysUrl}?token=${token}`, withHeader)).status).toBe(200)
      yield* dev.signal("SIGINT")
      expect(yield* dev.exited).toBe(0)
    }), TIMEOUT)

  it.live("text from the wire is printed escaped: an error body with escape codes and CR/LF stays one line", () =>
    Effect.gen(function*() {
      const hostile = "\u001b]0;pwned\u0007\u001b[2J\u009b31m\r\nFAKE 00:00:00  delivered"
      const app = yield* startApp(() => ({ status: 500, body: hostile }))
      const apiKey = "pk_local_escape_test"
      const dev = yield* startCli(["dev", "--port", "0", "--api-key", apiKey, "--retries", "0"])
      yield* dev.waitForLine((line) => line === "Ctrl-C to stop.", "the banner")
      const baseUrl = /listening on (\S+)$/.exec(dev.lines()[0] ?? "")?.[1] ?? ""
      const env = { POSTHOOK_BASE_URL: baseUrl, POSTHOOK_API_KEY: apiKey }
      const listener = yield* startCli(["listen", "--forward", app.origin, "--verbose"], env)
      yield* listener.waitForLine((line) => line.includes("Connected to"), "listener connected")
      const scheduled = yield* runCli(
        ["hooks", "schedule", "--path", "/webhooks/x", "--in", "1s", "--data", "{\"n\":1}", "--json"],
        env
      )
      const id = hookId(scheduled)
      const failed = yield* dev.waitForLine((line) => /  failed /.test(line), "failed")
      const nacked = yield* listener.waitForLine((line) => line.includes(" nack "), "nack line")
      const shown = "\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\r\\nFAKE 00:00:00  delivered"
      // Booleans and counts only: a failure must not print the escape codes raw.
      expect(failed.includes(shown)).toBe(true)
      expect(nacked.includes(shown)).toBe(true)
      const printed = [...dev.lines(), ...listener.lines()]
      expect(printed.filter((line) => CONTROL.test(line)).length).toBe(0)
      expect(printed.filter((line) => line.startsWith("FAKE")).length).toBe(0)

      // The hook's failure, as `hooks get` shows it: escaped on its line, and as JSON that parses back.
      const [details, json] = yield* runAll([[["hooks", "get", id], env], [["hooks", "get", id, "--json"], env]])
      const failure = details!.stdout.split("\n").find((line) => line.startsWith("failure"))
      expect(failure?.includes(shown)).toBe(true)
      expect(details!.stdout.split("\n").filter((line) => CONTROL.test(line)).length).toBe(0)
      expect(CONTROL.test(json!.stdout.replaceAll("\n", ""))).toBe(false)
      const parsed = jsonOf(json!)
      expect(Predicate.isObject(parsed) && parsed.failureError === `HTTP 500: ${hostile}`).toBe(true)
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
