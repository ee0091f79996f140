/**
 * The flags the commands share, and the builders every command declares its
 * own flags with, so a flag reads (and its help looks) the same everywhere:
 *
 * - where Posthook is (`--base-url` / `POSTHOOK_BASE_URL`) and the key
 *   (`--api-key` / `POSTHOOK_API_KEY`): {@link connection};
 * - `--json`: {@link json}, or {@link jsonOutput} for commands that stream;
 * - everything a REST command takes: {@link rest};
 * - a key from a flag or the environment: {@link keyFromEnv};
 * - retry settings (`--retries`, `--retry-delay`): {@link retries},
 *   {@link retryDelay}.
 *
 * Each command declares the shared flags itself, so they go after the
 * command name (`posthook hooks list --json`) like every other flag.
 *
 * @internal
 */
import * as Flag from "effect/cli/Flag"
import * as Config from "effect/Config"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

/** Names the flag's value in the help (`--db FILE`) when given; the default is the value's type. */
const withMetavar = (metavar: string | undefined) => <A>(flag: Flag.Flag<A>): Flag.Flag<A> =>
  metavar === undefined ? flag : Flag.withMetavar(flag, metavar)

/**
 * An optional `--NAME VALUE` text flag.
 *
 * @internal
 */
export const optionalText = (
  name: string,
  description: string,
  pseudoName?: string
): Flag.Flag<Option.Option<string>> =>
  Flag.String(name).pipe(withMetavar(pseudoName), Flag.withDescription(description), Flag.optional)

/**
 * An optional `--NAME N` integer flag.
 *
 * @internal
 */
export const optionalInteger = (
  name: string,
  description: string,
  pseudoName?: string
): Flag.Flag<Option.Option<number>> =>
  Flag.Int(name).pipe(withMetavar(pseudoName), Flag.withDescription(description), Flag.optional)

/**
 * A `--NAME VALUE` text flag that may be given any number of times; not
 * given is the empty list.
 *
 * @internal
 */
export const repeatedText = (
  name: string,
  description: string,
  pseudoName: string
): Flag.Flag<ReadonlyArray<string>> =>
  Flag.String(name).pipe(Flag.withMetavar(pseudoName), Flag.withDescription(description), Flag.atLeast(0))

/**
 * An on/off `--NAME` flag (off unless given). No `--no-NAME` form: off is
 * simply not giving it.
 *
 * @internal
 */
export const toggle = (name: string, description: string): Flag.Flag<boolean> =>
  Flag.Boolean(name).pipe(Flag.withDescription(description), Flag.withDefault(false), Flag.withoutNegation)

/**
 * An optional `--NAME KEY` secret flag (kept `Redacted`, so it is never
 * printed) that falls back to the environment variable `variable`, so a key
 * need not be in argv, where `ps` shows it.
 *
 * @internal
 */
export const keyFromEnv = (
  name: string,
  variable: string,
  description: string
): Flag.Flag<Option.Option<Redacted.Redacted<string>>> =>
  Flag.Redacted(name).pipe(
    Flag.withMetavar("KEY"),
    Flag.withDescription(description),
    Flag.withFallbackConfig(Config.Redacted(variable)),
    Flag.optional
  )

/**
 * `--api-key KEY`, falling back to `POSTHOOK_API_KEY`. Optional here so the
 * command can say which of the two to set when neither is.
 *
 * @internal
 */
export const apiKey: Flag.Flag<Option.Option<Redacted.Redacted<string>>> = keyFromEnv(
  "api-key",
  "POSTHOOK_API_KEY",
  "The project's API key (pk_…). Default: $POSTHOOK_API_KEY."
)

/**
 * `--base-url URL`, falling back to `POSTHOOK_BASE_URL`, else the SDK's
 * default (`https://api.posthook.io`).
 *
 * @internal
 */
export const baseUrl: Flag.Flag<Option.Option<string>> = Flag.String("base-url").pipe(
  Flag.withMetavar("URL"),
  Flag.withDescription(
    "The Posthook API, e.g. http://127.0.0.1:8787 for `posthook dev`. Default: $POSTHOOK_BASE_URL, else https://api.posthook.io."
  ),
  Flag.withFallbackConfig(Config.String("POSTHOOK_BASE_URL")),
  Flag.optional
)

/**
 * `--json`, described for what the command prints (a result, or a stream of
 * lines).
 *
 * @internal
 */
export const jsonOutput = (description: string): Flag.Flag<boolean> => toggle("json", description)

/**
 * `--json` for commands that print one result: machine-readable JSON
 * instead of a table.
 *
 * @internal
 */
export const json: Flag.Flag<boolean> = jsonOutput("Print JSON instead of a table (for scripts).")

/**
 * `--retries N`, described for what the retries apply to.
 *
 * @internal
 */
export const retries = (description: string): Flag.Flag<Option.Option<number>> =>
  optionalInteger("retries", description)

/**
 * `--retry-delay SECONDS`, described for what the delay applies to.
 *
 * @internal
 */
export const retryDelay = (description: string): Flag.Flag<Option.Option<number>> =>
  optionalInteger("retry-delay", description, "SECONDS")

/**
 * The connection flags, to spread into a command's config.
 *
 * @internal
 */
export const connection = { apiKey, baseUrl } as const

/**
 * What {@link connection} parses to.
 *
 * @internal
 */
export interface Connection {
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
  readonly baseUrl: Option.Option<string>
}

/**
 * The flags of a command that makes one REST call and prints its result:
 * the connection, then `--json`. To spread first into the command's config,
 * so every such command lists them first and alike.
 *
 * @internal
 */
export const rest = { ...connection, json } as const
