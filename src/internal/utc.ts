/**
 * `Schema.DateTimeUtcFromString`'s decoding without the Schema interpreter,
 * for the hand-written decoders of hot paths (delivery bodies, hooks).
 *
 * @internal
 */
import * as DateTime from "effect/DateTime"

/**
 * The form the API writes every time in: `2026-06-15T10:05:00Z`, with or
 * without fractional seconds. For such a text `DateTime.make` only reads
 * `new Date(text)` (it has a zone, `Z`), so `Date.parse` gives the same
 * instant without its zone and comment scanning (two regular expressions and
 * a few string copies per time: most of the cost of decoding a hook).
 */
const API_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/

/**
 * What `Schema.DateTimeUtcFromString` decodes a value to (`DateTime.make` of
 * a string, in UTC), or `undefined` where that decode would fail.
 *
 * @internal
 */
export const decodeUtc = (value: unknown): DateTime.Utc | undefined => {
  if (typeof value !== "string") return undefined
  if (API_TIME.test(value)) {
    const millis = Date.parse(value)
    // An impossible date (`2026-02-30…`) is NaN here and `None` for `DateTime.make`.
    return Number.isNaN(millis) ? undefined : DateTime.makeUnsafe(millis)
  }
  const made = DateTime.make(value)
  return made._tag === "Some" ? DateTime.toUtc(made.value) : undefined
}
