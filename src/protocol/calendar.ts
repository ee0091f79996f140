/**
 * Calendar arithmetic for the wire's times (docs/protocol.md §1.1, §1.3):
 * checking RFC 3339 instants and rewriting them in UTC without losing
 * sub-millisecond digits, wall-clock times without offset, and IANA time
 * zone names. Pure functions returning `Result`, shared by the SDK (before
 * sending), the local server (on receipt) and the CLI.
 *
 * @internal
 */
import * as DateTime from "effect/DateTime"
import * as Result from "effect/Result"
import { ValidationError } from "../PosthookError.js"

/** A checked value, or the `ValidationError` naming the field at fault. @internal */
export type Checked<A> = Result.Result<A, ValidationError>

/** The `ValidationError` of `field`. @internal */
export const invalid = (field: string, message: string): Checked<never> =>
  Result.fail(new ValidationError({ field, message }))

/**
 * What the SDK accepts for an absolute time: a `Date`, an Effect `DateTime`,
 * or an RFC 3339 string.
 *
 * @internal
 */
export type TimeInput = Date | DateTime.DateTime | string

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate()

interface CalendarFields {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
}

/** The date and time fields of a regex match whose groups 1–6 are YYYY, MM, DD, hh, mm, ss. */
const calendarFields = (match: RegExpExecArray): CalendarFields => ({
  year: Number(match[1]),
  month: Number(match[2]),
  day: Number(match[3]),
  hour: Number(match[4]),
  minute: Number(match[5]),
  second: Number(match[6])
})

/** Whether the fields name a real wall-clock second (no Feb 30, no 24:00). */
const isCalendarValid = ({ day, hour, minute, month, second, year }: CalendarFields): boolean =>
  month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 &&
  second <= 59

/** `YYYY-MM-DDTHH:MM:SS` of an epoch-millisecond instant, in UTC. */
const utcSeconds = (epochMillis: number): string => new Date(epochMillis).toISOString().slice(0, 19)

/**
 * An instant as RFC 3339 UTC: whole seconds as `…:SSZ`, otherwise with
 * milliseconds (`…:SS.sssZ`). A fraction of a millisecond (a `TestClock`
 * moved by a jittered delay reads so) is dropped, as `Date` drops it.
 *
 * @internal
 */
export const formatUtc = (epochMillis: number): string => {
  const whole = Math.floor(epochMillis)
  const millis = ((whole % 1000) + 1000) % 1000
  return millis === 0
    ? `${utcSeconds(whole)}Z`
    : `${utcSeconds(whole)}.${String(millis).padStart(3, "0")}Z`
}

/**
 * Checks an RFC 3339 string and rewrites it in UTC (`…Z`) without a round
 * trip through `Date`: the fractional digits are copied as they are, so
 * sub-millisecond precision survives. A string already in UTC is returned
 * unchanged (apart from upper-casing `t`/`z`).
 *
 * @internal
 */
export const normalizeRfc3339 = (field: string, input: string): Result.Result<string, ValidationError> => {
  const match = RFC3339.exec(input)
  if (match === null) {
    return invalid(field, `${field} "${input}" is not an RFC 3339 time such as "2026-06-15T10:00:00Z"`)
  }
  const [, y, mo, d, h, mi, s, fraction = "", zulu, sign, offsetHours, offsetMinutes] = match
  const fields = calendarFields(match)
  if (!isCalendarValid(fields)) return invalid(field, `${field} "${input}" is not a valid date and time`)
  if (zulu !== undefined) return Result.succeed(`${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}Z`)
  const offset = Number(offsetHours) * 60 + Number(offsetMinutes)
  if (Number(offsetHours) > 23 || Number(offsetMinutes) > 59) {
    return invalid(field, `${field} "${input}" has an invalid UTC offset`)
  }
  const wallClockMillis = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second)
  const utcMillis = wallClockMillis - (sign === "-" ? -offset : offset) * 60_000
  return Result.succeed(`${utcSeconds(utcMillis)}${fraction}Z`)
}

/**
 * Any {@link TimeInput} as an RFC 3339 UTC string (`…Z`).
 *
 * @internal
 */
export const toUtcString = (field: string, input: TimeInput): Result.Result<string, ValidationError> => {
  if (typeof input === "string") return normalizeRfc3339(field, input)
  if (input instanceof Date) {
    const millis = input.getTime()
    return Number.isNaN(millis) ? invalid(field, `${field} is an invalid Date`) : Result.succeed(formatUtc(millis))
  }
  if (DateTime.isDateTime(input)) return Result.succeed(formatUtc(DateTime.toEpochMillis(input)))
  return invalid(field, `${field} must be a Date, a DateTime or an RFC 3339 string`)
}

/**
 * Checks a wall-clock time without offset, `YYYY-MM-DDTHH:MM:SS`.
 *
 * @internal
 */
export const validateLocalDateTime = (field: string, input: unknown): Result.Result<string, ValidationError> => {
  const match = typeof input === "string" ? LOCAL_DATE_TIME.exec(input) : null
  if (typeof input !== "string" || match === null) {
    return invalid(
      field,
      `${field} must be a local date and time without offset, "YYYY-MM-DDTHH:MM:SS" (e.g. "2026-03-01T09:00:00")`
    )
  }
  return isCalendarValid(calendarFields(match))
    ? Result.succeed(input)
    : invalid(field, `${field} "${input}" is not a valid date and time`)
}

/** IANA names are words separated by `/`; this keeps out offsets such as `+05:00`. */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/

/**
 * Checks an IANA time zone name with the runtime's `Intl` data and returns its
 * canonical spelling (`america/new_york` → `America/New_York`).
 *
 * @internal
 */
export const validateTimeZone = (field: string, input: unknown): Result.Result<string, ValidationError> => {
  if (typeof input !== "string" || !IANA_NAME.test(input)) {
    return invalid(field, `${field} must be an IANA time zone such as "America/New_York"`)
  }
  const canonical = canonicalTimeZone(input)
  return canonical === undefined
    ? invalid(field, `${field} "${input}" is not a known IANA time zone`)
    : Result.succeed(canonical)
}

/**
 * Canonical spellings of the zones already checked. Building an
 * `Intl.DateTimeFormat` costs tens of microseconds, and most callers use a
 * handful of zones. Only known zones are kept, and at most
 * `MAX_CACHED_ZONES` spellings, so input from a server's clients cannot
 * grow it without bound.
 */
const canonicalZones = new Map<string, string>()
const MAX_CACHED_ZONES = 1024

/** The canonical spelling of a zone `Intl` knows, or `undefined`. */
const canonicalTimeZone = (name: string): string | undefined => {
  const cached = canonicalZones.get(name)
  if (cached !== undefined) return cached
  let canonical: string
  try {
    canonical = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone
  } catch {
    return undefined
  }
  if (canonicalZones.size < MAX_CACHED_ZONES) canonicalZones.set(name, canonical)
  return canonical
}
