/**
 * How the `posthook` command ends: the exit codes it promises and the one
 * error type every command fails with.
 *
 * Every command maps what can go wrong into a {@link CliFailure} carrying its
 * exit code and the message to print, so `main.ts` only has to print it and
 * exit with the code. Mapping in the commands (not in `main.ts`) keeps the
 * decision next to the code that knows what a failure means.
 *
 * @internal
 */
import type * as Config from "effect/Config"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as PosthookError from "../../PosthookError.js"

/**
 * The exit codes of the `posthook` command: 0 done, 1 the command line was
 * wrong (bad or missing flags, values refused before anything was sent),
 * 2 Posthook (or the network) answered with an error.
 *
 * @internal
 */
export const ExitCode = {
  Ok: 0,
  Usage: 1,
  Api: 2
} as const

/** @internal */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode]

/**
 * A command failed: `message` is printed on stderr as `error: <message>` and
 * the process exits with `exitCode`.
 *
 * @internal
 */
export class CliFailure extends Data.TaggedError("CliFailure")<{
  readonly exitCode: ExitCode
  readonly message: string
}> {}

/**
 * A usage error (exit code 1).
 *
 * @internal
 */
export const usage = (message: string): CliFailure => new CliFailure({ exitCode: ExitCode.Usage, message })

/**
 * An API or network error (exit code 2).
 *
 * @internal
 */
export const api = (message: string): CliFailure => new CliFailure({ exitCode: ExitCode.Api, message })

/** SDK parameter names, as the flags a CLI user typed. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  path: "--path",
  data: "--data",
  postIn: "--in",
  postAt: "--at",
  postAtLocal: "--at-local",
  timezone: "--timezone",
  "retryOverride.minRetries": "--retries",
  "retryOverride.delaySecs": "--retry-delay",
  "retryOverride.strategy": "--retry-strategy",
  "retryOverride.backoffFactor": "--backoff-factor",
  "retryOverride.maxDelaySecs": "--max-retry-delay",
  "retryOverride.jitter": "--jitter",
  id: "<id>",
  hookIds: "--ids",
  hookIDs: "--ids",
  status: "--status",
  limit: "--limit",
  offset: "--offset",
  pageSize: "--page-size",
  postAtBefore: "--post-at-before",
  postAtAfter: "--post-at-after",
  createdAtBefore: "--created-at-before",
  createdAtAfter: "--created-at-after",
  startTime: "--start-time",
  endTime: "--end-time",
  endpointKey: "--endpoint-key",
  sequenceId: "--sequence-id"
}

/**
 * The words after `error:` for any error an SDK call can fail with.
 *
 * - API errors: the server's message, the HTTP status and the error code.
 * - Connection errors: why no answer came.
 * - Validation errors: the flag at fault and the rule it broke.
 *
 * @internal
 */
export const describe = (error: PosthookError.PosthookError): string => {
  switch (error._tag) {
    case "ValidationError": {
      const flag = FLAG_OF_FIELD[error.field]
      return flag === undefined ? error.message : `${flag}: ${error.message}`
    }
    case "PosthookConnectionError":
      return `cannot reach Posthook (${error.reason}): ${error.message}`
    case "SignatureVerificationError":
    case "DeliveryDataError":
    case "WebSocketError":
      return `${error.message} (${error.code})`
    case "CallbackError":
      return `${error.message} (${error.status === undefined ? "" : `HTTP ${error.status}, `}${error.code})`
    default:
      return `${error.message} (HTTP ${error.status}, ${error.code})`
  }
}

/**
 * Maps the errors of an SDK call to a {@link CliFailure}: a `ValidationError`
 * (the SDK refused a flag's value before sending anything) is a usage error,
 * everything else an API error.
 *
 * @internal
 */
export const fromPosthookError = (error: PosthookError.PosthookError): CliFailure =>
  error._tag === "ValidationError" ? usage(describe(error)) : api(describe(error))

/**
 * Runs an SDK effect, turning its Posthook errors into {@link CliFailure}s.
 *
 * @internal
 */
export const mapPosthookErrors = <A, R>(
  effect: Effect.Effect<A, PosthookError.PosthookError | CliFailure, R>
): Effect.Effect<A, CliFailure, R> =>
  Effect.mapError(effect, (error) => error._tag === "CliFailure" ? error : fromPosthookError(error))

/**
 * A configuration error (a base URL that is not a URL, an empty key) is a
 * usage error.
 *
 * @internal
 */
export const fromConfigError = (error: Config.ConfigError): CliFailure => usage(error.message)
