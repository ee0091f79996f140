/**
 * Generators shared by the property tests of the hand-written decoders.
 */
import { FastCheck as fc } from "effect"

/**
 * Date texts that hit every branch of a `Schema.DateTimeUtc` decode: any ISO
 * instant a `Date` can hold, and valid, zone-less, offset, impossible and
 * garbage texts.
 */
export const dateText = fc.oneof(
  fc.date({ min: new Date(-8.6e15), max: new Date(8.6e15), noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom(
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:00:00",
    "2026-01-01T00:00:00.123+02:00",
    "2026-02-30T00:00:00Z",
    "2026-01-01",
    "soon",
    "",
    "Z",
    "1767225600"
  )
)
