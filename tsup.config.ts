import { createRequire } from "node:module"
import * as Path from "node:path"
import { defineConfig, type Options } from "tsup"

type EsbuildPlugin = NonNullable<Options["esbuildPlugins"]>[number]

/**
 * `@effect/platform-node/Undici` re-exports the CommonJS package `undici`
 * with `export * from "undici"`. Once bundled, esbuild cannot list the names
 * of a CommonJS module ahead of time, so that module would export only
 * `default` and `NodeHttpClient` would find no `Agent`. This plugin gives it
 * an explicit list instead: the names `undici` exports, read from the
 * installed package at build time.
 */
const undiciNamedExports: EsbuildPlugin = {
  name: "undici-named-exports",
  setup(build) {
    build.onLoad({ filter: /[\\/]@effect[\\/]platform-node[\\/]dist[\\/]Undici\.js$/ }, (args) => {
      const undici: Record<string, unknown> = createRequire(args.path)("undici")
      const names = Object.keys(undici).filter((name) => name !== "default" && /^[A-Za-z_$][\w$]*$/.test(name))
      return {
        contents: `import Undici from "undici"\nexport default Undici\nexport const { ${names.join(", ")} } = Undici\n`,
        loader: "js",
        resolveDir: Path.dirname(args.path)
      }
    })
  }
}

export default defineConfig([
  {
    // The library: the SDK (`posthook-effect`) and the local server (`posthook-effect/server`).
    // Unbundled: effect is a peer dependency, the app's own copy must be the one in use.
    entry: { index: "src/index.ts", node: "src/node.ts", server: "src/server/index.ts" },
    format: ["esm", "cjs"],
    dts: true,
    target: "node22",
    sourcemap: true,
    clean: true,
    splitting: false,
    skipNodeModulesBundle: true
  },
  {
    // The `posthook` command line (ESM only, executable), bundled with its dependencies (effect,
    // @effect/platform-node and what it uses, @effect/sql-sqlite-node): Node then reads a few files
    // instead of hundreds, which was most of a command's start-up time. The bin uses only its own
    // copy of effect, the local server included (`dev` loads it from a chunk of this bundle).
    entry: { cli: "src/cli/main.ts" },
    format: ["esm"],
    target: "node22",
    platform: "node",
    // No source maps: they would carry all of effect and undici (13 MB unpacked). The bundle is not minified,
    // so a stack trace still names the functions, and each module starts with a comment naming its source file.
    sourcemap: false,
    noExternal: [/./],
    // Node's built-ins stay imports, with their `node:` prefix (`node:sqlite` has no other name).
    removeNodeProtocol: false,
    esbuildPlugins: [undiciNamedExports],
    // Code splitting keeps each command to what it needs: `posthook dev` imports the local server with
    // `import()`, and the SQLite client is imported only for `--db`, so the other commands never parse them.
    splitting: true,
    // The chunks in a folder of their own, apart from the library's files.
    esbuildOptions: (options) => {
      options.chunkNames = "cli-chunks/[name]-[hash]"
    },
    // Bundled CommonJS packages (ws, undici) `require` Node's built-ins: ESM output has no `require`, so each
    // file makes one.
    banner: {
      js: [
        "#!/usr/bin/env node",
        `import { createRequire as __posthookCreateRequire } from "node:module";`,
        "const require = __posthookCreateRequire(import.meta.url);"
      ].join("\n")
    }
  }
])
