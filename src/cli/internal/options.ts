/**
 * The flags the commands share, and the builders every command declares its
 * own flags with, so a flag reads (and its help looks) the same everywhere:
 *
 * - where Posthook is (`--base-url` / `POSTHOOK_BASE_URL`) and the key
 *   (`--api-key` / `POSTHOOK_API_KEY`): {@link connection};
 * - `--json`: {@link json}, or {@link jsonOutput} for commands that stream;
 * - everything a REST command takes: {@link rest};
 * - keys (`--api-key`, `--signing-key`): {@link secret}, {@link secrets};
 * - retry settings (`--retries`, `--retry-delay`): {@link retries},
 *   {@link retryDelay}.
 *
 * Each command declares the shared flags itself, so they go after the
 * command name (`posthook hooks list --json`) like every other flag.
 *
 * @internal
 */
import * as Options from "@effect/cli/Options"
import * as Config from "effect/Config"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

/** Names the flag's value in the help (`--db FILE`) when given; the default is the value's type. */
const withPseudoName = (pseudoName: string | undefined) => <A>(options: Options.Options<A>): Options.Options<A> =>
  pseudoName === undefined ? options : Options.withPseudoName(options, pseudoName)

/**
 * An optional `--NAME VALUE` text flag.
 *
 * @internal
 */
export const optionalText = (
  name: string,
  description: string,
  pseudoName?: string
): Options.Options<Option.Option<string>> =>
  Options.text(name).pipe(withPseudoName(pseudoName), Options.withDescription(description), Options.optional)

/**
 * An optional `--NAME N` integer flag.
 *
 * @internal
 */
export const optionalInteger = (
  name: string,
  description: string,
  pseudoName?: string
): Options.Options<Option.Option<number>> =>
  Options.integer(name).pipe(withPseudoName(pseudoName), Options.withDescription(description), Options.optional)

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
): Options.Options<ReadonlyArray<string>> =>
  Options.text(name).pipe(
    Options.withPseudoName(pseudoName),
    Options.withDescription(description),
    Options.repeated,
    Options.optional,
    Options.map(Option.getOrElse((): ReadonlyArray<string> => []))
  )

/**
 * An on/off `--NAME` flag (off unless given).
 *
 * @internal
 */
export const toggle = (name: string, description: string): Options.Options<boolean> =>
  Options.boolean(name).pipe(Options.withDescription(description))

/**
 * An optional `--NAME KEY` flag whose value is a secret: kept `Redacted`,
 * so it is never printed.
 *
 * @internal
 */
export const secret = (name: string, description: string): Options.Options<Option.Option<Redacted.Redacted<string>>> =>
  Options.redacted(name).pipe(Options.withPseudoName("KEY"), Options.withDescription(description), Options.optional)

/**
 * A repeatable `--NAME KEY` secret flag (key rotation); not given is the
 * empty list.
 *
 * @internal
 */
export const secrets = (name: string, description: string): Options.Options<ReadonlyArray<Redacted.Redacted<string>>> =>
  // Text, wrapped in Redacted right after parsing: @effect/cli 0.77 rejects `Options.redacted` under `Options.repeated`.
  repeatedText(name, description, "KEY").pipe(Options.map((keys) => keys.map((key) => Redacted.make(key))))

/**
 * `--api-key KEY`, falling back to `POSTHOOK_API_KEY`. Optional here so the
 * command can say which of the two to set when neither is.
 *
 * @internal
 */
export const apiKey: Options.Options<Option.Option<Redacted.Redacted<string>>> = Options.redacted("api-key").pipe(
  Options.withPseudoName("KEY"),
  Options.withDescription("The project's API key (pk_…). Default: $POSTHOOK_API_KEY."),
  Options.withFallbackConfig(Config.redacted("POSTHOOK_API_KEY")),
  Options.optional
)

/**
 * `--base-url URL`, falling back to `POSTHOOK_BASE_URL`, else the SDK's
 * default (`https://api.posthook.io`).
 *
 * @internal
 */
export const baseUrl: Options.Options<Option.Option<string>> = Options.text("base-url").pipe(
  Options.withPseudoName("URL"),
  Options.withDescription(
    "The Posthook API, e.g. http://127.0.0.1:8787 for `posthook dev`. Default: $POSTHOOK_BASE_URL, else https://api.posthook.io."
  ),
  Options.withFallbackConfig(Config.string("POSTHOOK_BASE_URL")),
  Options.optional
)

/**
 * `--json`, described for what the command prints (a result, or a stream of
 * lines).
 *
 * @internal
 */
export const jsonOutput = (description: string): Options.Options<boolean> => toggle("json", description)

/**
 * `--json` for commands that print one result: machine-readable JSON
 * instead of a table.
 *
 * @internal
 */
export const json: Options.Options<boolean> = jsonOutput("Print JSON instead of a table (for scripts).")

/**
 * `--retries N`, described for what the retries apply to.
 *
 * @internal
 */
export const retries = (description: string): Options.Options<Option.Option<number>> =>
  optionalInteger("retries", description)

/**
 * `--retry-delay SECONDS`, described for what the delay applies to.
 *
 * @internal
 */
export const retryDelay = (description: string): Options.Options<Option.Option<number>> =>
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
