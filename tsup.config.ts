import { defineConfig } from "tsup"

export default defineConfig([
  {
    // The library: the SDK (`posthook-effect`) and the local server (`posthook-effect/server`).
    entry: { index: "src/index.ts", server: "src/server/index.ts" },
    format: ["esm", "cjs"],
    dts: true,
    target: "node20",
    sourcemap: true,
    clean: true,
    splitting: false,
    skipNodeModulesBundle: true
  },
  {
    // The `posthook` command line (ESM only, executable).
    entry: { cli: "src/cli/main.ts" },
    format: ["esm"],
    target: "node20",
    sourcemap: true,
    splitting: false,
    skipNodeModulesBundle: true,
    banner: { js: "#!/usr/bin/env node" }
  }
])
