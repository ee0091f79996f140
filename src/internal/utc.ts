/**
 * `Schema.DateTimeUtc`'s decoding without the Schema interpreter, for the
 * hand-written decoders of hot paths (delivery bodies, hooks).
 *
 * @internal
 */
import * as DateTime from "effect/DateTime"

/**
 * What `Schema.DateTimeUtc` decodes a value to (`DateTime.unsafeMake` of a
 * string), or `undefined` where that decode would fail.
 *
 * @internal
 */
export const decodeUtc = (value: unknown): DateTime.Utc | undefined => {
  if (typeof value !== "string") return undefined
  try {
    return DateTime.unsafeMake(value)
  } catch {
    return undefined
  }
}
