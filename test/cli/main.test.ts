/**
 * The `posthook` command line itself, as a child process of the built bin:
 * `--help` and `--version` (exit 0, on stdout), a missing subcommand (its
 * help, exit 1), and a command line that does not parse (`error: …` on
 * stderr, nothing on stdout, exit 1).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import { runAll } from "./utils.js"

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
})
