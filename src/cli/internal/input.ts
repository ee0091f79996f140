/**
 * Reading values the user typed: JSON payloads (`--data '{"a":1}'` or
 * `--data @payload.json`) and comma-separated lists.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Schema from "effect/Schema"
import * as Exit from "./exit.js"

const decodeJson = Schema.decodeUnknownEffect(Schema.fromJsonString(Schema.Unknown))

/**
 * Parses a JSON value given inline or, with a leading `@`, as a file path
 * (`@-` is not special: read stdin with `--data @/dev/stdin`). Malformed JSON
 * or an unreadable file is a usage error naming `flag`.
 *
 * @internal
 */
export const jsonValue = (flag: string, input: string): Effect.Effect<unknown, Exit.CliFailure, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const text = input.startsWith("@")
      ? yield* Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(input.slice(1))).pipe(
        Effect.mapError((error) => Exit.usage(`${flag}: cannot read ${input.slice(1)}: ${error.message}`))
      )
      : input
    return yield* decodeJson(text).pipe(
      Effect.mapError((error) => Exit.usage(`${flag}: not valid JSON: ${error.message.split("\n").pop()}`))
    )
  })

/**
 * Splits repeated, comma-separated values (`--ids a,b --ids c`) into one
 * list, dropping blanks.
 *
 * @internal
 */
export const commaList = (values: ReadonlyArray<string>): ReadonlyArray<string> =>
  values.flatMap((value) => value.split(",")).map((value) => value.trim()).filter((value) => value.length > 0)
