import { defineConfig } from "tsup"

export default defineConfig([
  {
    // The library: the SDK (`posthook-effect`) and the local server (`posthook-effect/server`).
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
    // The `posthook` command line (ESM only, executable).
    entry: { cli: "src/cli/main.ts" },
    format: ["esm"],
    target: "node22",
    sourcemap: true,
    // `posthook dev` imports the local server with `import()`: splitting puts the server in a chunk loaded by `dev`
    // only, so the other commands start without it.
    splitting: true,
    // The chunks in a folder of their own, apart from the library's files.
    esbuildOptions: (options) => {
      options.chunkNames = "cli-chunks/[name]-[hash]"
    },
    skipNodeModulesBundle: true,
    banner: { js: "#!/usr/bin/env node" }
  }
])
