/**
 * Cold start: how long a fresh `node` process takes to import the built
 * package (`dist/index.js`, as an app would load it) against importing
 * `effect` alone, and against nothing at all.
 *
 * Each sample is its own process (no module cache, no JIT warmth). The child
 * reports the time its `import()` took and its CPU time; the parent notes the
 * whole process's wall time (spawn to exit). Targets run interleaved, round
 * after round, and the medians are compared.
 */
import { spawn } from "node:child_process"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { type Benchmark, median, ROOT, type Row } from "./util.js"

interface Sample {
  /** The `import()` alone, measured inside the child. */
  readonly importMs: number
  /** The child's CPU time (user + system) when it finished. */
  readonly cpuMs: number
  /** Spawn to exit, measured by the parent. */
  readonly processMs: number
}

const childScript = (specifier: string | undefined) =>
  [
    "const start = performance.now();",
    specifier === undefined ? "" : `await import(${JSON.stringify(specifier)});`,
    "const importMs = performance.now() - start;",
    "const cpu = process.cpuUsage();",
    "process.stdout.write(JSON.stringify({ importMs, cpuMs: (cpu.user + cpu.system) / 1000 }));"
  ].join("\n")

const sample = (specifier: string | undefined): Promise<Sample> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, ["--input-type=module", "-e", childScript(specifier)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"]
    })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.on("error", reject)
    child.on("exit", (code) => {
      const processMs = performance.now() - started
      if (code !== 0) return reject(new Error(`cold-start child for ${specifier ?? "nothing"} exited ${code}`))
      const parsed = JSON.parse(output) as { importMs: number; cpuMs: number }
      resolve({ ...parsed, processMs })
    })
  })

export const benchmark: Benchmark = {
  name: "coldStart",
  title: "import the built package vs import(\"effect\"), fresh processes",
  run: async (options) => {
    const sdk = pathToFileURL(Path.join(ROOT, "dist", "index.js")).href
    const server = pathToFileURL(Path.join(ROOT, "dist", "server.js")).href
    const targets: Record<string, string | undefined> = options.quick
      ? { nothing: undefined, effect: "effect", sdk }
      : { nothing: undefined, effect: "effect", sdk, server }
    const rounds = options.quick ? 3 : 15
    const samples: Record<string, Array<Sample>> = {}
    // One warm-up round: fills the OS file cache, as on any machine that has run node before.
    for (const specifier of Object.values(targets)) await sample(specifier)
    for (let round = 0; round < rounds; round++) {
      const names = Object.keys(targets)
      for (let index = 0; index < names.length; index++) {
        const name = names[(index + round) % names.length]!
        ;(samples[name] ??= []).push(await sample(targets[name]))
      }
    }
    const at = (name: string, field: keyof Sample) => median((samples[name] ?? []).map((one) => one[field]))
    const rows: Array<Row> = [
      {
        bench: "coldStart",
        measure: "import posthook-effect (dist/index.js)",
        unit: "ms",
        sdk: at("sdk", "importMs"),
        baseline: at("effect", "importMs"),
        // Issue 14: importing the SDK is no slower than importing `effect` alone.
        goal: { kind: "ratioMax", value: 1.0 },
        note: `baseline: import("effect"); ${rounds} fresh processes each; node with no import: ${
          at("nothing", "processMs").toFixed(0)
        } ms spawn to exit`
      },
      {
        bench: "coldStart",
        measure: "whole process, spawn to exit",
        unit: "ms",
        sdk: at("sdk", "processMs"),
        baseline: at("effect", "processMs")
      },
      {
        bench: "coldStart",
        measure: "process CPU time",
        unit: "ms CPU",
        sdk: at("sdk", "cpuMs"),
        baseline: at("effect", "cpuMs")
      },
      {
        bench: "coldStart",
        measure: "import posthook-effect/server (dist/server.js)",
        unit: "ms",
        sdk: at("server", "importMs"),
        baseline: at("effect", "importMs"),
        note: "the local server entry (full runs only); not part of the SDK's cold start"
      }
    ]
    return rows.filter((row) => !Number.isNaN(row.sdk))
  }
}
