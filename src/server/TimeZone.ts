/**
 * How the local server reads the times of a schedule request: RFC 3339
 * instants (`postAt`, list filters, bulk ranges) and wall-clock times in an
 * IANA zone (`postAtLocal` + `timezone`).
 *
 * DST rules for `postAtLocal` (the same as Temporal's `"compatible"`
 * disambiguation, and as `java.time` and most schedulers):
 *
 * - a wall time that does not exist (spring-forward gap) moves forward by the
 *   length of the gap: `2026-03-08T02:30:00` in `America/New_York` is
 *   03:30 EDT (`07:30Z`);
 * - a wall time that happens twice (fall-back) takes the earlier instant:
 *   `2026-11-01T01:30:00` in `America/New_York` is 01:30 EDT (`05:30Z`),
 *   not 01:30 EST.
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import { formatUtc, normalizeRfc3339, validateLocalDateTime, validateTimeZone } from "../protocol/calendar.js"

const LOCAL_PARTS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/

/**
 * Parses an RFC 3339 timestamp (`2026-06-15T10:00:00Z`, with optional
 * fraction and a `Z` or `±HH:MM` offset) into epoch milliseconds. The rules
 * are the SDK's own (`protocol/schedule`), so client and server agree.
 *
 * @example
 * ```ts
 * import { Result } from "effect"
 * import { TimeZone } from "posthook-effect/server"
 *
 * console.log(TimeZone.parseInstant("2026-06-15T12:00:00+02:00", "postAt")) // success(1781517600000)
 * console.log(Result.isFailure(TimeZone.parseInstant("2026-06-15 10:00", "postAt"))) // true
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseInstant = (input: string, field: string): Result.Result<number, string> =>
  Result.match(normalizeRfc3339(field, input), {
    onFailure: (error) => Result.fail(error.message),
    onSuccess: (utc) => Result.succeed(Date.parse(utc))
  })

/**
 * Whether `zone` is an IANA time zone name this runtime knows
 * (`America/New_York`, `Europe/Berlin`, `UTC`). Offsets such as `+02:00` are
 * not zone names and are refused.
 *
 * @example
 * ```ts
 * import { TimeZone } from "posthook-effect/server"
 *
 * console.log(TimeZone.isZoneName("America/New_York")) // true
 * console.log(TimeZone.isZoneName("Mars/Olympus_Mons")) // false
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const isZoneName = (zone: string): boolean => Result.isSuccess(validateTimeZone("timezone", zone))

/**
 * Resolves a wall-clock time (`YYYY-MM-DDTHH:MM:SS`, no offset) in an IANA
 * zone to epoch milliseconds, with the DST rules of this module: a time in a
 * spring-forward gap moves forward by the gap; an ambiguous fall-back time
 * takes the earlier instant.
 *
 * @example
 * ```ts
 * import { TimeZone } from "posthook-effect/server"
 *
 * // 02:30 does not exist on 2026-03-08 in New York: it becomes 03:30 EDT.
 * const gap = TimeZone.resolveLocal("2026-03-08T02:30:00", "America/New_York")
 * // success(Date.parse("2026-03-08T07:30:00Z"))
 *
 * // 01:30 happens twice on 2026-11-01: the earlier one (EDT) is taken.
 * const ambiguous = TimeZone.resolveLocal("2026-11-01T01:30:00", "America/New_York")
 * // success(Date.parse("2026-11-01T05:30:00Z"))
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const resolveLocal = (localTime: string, zone: string): Result.Result<number, string> =>
  Result.gen(function*() {
    const wallClock = yield* Result.mapError(validateLocalDateTime("postAtLocal", localTime), (error) => error.message)
    const zoneName = yield* Result.mapError(validateTimeZone("timezone", zone), (error) => error.message)
    const parts = (LOCAL_PARTS.exec(wallClock) ?? []).slice(1).map(Number)
    const [year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0] = parts
    const timeZone = DateTime.zoneMakeNamed(zoneName)
    const resolved = Option.flatMap(timeZone, (timeZone) =>
      DateTime.makeZoned(
        { year, month, day, hour, minute, second },
        // "compatible": a gap moves forward by its length, a repeated time takes the earlier instant.
        { timeZone, adjustForTimeZone: true, disambiguation: "compatible" }
      ))
    return yield* Option.match(resolved, {
      onNone: () => Result.fail(`postAtLocal "${localTime}" cannot be resolved in ${zone}`),
      onSome: (zoned) => Result.succeed(DateTime.toEpochMillis(zoned))
    })
  })

/**
 * Formats epoch milliseconds as the RFC 3339 UTC string the server puts on
 * the wire: whole seconds as `2026-06-15T10:00:00Z`, otherwise with
 * milliseconds (`2026-06-15T10:00:00.250Z`).
 *
 * @example
 * ```ts
 * import { TimeZone } from "posthook-effect/server"
 *
 * console.log(TimeZone.formatInstant(0)) // "1970-01-01T00:00:00Z"
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatInstant = (millis: number): string => formatUtc(millis)
