/**
 * `posthook hooks schedule`: schedule one hook.
 *
 * ```sh
 * posthook hooks schedule --path /webhooks/user-created --in 5m --data '{"userId":"123"}'
 * posthook hooks schedule --path /webhooks/report --at 2026-06-15T10:00:00Z --data @report.json
 * posthook hooks schedule --path /webhooks/digest --at-local 2026-03-01T09:00:00 --timezone America/New_York
 * posthook hooks schedule --path /webhooks/critical --in 1m --retries 10 --retry-delay 15 \
 *   --retry-strategy exponential --max-retry-delay 3600 --jitter
 * ```
 *
 * @internal
 */
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Hook from "../../Hook.js"
import * as Hooks from "../../Hooks.js"
import * as Client from "../internal/client.js"
import * as Exit from "../internal/exit.js"
import * as Input from "../internal/input.js"
import * as CliOptions from "../internal/options.js"
import * as Output from "../internal/output.js"

const flags = {
  ...CliOptions.rest,
  path: Flag.String("path").pipe(
    Flag.withMetavar("PATH"),
    Flag.withDescription("Where the hook is delivered, on the project's domain, e.g. /webhooks/user-created.")
  ),
  data: CliOptions.optionalText("data", "The payload: JSON, or @file to read it from a file.", "JSON"),
  postIn: CliOptions.optionalText("in", "Deliver after a delay: 30s, 5m, 1h30m, 1d12h (1s to 365d).", "DURATION"),
  postAt: CliOptions.optionalText("at", "Deliver at an RFC 3339 time, e.g. 2026-06-15T10:00:00Z.", "TIME"),
  postAtLocal: CliOptions.optionalText(
    "at-local",
    "Deliver at a wall-clock time YYYY-MM-DDTHH:MM:SS in --timezone.",
    "LOCAL_TIME"
  ),
  timezone: CliOptions.optionalText("timezone", "The IANA time zone of --at-local, e.g. America/New_York.", "ZONE"),
  retries: CliOptions.retries("Retry override: retries after the first attempt (1-15)."),
  retryDelay: CliOptions.retryDelay("Retry override: seconds before a retry (5-60)."),
  retryStrategy: Flag.Literals("retry-strategy", ["fixed", "exponential"]).pipe(
    Flag.withDescription("Retry override: how the delay grows (default fixed)."),
    Flag.optional
  ),
  backoffFactor: Flag.Finite("backoff-factor").pipe(
    Flag.withDescription("Retry override, exponential: the growth factor (1.1-4.0, default 2)."),
    Flag.optional
  ),
  maxRetryDelay: CliOptions.optionalInteger(
    "max-retry-delay",
    "Retry override, exponential: the longest delay (60-3600).",
    "SECONDS"
  ),
  jitter: CliOptions.toggle("jitter", "Retry override: add 0-25% random extra delay.")
} as const

type Flags = Command.Command.Config.Infer<typeof flags>

/** The one scheduling mode the flags name; exactly one is required. */
const timingOf = (flags: Flags): Effect.Effect<Hooks.ScheduleTiming, Exit.CliFailure> => {
  const modes = [flags.postIn, flags.postAt, flags.postAtLocal].filter(Option.isSome).length
  if (modes !== 1) {
    return Effect.fail(Exit.usage("give exactly one of --in, --at or --at-local"))
  }
  if (Option.isSome(flags.postIn)) {
    return Option.isSome(flags.timezone)
      ? Effect.fail(Exit.usage("--timezone goes with --at-local only"))
      : Effect.succeed({ postIn: flags.postIn.value })
  }
  if (Option.isSome(flags.postAt)) {
    return Option.isSome(flags.timezone)
      ? Effect.fail(Exit.usage("--timezone goes with --at-local only (--at takes an offset or Z)"))
      : Effect.succeed({ postAt: flags.postAt.value })
  }
  return Option.match(Option.all([flags.postAtLocal, flags.timezone]), {
    onNone: () => Effect.fail(Exit.usage("--at-local needs --timezone, e.g. --timezone America/New_York")),
    onSome: ([postAtLocal, timezone]) => Effect.succeed({ postAtLocal, timezone })
  })
}

/** The retry override the flags describe, if any retry flag was given. */
const retryOverrideOf = (flags: Flags): Effect.Effect<Hook.RetryOverride | undefined, Exit.CliFailure> => {
  const anyGiven = Option.isSome(flags.retries) || Option.isSome(flags.retryDelay) ||
    Option.isSome(flags.retryStrategy) || Option.isSome(flags.backoffFactor) || Option.isSome(flags.maxRetryDelay) ||
    flags.jitter
  if (!anyGiven) return Effect.succeed(undefined)
  return Option.match(Option.all([flags.retries, flags.retryDelay]), {
    onNone: () => Effect.fail(Exit.usage("a retry override needs both --retries and --retry-delay")),
    onSome: ([minRetries, delaySecs]) =>
      Effect.succeed({
        minRetries,
        delaySecs,
        strategy: Option.getOrElse(flags.retryStrategy, () => "fixed" as const),
        ...Option.match(flags.backoffFactor, { onNone: () => ({}), onSome: (backoffFactor) => ({ backoffFactor }) }),
        ...Option.match(flags.maxRetryDelay, { onNone: () => ({}), onSome: (maxDelaySecs) => ({ maxDelaySecs }) }),
        ...(flags.jitter ? { jitter: true } : {})
      })
  })
}

/**
 * The `hooks schedule` command.
 *
 * @internal
 */
export const command = Command.make("schedule", flags, (flags) =>
  Client.run(
    "posthook.cli.hooks.schedule",
    flags,
    Effect.gen(function*() {
      const timing = yield* timingOf(flags)
      const retryOverride = yield* retryOverrideOf(flags)
      const data = Option.isSome(flags.data)
        ? { data: yield* Input.jsonValue("--data", flags.data.value) }
        : {}
      const hooks = yield* Hooks.Hooks
      const hook = yield* hooks.schedule({ path: flags.path, ...data, ...timing, retryOverride })
      if (flags.json) {
        const quota = Option.match(hook.quota, { onNone: () => ({}), onSome: (q) => ({ quota: Output.quotaJson(q) }) })
        yield* Output.printJson({ ...(yield* Output.hookJson(hook)), ...quota })
      } else {
        yield* Console.log(Output.hookDetails(hook, hook.quota))
      }
    })
  )).pipe(Command.withDescription("Schedule a hook: --path, --data, and one of --in, --at or --at-local + --timezone."))
