import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

export default defineConfig({
  resolve: {
    alias: [
      { find: /^posthook-effect$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
      { find: /^posthook-effect\/node$/, replacement: fileURLToPath(new URL("./src/node.ts", import.meta.url)) },
      {
        find: /^posthook-effect\/server$/,
        replacement: fileURLToPath(new URL("./src/server/index.ts", import.meta.url))
      }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // A failing test must fail fast and print little: cap what an assertion message quotes, and how many lines
    // (and how deep) a diff formats, so a huge unexpected value cannot keep the reporter busy for minutes.
    chaiConfig: { truncateThreshold: 200 },
    diff: { truncateThreshold: 60, maxDepth: 8 }
  }
})
