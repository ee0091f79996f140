/**
 * `Schema.DateTimeUtcFromString`'s decoding without the Schema interpreter,
 * for the hand-written decoders of hot paths (delivery bodies, hook frames,
 * hooks): one date reader for all of them.
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

const DIGIT_0 = 48

/** The digit `text` holds at `index`, or a number above 9 (as an unsigned value) for any other character. */
const digitAt = (text: string, index: number): number => text.charCodeAt(index) - DIGIT_0

/** Whether `digit` (from {@link digitAt}) is not 0 to 9: a character code below `0` wraps around to a large number. */
const notDigit = (digit: number): boolean => (digit >>> 0) > 9

const isLeapYear = (year: number): boolean => (year & 3) === 0 && (year % 100 !== 0 || year % 400 === 0)

/** Days in each month of a common year, 1-based. */
const MONTH_DAYS: ReadonlyArray<number> = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Days of a common year before the first of each month, 1-based. */
const DAYS_BEFORE_MONTH: ReadonlyArray<number> = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]

/** Days from the proleptic Gregorian 0000-01-01 to 1970-01-01. */
const EPOCH_DAYS = 719_528

/**
 * Epoch milliseconds of the form Posthook writes, `YYYY-MM-DDTHH:MM:SS` with
 * an optional `.f`, `.ff` or `.fff` and a final `Z`, every field in its
 * calendar range; `undefined` for any other text (then {@link decodeUtc}
 * falls back to `Date.parse` / `DateTime.make`). Read digit by digit, in
 * straight-line code: `DateTime.make` runs three regular expressions and
 * `Date` parsing per text, as much as the rest of a delivery's fields together.
 */
const canonicalUtcMillis = (text: string): number | undefined => {
  const length = text.length
  if (
    (length !== 20 && (length < 22 || length > 24)) || text.charCodeAt(length - 1) !== 90 /* Z */ ||
    text.charCodeAt(4) !== 45 /* - */ || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ || text.charCodeAt(16) !== 58
  ) return undefined
  const y0 = digitAt(text, 0)
  const y1 = digitAt(text, 1)
  const y2 = digitAt(text, 2)
  const y3 = digitAt(text, 3)
  const mo0 = digitAt(text, 5)
  const mo1 = digitAt(text, 6)
  const d0 = digitAt(text, 8)
  const d1 = digitAt(text, 9)
  const h0 = digitAt(text, 11)
  const h1 = digitAt(text, 12)
  const mi0 = digitAt(text, 14)
  const mi1 = digitAt(text, 15)
  const s0 = digitAt(text, 17)
  const s1 = digitAt(text, 18)
  if (
    notDigit(y0) || notDigit(y1) || notDigit(y2) || notDigit(y3) || notDigit(mo0) || notDigit(mo1) ||
    notDigit(d0) || notDigit(d1) || notDigit(h0) || notDigit(h1) || notDigit(mi0) || notDigit(mi1) ||
    notDigit(s0) || notDigit(s1)
  ) return undefined
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3
  const month = mo0 * 10 + mo1
  const day = d0 * 10 + d1
  const hour = h0 * 10 + h1
  const minute = mi0 * 10 + mi1
  const second = s0 * 10 + s1
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined
  const leap = isLeapYear(year)
  if (day > (month === 2 && leap ? 29 : MONTH_DAYS[month]!)) return undefined
  let millis = 0
  if (length > 20) {
    if (text.charCodeAt(19) !== 46 /* . */) return undefined
    for (let index = 20; index < length - 1; index++) {
      const digit = digitAt(text, index)
      if (notDigit(digit)) return undefined
      millis = millis * 10 + digit
    }
    millis = length === 22 ? millis * 100 : length === 23 ? millis * 10 : millis
  }
  // Whole years (with the leap days before this one), then the months and days of this one.
  const before = year - 1
  const days = year * 365 + Math.floor(before / 4) - Math.floor(before / 100) + Math.floor(before / 400) - EPOCH_DAYS +
    DAYS_BEFORE_MONTH[month]! + (leap && month > 2 ? 1 : 0) + day
  return days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis
}

/**
 * What `Schema.DateTimeUtcFromString` decodes a value to (`DateTime.make` of
 * a string, in UTC), or `undefined` where that decode would fail. The texts
 * Posthook writes are read by {@link canonicalUtcMillis}; any other text takes
 * the slower, general route.
 *
 * @internal
 */
export const decodeUtc = (value: unknown): DateTime.Utc | undefined => {
  if (typeof value !== "string") return undefined
  const canonical = canonicalUtcMillis(value)
  if (canonical !== undefined) {
    // `fromEpochSeconds` builds the value without going through a `Date`; kept only where it is exact.
    const utc = DateTime.fromEpochSeconds(canonical / 1000)
    return utc.epochMilliseconds === canonical ? utc : DateTime.makeUnsafe(canonical)
  }
  if (API_TIME.test(value)) {
    const millis = Date.parse(value)
    // An impossible date (`2026-02-30…`) is NaN here and `None` for `DateTime.make`.
    return Number.isNaN(millis) ? undefined : DateTime.makeUnsafe(millis)
  }
  const made = DateTime.make(value)
  return made._tag === "Some" ? DateTime.toUtc(made.value) : undefined
}

/**
 * {@link decodeUtc} for one date field of a stream of records (delivery
 * bodies, hook frames), remembering the last text it decoded and the value it
 * gave. Deliveries come in bursts that share times: every hook scheduled for
 * one instant has the same `postAt`, every hook created by one batch the same
 * `createdAt`. A repeated text then costs one string comparison instead of a
 * parse and DateTime's constructor. Sharing the value is safe: a
 * `DateTime.Utc` is immutable. Only texts that decoded are kept, so a bad
 * text is checked (and fails) every time.
 *
 * @internal
 */
export class LastUtc {
  private text: string | undefined = undefined
  private utc: DateTime.Utc | undefined = undefined
  decode(value: unknown): DateTime.Utc | undefined {
    if (this.text !== undefined && value === this.text) return this.utc
    const utc = decodeUtc(value)
    if (utc !== undefined && typeof value === "string") {
      this.text = value
      this.utc = utc
    }
    return utc
  }
}
