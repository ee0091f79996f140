/**
 * Configuration: API key, signing key(s), base URL, timeout and retry policy,
 * as options or through Effect Config; every call can override the timeout
 * and the retry policy.
 *
 * Run: POSTHOOK_API_KEY=pk_... npx tsx examples/configuration.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Duration, Effect, Layer, Schedule } from "effect"
import { Hooks, Posthook } from "posthook-effect"

export const Staging = Posthook.layer({
  apiKey: "pk_...",
  baseUrl: "https://api.staging.posthook.io",
  timeout: "60 seconds",
  signingKey: ["ph_sk_new...", "ph_sk_old..."], // several while rotating keys
  retry: {
    times: 5, // retries after the first attempt (default 3)
    schedule: Schedule.exponential("500 millis").pipe(Schedule.jittered), // delays between attempts
    maxRetryAfter: Duration.minutes(2), // a longer Retry-After ends retrying at once (default 60 s)
    retryWrites: false // also retry POSTs? (default false)
  }
})

// Environment (POSTHOOK_API_KEY, POSTHOOK_SIGNING_KEY, POSTHOOK_BASE_URL) plus overrides:
export const FromEnvironment = Posthook.layerConfig({ timeout: "10 seconds", retry: false })

const program = Effect.gen(function*() {
  const hooks = yield* Hooks.Hooks
  // Per call: a shorter timeout and no retries for this one request.
  yield* hooks.list({ status: "pending" }, { timeout: "5 seconds", retry: false })
})

program.pipe(
  Effect.provide(FromEnvironment.pipe(Layer.provide(NodeHttpClient.layerUndici))),
  NodeRuntime.runMain
)
