/**
 * Config failures that name the setting they are about, the way Effect's own
 * `Config` readers report them (a `SchemaIssue` under a pointer to the key).
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"

/** A `SchemaError` for the setting at `path`. */
export const pointerError = (path: string, issue: SchemaIssue.Issue): Schema.SchemaError =>
  new Schema.SchemaError(new SchemaIssue.Pointer([path], issue))

/** A `Config.ConfigError` for the setting at `path`. */
export const configError = (path: string, issue: SchemaIssue.Issue): Config.ConfigError =>
  new Config.ConfigError(pointerError(path, issue))

/** A `Config.ConfigError` saying the setting at `path` is invalid, with `message`. */
export const invalidSetting = (path: string, message: string): Config.ConfigError =>
  configError(path, new SchemaIssue.InvalidValue({ message }))
