/**
 * Logging: every request logs one line at Debug level, e.g.
 *
 *   POST /v1/hooks -> 201 (0.153s)
 *   GET /v1/hooks -> 200 (0.089s)
 *
 * annotated with `package=posthook-effect`, `http.method`, `http.path` and
 * `http.outcome`. Keys and payloads are never logged. Effect's default
 * minimum level is Info, so turn Debug on to see them. Every call also runs
 * in a span named after the method (`Posthook.hooks.schedule`, …).
 *
 * Run: POSTHOOK_API_KEY=pk_... npx tsx examples/logging.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer, Logger, LogLevel, References } from "effect"
import { Hooks, Posthook } from "posthook-effect"

const program = Effect.gen(function*() {
  const hooks = yield* Hooks.Hooks
  yield* hooks.schedule({ path: "/test", postIn: "5m" })
  yield* hooks.list()
})

// Show only Posthook's Debug lines; everything else stays at Info and above.
const posthookDebugOnly = Logger.make((options) => {
  const fromPosthook = "package" in options.fiber.getRef(References.CurrentLogAnnotations)
  if (fromPosthook || LogLevel.isGreaterThanOrEqualTo(options.logLevel, "Info")) {
    globalThis.console.log(Logger.formatLogFmt.log(options))
  }
})

program.pipe(
  Effect.provide(Posthook.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))),
  Effect.provide(Logger.layer([posthookDebugOnly])),
  Effect.provideService(References.MinimumLogLevel, "Debug"),
  NodeRuntime.runMain
)
