/**
 * SQLite-backed local servers for restart tests: a fresh database file per
 * test, and a server on it that stops when the given work ends.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Effect, Exit, Scope } from "effect"
import * as LocalPosthook from "../../../src/server/LocalPosthook.js"

/** A fresh database file, removed with the scope. */
export const databaseFile = Effect.acquireRelease(
  Effect.sync(() => {
    const directory = Fs.mkdtempSync(Path.join(Os.tmpdir(), "posthook-local-"))
    return { directory, file: Path.join(directory, "dev.db") }
  }),
  ({ directory }) => Effect.sync(() => Fs.rmSync(directory, { recursive: true, force: true }))
).pipe(Effect.map(({ file }) => file))

/** Runs `use` against a quiet server on `file`; the server stops (its scope closes) when `use` ends. */
export const withServer = <A, E>(
  file: string,
  options: LocalPosthook.Options,
  use: (local: LocalPosthook.LocalPosthook) => Effect.Effect<A, E, Scope.Scope>
) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const result = yield* Effect.gen(function*() {
      const local = yield* LocalPosthook.make({ log: false, store: { sqlite: file }, ...options })
      return yield* use(local)
    }).pipe(Scope.provide(scope), Effect.exit)
    yield* Scope.close(scope, Exit.void)
    return yield* result
  })
