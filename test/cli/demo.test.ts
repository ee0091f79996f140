/**
 * The README's main job: `npm run demo` runs the whole flow and exits 0.
 * Run here as a child process the way the script runs it (tsx on this
 * Node: `node --import tsx examples/demo.ts`, one process, so interrupting
 * the test kills the demo), checking the timeline it prints.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { runNode } from "./utils.js"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))

// The environment is the test's minus any POSTHOOK_ settings: the demo needs no keys.
const runDemo = runNode(["--import", "tsx", "examples/demo.ts"], { cwd: ROOT })

describe("npm run demo", () => {
  it.live("exits 0 after printing the timeline: HTTP ack, accept + callback ack, WebSocket nack + retry", () =>
    Effect.gen(function*() {
      const run = yield* runDemo.pipe(Effect.timeout("120 seconds"))
      const output = `${run.stdout}\n--- stderr ---\n${run.stderr}`
      expect(run.code, output).toBe(0)
      const lines = run.stdout.split("\n")
      const has = (pattern: RegExp) => expect(lines.some((line) => pattern.test(line)), `${pattern}\n${output}`).toBe(true)
      has(/sdk\s+schedule \/webhooks\/welcome {2}postIn "1s" {2}→ pending$/)
      has(/sdk\s+schedule \/webhooks\/report {2}postAt \S+Z {2}→ pending$/)
      has(/sdk\s+schedule \/webhooks\/digest {2}postAtLocal \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d Asia\/Tokyo {2}→ pending$/)
      has(/app\s+HTTP {2}\/webhooks\/welcome signature verified → ack$/)
      has(/server\s+delivered \w+ \/webhooks\/welcome attempt 1 via http 200/)
      has(/server\s+accepted \w+ \/webhooks\/report attempt 1 via http/)
      has(/server\s+ack callback for \w+ \/webhooks\/report attempt 1: 200 completed$/)
      has(/app\s+WS {4}\/webhooks\/digest attempt 1 → nack/)
      has(/server\s+retrying \w+ \/webhooks\/digest attempt 1 via websocket/)
      has(/server\s+delivered \w+ \/webhooks\/digest attempt 2 via websocket/)
      for (const path of ["welcome", "report", "digest"]) has(new RegExp(`/webhooks/${path}\\s.*\\scompleted$`))
      has(/^All three hooks completed in \d+\.\ds\.$/)
      // Every timeline line carries its time since the start.
      expect(lines.filter((line) => /^ *\+\d+\.\ds {2}(sdk|app|server) /.test(line)).length).toBeGreaterThanOrEqual(12)
    }), { timeout: 180_000 })
})
