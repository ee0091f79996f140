/**
 * The `posthook` command line itself, as a child process of the built bin:
 * `--help` and `--version` (exit 0, on stdout), a missing subcommand (its
 * help, exit 1), and a command line that does not parse (`error: …` on
 * stderr, nothing on stdout, exit 1). The bin is one bundle: a copy of it
 * with no node_modules around runs, `dev --db` (the lazily loaded SQLite
 * client) included.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { CLI_BIN, jsonLine, runAll, runNode, startCli } from "./utils.js"

const TIMEOUT = { timeout: 300_000 }

const packageVersion = (): unknown =>
  JSON.parse(Fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version

describe("posthook", () => {
  it.live("--help, --version, a missing subcommand, flags that do not parse", () =>
    Effect.gen(function*() {
      const [help, version, scheduleHelp, noSubcommand, bogus, verboseAlias] = yield* runAll([
        [["--help"], {}],
        [["--version"], {}],
        [["hooks", "schedule", "--help"], {}],
        [["hooks"], {}],
        [["hooks", "list", "--bogus"], {}],
        // `-v` is `listen --verbose`, not `--version`: with a bad --forward it fails on the URL.
        [["listen", "-v", "--forward", "nope", "--api-key", "pk_x"], {}]
      ])
      expect(help!.code).toBe(0)
      for (const name of ["dev", "listen", "hooks", "bulk"]) expect(help!.stdout).toMatch(new RegExp(`^\\s+${name}\\s`, "m"))

      expect(version!.code).toBe(0)
      expect(version!.stdout.trim()).toBe(packageVersion())

      expect(scheduleHelp!.code).toBe(0)
      for (const flag of ["--path", "--in", "--at", "--at-local", "--timezone", "--data", "--json", "--api-key"]) {
        expect(scheduleHelp!.stdout).toContain(flag)
      }

      expect(noSubcommand!.code).toBe(1)
      expect(noSubcommand!.stdout).toMatch(/schedule/)

      expect(bogus!.code).toBe(1)
      expect(bogus!.stdout).toBe("")
      expect(bogus!.stderr).toMatch(/^error: .*--bogus/m)

      expect(verboseAlias!.code).toBe(1)
      expect(verboseAlias!.stderr).toMatch(/--forward: not an http\(s\) URL/)
    }), TIMEOUT)

  it.live("the bin needs no package: a copy outside any node_modules runs --version and dev --db", () =>
    Effect.gen(function*() {
      const folder = yield* Effect.acquireRelease(
        Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "posthook-bin-"))),
        (folder) => Effect.sync(() => Fs.rmSync(folder, { recursive: true, force: true }))
      )
      // The bin's files, as the package ships them (its package.json says ESM).
      const built = Path.dirname(CLI_BIN)
      Fs.copyFileSync(CLI_BIN, Path.join(folder, "cli.js"))
      Fs.cpSync(Path.join(built, "cli-chunks"), Path.join(folder, "cli-chunks"), { recursive: true })
      Fs.writeFileSync(Path.join(folder, "package.json"), JSON.stringify({ type: "module" }))
      const bin = Path.join(folder, "cli.js")

      const version = yield* runNode([bin, "--version"], { cwd: folder })
      expect(version.code).toBe(0)
      expect(version.stdout.trim()).toBe(packageVersion())

      const db = Path.join(folder, "dev.db")
      const dev = yield* startCli(["dev", "--port", "0", "--json", "--db", db], {}, bin)
      const started = jsonLine(yield* dev.waitForLine((line) => jsonLine(line)?.event === "started", "started"))
      expect(started?.store).toBe(`sqlite:${db}`)
      yield* dev.signal("SIGINT")
      expect(yield* dev.exited).toBe(0)
      // Loading node:sqlite prints no ExperimentalWarning, from the bundle as from the package.
      expect(dev.stderr()).toBe("")
      expect(Fs.existsSync(db)).toBe(true)
    }).pipe(Effect.scoped), TIMEOUT)
})
