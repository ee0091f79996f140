import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as TimeZone from "../../src/server/TimeZone.js"

const utc = (millis: number) => new Date(millis).toISOString()

/** Checks that the wall time `local` in `zone` resolves to the instant `expected` (an ISO text in UTC). */
const expectResolves = (local: string, zone: string, expected: string) =>
  expect(Result.map(TimeZone.resolveLocal(local, zone), utc)).toEqual(Result.succeed(expected))

/** The wall time `date` shows in `zone`, as `YYYY-MM-DDTHH:mm:ss`. */
const wallTime = (zone: string, date: Date) =>
  new Intl.DateTimeFormat("sv-SE", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23"
  }).format(date).replace(" ", "T")

describe("TimeZone.resolveLocal (DST rules)", () => {
  it("America/New_York: a spring-forward gap moves forward by the gap", () => {
    // 2026-03-08: clocks jump from 02:00 EST to 03:00 EDT.
    expectResolves("2026-03-08T02:00:00", "America/New_York", "2026-03-08T07:00:00.000Z")
    expectResolves("2026-03-08T02:59:59", "America/New_York", "2026-03-08T07:59:59.000Z")
    expectResolves("2026-03-08T01:59:59", "America/New_York", "2026-03-08T06:59:59.000Z")
  })

  it("America/New_York: an ambiguous fall-back time takes the earlier instant", () => {
    // 2026-11-01: 01:00–01:59 happens twice (EDT, then EST).
    expectResolves("2026-11-01T01:00:00", "America/New_York", "2026-11-01T05:00:00.000Z")
    expectResolves("2026-11-01T02:00:00", "America/New_York", "2026-11-01T07:00:00.000Z")
  })

  it("other zones follow the same rules", () => {
    expectResolves("2026-03-29T02:30:00", "Europe/Berlin", "2026-03-29T01:30:00.000Z")
    expectResolves("2026-10-25T02:30:00", "Europe/Berlin", "2026-10-25T00:30:00.000Z")
    expectResolves("2026-06-15T09:00:00", "Asia/Kolkata", "2026-06-15T03:30:00.000Z")
  })

  it.prop(
    "away from transitions, the instant shows the same wall time in the zone",
    [
      Schema.Int.check(
        Schema.isBetween({ minimum: Date.parse("2000-01-01T00:00:00Z"), maximum: Date.parse("2040-12-31T00:00:00Z") })
      ),
      Schema.Literals(["America/New_York", "Europe/London", "Australia/Sydney", "UTC", "Asia/Tokyo"])
    ],
    ([millis, zone]) => {
      const date = new Date(millis)
      const wall = wallTime(zone, new Date(Math.floor(date.getTime() / 1000) * 1000))
      const resolved = TimeZone.resolveLocal(wall, zone)
      expect(Result.isSuccess(resolved)).toBe(true)
      if (Result.isFailure(resolved)) return
      // An ambiguous wall time may resolve to the other (earlier) instant; it must still show `wall`.
      const shown = wallTime(zone, new Date(resolved.success))
      expect(shown).toBe(wall)
    }
  )

  it("refuses malformed times and unknown zones", () => {
    expect(Result.isFailure(TimeZone.resolveLocal("2026-02-30T09:00:00", "UTC"))).toBe(true)
    expect(Result.isFailure(TimeZone.resolveLocal("2026-03-01 09:00:00", "UTC"))).toBe(true)
    expect(Result.isFailure(TimeZone.resolveLocal("2026-03-01T09:00:00", "Mars/Olympus_Mons"))).toBe(true)
    expect(Result.isFailure(TimeZone.resolveLocal("2026-03-01T09:00:00", "+02:00"))).toBe(true)
    expect(TimeZone.isZoneName("Europe/Paris")).toBe(true)
    expect(TimeZone.isZoneName("Europe/Atlantis")).toBe(false)
  })
})

describe("TimeZone.parseInstant / formatInstant", () => {
  it("parses offsets and fractions, formats whole seconds without them", () => {
    expect(TimeZone.parseInstant("2026-06-15T12:00:00+02:00", "postAt")).toEqual(
      Result.succeed(Date.parse("2026-06-15T10:00:00Z"))
    )
    expect(TimeZone.parseInstant("2026-06-15T10:00:00.250Z", "postAt")).toEqual(
      Result.succeed(Date.parse("2026-06-15T10:00:00.250Z"))
    )
    expect(Result.isFailure(TimeZone.parseInstant("yesterday", "postAt"))).toBe(true)
    expect(TimeZone.formatInstant(Date.parse("2026-06-15T10:00:00Z"))).toBe("2026-06-15T10:00:00Z")
    expect(TimeZone.formatInstant(Date.parse("2026-06-15T10:00:00.250Z"))).toBe("2026-06-15T10:00:00.250Z")
  })
})
