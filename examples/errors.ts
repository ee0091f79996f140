/**
 * Errors: every failure is a tagged error with a `code`; API errors also
 * carry `status`, `message` and the response `headers`. Handle one with
 * `catchTag`, several with `catchTags`, or all of them with `Effect.catch`.
 *
 * Run: POSTHOOK_API_KEY=pk_... npx tsx examples/errors.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Duration, Effect, Layer, Option } from "effect"
import { Hooks, Posthook, PosthookError } from "posthook-effect"

const program = Effect.gen(function*() {
  const hooks = yield* Hooks.Hooks

  yield* hooks.get("hook-id").pipe(
    Effect.catchTags({
      RateLimitError: (error) =>
        Effect.log(`Rate limited, retry in ${Option.match(error.retryAfter, { onNone: () => "a while", onSome: Duration.format })}`),
      AuthenticationError: () => Effect.log("Invalid API key"),
      NotFoundError: () => Effect.log("Hook not found")
    }),
    Effect.catch((error: PosthookError.PosthookError) => Effect.log(`API error: ${error.message} (code=${error.code})`))
  )

  // No response at all: the reason says which (Timeout, Refused, Reset, DNS, …).
  yield* hooks.list({}, { timeout: "2 seconds" }).pipe(
    Effect.catchTag("PosthookConnectionError", (error) => Effect.log(`${error.reason}: ${error.message}`))
  )

  // GET and DELETE are retried (3 times, exponential backoff with jitter, at least Retry-After)
  // on connection errors, 408, 429 and 5xx. POST /v1/hooks and bulk calls are not: the API has
  // no idempotency key, so retrying a POST whose response was lost would schedule the hook twice.
  // Opt in per call when a duplicate is acceptable:
  yield* hooks.schedule({ path: "/webhooks/report", postIn: "1h" }, { retry: { retryWrites: true } })
})

program.pipe(
  Effect.provide(Posthook.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))),
  NodeRuntime.runMain
)
