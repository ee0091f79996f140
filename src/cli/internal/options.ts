/**
 * Flags shared by the commands that talk to the REST API: where Posthook is
 * (`--base-url` / `POSTHOOK_BASE_URL`), the key (`--api-key` /
 * `POSTHOOK_API_KEY`) and `--json`.
 *
 * Each command declares them itself, so they go after the command name
 * (`posthook hooks list --json`) like every other flag.
 *
 * @internal
 */
import * as Options from "@effect/cli/Options"
import * as Config from "effect/Config"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"

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
 * `--json`: print machine-readable JSON instead of a table.
 *
 * @internal
 */
export const json: Options.Options<boolean> = Options.boolean("json").pipe(
  Options.withDescription("Print JSON instead of a table (for scripts).")
)

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
