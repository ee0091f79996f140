import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"

/**
 * What an entry point loads at run time: every bare specifier reached through
 * its value imports (type-only imports vanish at build time).
 */
const runtimeSpecifiers = (entry: string): Set<string> => {
  const seen = new Set<string>()
  const bare = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    const source = Fs.readFileSync(file, "utf8")
    // Statements start a line (JSDoc examples start with " * "); the code has no semicolons, so a
    // clause is matched by its shape: `*`, `* as X`, `{ … }` (may span lines), `X` or `X, { … }`.
    const statements = source.matchAll(
      /^(?:import|export)\s+(type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\}|\w+(?:\s*,\s*\{[^}]*\})?)\s+from\s+"([^"]+)"|^import\s+"([^"]+)"|(?<![*/]\s*)import\("([^"]+)"\)/gm
    )
    const read = new Set<number>()
    for (const statement of statements) {
      const [, typeOnly, fromSpecifier, bareImport, dynamicSpecifier] = statement
      read.add(statement.index)
      const specifier = fromSpecifier ?? bareImport ?? dynamicSpecifier ?? ""
      if (typeOnly !== undefined) continue
      if (specifier.startsWith(".")) visit(Path.resolve(Path.dirname(file), specifier.replace(/\.js$/, ".ts")))
      else bare.add(specifier)
    }
    // A static import or `export *` of a shape the pattern does not know would drop a branch of the graph unseen.
    for (const { index } of source.matchAll(/^(?:import\s|export\s+(?:type\s+)?\*)/gm)) {
      if (!read.has(index)) throw new Error(`${file}: unread statement: ${source.slice(index).split("\n")[0]}`)
    }
  }
  visit(Path.resolve(entry))
  return bare
}

/**
 * What a built (esbuild) file imports: the specifiers of its `import … from`,
 * `export … from`, bare `import "…"` statements and `import("…")` calls. A
 * statement's clause cannot contain a quote, so a string that merely looks
 * like an import inside the code is not one.
 */
const builtImports = (file: string): Set<string> => {
  const source = Fs.readFileSync(file, "utf8")
  const matches = source.matchAll(
    /^(?:import|export)\b[^"'`;]*?\bfrom\s*"([^"]+)"|^import\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/gm
  )
  return new Set([...matches].map(([, from, bare, dynamic]) => from ?? bare ?? dynamic ?? ""))
}

describe("packaging", () => {
  it("the SDK entry loads nothing but effect (and node:crypto for HMAC)", () => {
    const specifiers = [...runtimeSpecifiers("src/index.ts")]
    expect(specifiers.length).toBeGreaterThan(5)
    expect(specifiers.filter((specifier) => !/^effect(\/|$)/.test(specifier) && specifier !== "node:crypto")).toEqual([])
  })

  it("posthook-effect/node adds no npm package either", () => {
    const specifiers = [...runtimeSpecifiers("src/node.ts")]
    expect(specifiers.length).toBeGreaterThan(5)
    expect(specifiers.filter((specifier) => !/^(effect(\/|$)|node:)/.test(specifier))).toEqual([])
  })

  it("the local server reaches @effect/platform-node but the SDK does not", () => {
    expect([...runtimeSpecifiers("src/server/index.ts")].some((specifier) => specifier.startsWith("@effect/platform-node")))
      .toBe(true)
    expect([...runtimeSpecifiers("src/index.ts")].some((specifier) => specifier.startsWith("@effect/"))).toBe(false)
  })

  // The built bin: `npm test` builds before vitest runs; a bare `vitest run` without a build skips these.
  it.skipIf(!Fs.existsSync("dist/cli.js"))(
    "the posthook bin is bundled: its files import each other and Node's built-ins, no package",
    () => {
      const files = ["dist/cli.js", ...Fs.readdirSync("dist/cli-chunks").map((name) => `dist/cli-chunks/${name}`)]
        .filter((file) => file.endsWith(".js"))
      const outside = files.flatMap((file) =>
        [...builtImports(file)].filter((specifier) => !specifier.startsWith("./") && !specifier.startsWith("node:"))
          .map((specifier) => `${file}: ${specifier}`)
      )
      expect(files.length).toBeGreaterThan(3)
      expect(outside).toEqual([])
      // `dev` loads the server from the bin's own chunks, with the bin's effect: not the library's dist/server.js.
      expect(files.some((file) => [...builtImports(file)].some((specifier) => /^\.\/.*server-\w+\.js$/.test(specifier))))
        .toBe(true)
    }
  )

  it.skipIf(!Fs.existsSync("dist/index.js"))("the library entries stay unbundled: they import the app's effect", () => {
    for (const entry of ["dist/index.js", "dist/server.js"]) {
      expect([...builtImports(entry)].some((specifier) => /^effect(\/|$)/.test(specifier))).toBe(true)
    }
  })

  // Built by `npm test` before vitest runs; a bare `vitest run` without a build skips it.
  it.skipIf(!Fs.existsSync("dist/index.d.ts"))(
    "the built declarations type-check in an app with skipLibCheck off (ESM entries, server included)",
    () => {
      const tsc = Path.resolve("node_modules/typescript/bin/tsc")
      const result = spawnSync(process.execPath, [tsc, "-p", "test/fixtures/consumer"], { encoding: "utf8" })
      expect(result.stdout + result.stderr).toBe("")
      expect(result.status).toBe(0)
    },
    60_000
  )
})
