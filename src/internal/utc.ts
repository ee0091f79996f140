/**
 * `Schema.DateTimeUtcFromString`'s decoding without the Schema interpreter,
 * for the hand-written decoders of hot paths (delivery bodies, hooks).
 *
 * @internal
 */
import * as DateTime from "effect/DateTime"

/**
 * What `Schema.DateTimeUtcFromString` decodes a value to (`DateTime.make` of
 * a string, in UTC), or `undefined` where that decode would fail.
 *
 * @internal
 */
export const decodeUtc = (value: unknown): DateTime.Utc | undefined => {
  if (typeof value !== "string") return undefined
  const made = DateTime.make(value)
  return made._tag === "Some" ? DateTime.toUtc(made.value) : undefined
}
