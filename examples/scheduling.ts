/**
 * Scheduling: exactly one of `postIn`, `postAt`, or `postAtLocal` +
 * `timezone`; an optional per-hook retry override; optionally a Schema for
 * the payload. Invalid input fails with a `ValidationError` before anything
 * is sent.
 *
 * Run: POSTHOOK_API_KEY=pk_... npx tsx examples/scheduling.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { DateTime, Duration, Effect, Layer, Schema } from "effect"
import { Hooks, Posthook } from "posthook-effect"

const program = Effect.gen(function*() {
  const hooks = yield* Hooks.Hooks

  // After a relative delay: a duration string of d, h, m, s (compound allowed: "1h30m")…
  yield* hooks.schedule({ path: "/webhooks/send-reminder", postIn: "30m", data: { userId: "123" } })
  // …or an Effect Duration of whole seconds.
  yield* hooks.schedule({ path: "/webhooks/send-reminder", postIn: Duration.hours(36), data: { userId: "123" } })

  // At an exact time: a Date, a DateTime or an RFC 3339 string; sent in UTC.
  yield* hooks.schedule({
    path: "/webhooks/send-reminder",
    postAt: DateTime.add(yield* DateTime.now, { hours: 1 }),
    data: { userId: "123" }
  })
  yield* hooks.schedule({ path: "/webhooks/send-reminder", postAt: "2026-06-15T10:00:00Z", data: { userId: "123" } })

  // At a wall-clock time in an IANA zone; Posthook handles DST.
  yield* hooks.schedule({
    path: "/webhooks/daily-digest",
    postAtLocal: "2026-03-01T09:00:00",
    timezone: "America/New_York",
    data: { userId: "123" }
  })

  // Override the project's retry behaviour for one hook.
  yield* hooks.schedule({
    path: "/webhooks/critical",
    postIn: "1m",
    data: { orderId: "456" },
    retryOverride: {
      minRetries: 10,
      delaySecs: 15,
      strategy: "exponential",
      backoffFactor: 2.0,
      maxDelaySecs: 3600,
      jitter: true
    }
  })

  // Typed payloads: the schema encodes `data` on the way out and decodes it on the way back.
  const Reminder = Schema.Struct({ userId: Schema.String, remindAt: Schema.DateFromString })
  const hook = yield* hooks.schedule({
    path: "/webhooks/send-reminder",
    postIn: "5m",
    data: { userId: "123", remindAt: new Date() },
    dataSchema: Reminder
  })
  yield* Effect.log(hook.data.remindAt.toISOString())

  // Mistakes are caught before a request is made.
  yield* hooks.schedule({ path: "/webhooks/x", postIn: "5 minutes" }).pipe(
    Effect.catchTag("ValidationError", (error) => Effect.log(`refused ${error.field}: ${error.message}`))
  )
})

program.pipe(
  Effect.provide(Posthook.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))),
  NodeRuntime.runMain
)
