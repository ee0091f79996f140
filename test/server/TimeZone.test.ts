import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Result, Schema } from "effect"
import { TestClock } from "effect/testing"
import * as TimeZone from "../../src/server/TimeZone.js"
import { within } from "./utils/deadline.js"
import { attemptEnd } from "./utils/events.js"
import { makeReceiver } from "./utils/receiver.js"
import { startServer } from "./utils/sdk.js"

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

  // Transitions checked against Node 22's tz data (2026c): the offset before and after each one.
  it("Australia/Sydney (southern hemisphere): clocks go forward in October and back in April", () => {
    // 2026-10-04: 02:00 AEST (+10) jumps to 03:00 AEDT (+11); 02:00–02:59 does not exist.
    expectResolves("2026-10-04T01:59:59", "Australia/Sydney", "2026-10-03T15:59:59.000Z")
    expectResolves("2026-10-04T02:30:00", "Australia/Sydney", "2026-10-03T16:30:00.000Z")
    expectResolves("2026-10-04T03:00:00", "Australia/Sydney", "2026-10-03T16:00:00.000Z")
    // 2026-04-05: 03:00 AEDT goes back to 02:00 AEST; 02:00–02:59 happens twice, the first (+11) is taken.
    expectResolves("2026-04-05T01:59:59", "Australia/Sydney", "2026-04-04T14:59:59.000Z")
    expectResolves("2026-04-05T02:30:00", "Australia/Sydney", "2026-04-04T15:30:00.000Z")
    expectResolves("2026-04-05T03:00:00", "Australia/Sydney", "2026-04-04T17:00:00.000Z")
    // Mid-winter and mid-summer: a plain +10 / +11.
    expectResolves("2026-07-01T09:00:00", "Australia/Sydney", "2026-06-30T23:00:00.000Z")
    expectResolves("2026-12-25T09:00:00", "Australia/Sydney", "2026-12-24T22:00:00.000Z")
  })

  it("America/Santiago (southern hemisphere, switches at midnight): local midnight may not exist", () => {
    // 2026-09-06: 00:00 (-04) jumps to 01:00 (-03): midnight itself is in the gap and moves to 01:00.
    expectResolves("2026-09-05T23:59:59", "America/Santiago", "2026-09-06T03:59:59.000Z")
    expectResolves("2026-09-06T00:00:00", "America/Santiago", "2026-09-06T04:00:00.000Z")
    expectResolves("2026-09-06T00:30:00", "America/Santiago", "2026-09-06T04:30:00.000Z")
    expectResolves("2026-09-06T01:00:00", "America/Santiago", "2026-09-06T04:00:00.000Z")
    // 2026-04-05: 00:00 (-03) goes back to 23:00 (-04) on the 4th: 23:00–23:59 happens twice, the first is taken.
    expectResolves("2026-04-04T22:59:59", "America/Santiago", "2026-04-05T01:59:59.000Z")
    expectResolves("2026-04-04T23:30:00", "America/Santiago", "2026-04-05T02:30:00.000Z")
    expectResolves("2026-04-05T00:00:00", "America/Santiago", "2026-04-05T04:00:00.000Z")
  })

  it("America/Havana and Asia/Beirut (switch at midnight, northern hemisphere)", () => {
    // Havana 2026-03-08: 00:00 (-05) jumps to 01:00 (-04).
    expectResolves("2026-03-07T23:59:59", "America/Havana", "2026-03-08T04:59:59.000Z")
    expectResolves("2026-03-08T00:00:00", "America/Havana", "2026-03-08T05:00:00.000Z")
    expectResolves("2026-03-08T00:59:59", "America/Havana", "2026-03-08T05:59:59.000Z")
    // Havana 2026-11-01: 01:00 (-04) goes back to 00:00 (-05): 00:00–00:59 happens twice.
    expectResolves("2026-11-01T00:00:00", "America/Havana", "2026-11-01T04:00:00.000Z")
    expectResolves("2026-11-01T00:30:00", "America/Havana", "2026-11-01T04:30:00.000Z")
    expectResolves("2026-11-01T01:00:00", "America/Havana", "2026-11-01T06:00:00.000Z")
    // Beirut 2026-03-29: 00:00 (+02) jumps to 01:00 (+03).
    expectResolves("2026-03-28T23:59:59", "Asia/Beirut", "2026-03-28T21:59:59.000Z")
    expectResolves("2026-03-29T00:00:00", "Asia/Beirut", "2026-03-28T22:00:00.000Z")
    expectResolves("2026-03-29T00:30:00", "Asia/Beirut", "2026-03-28T22:30:00.000Z")
    // Beirut 2026-10-25: 00:00 (+03) goes back to 23:00 (+02) on the 24th.
    expectResolves("2026-10-24T23:30:00", "Asia/Beirut", "2026-10-24T20:30:00.000Z")
    expectResolves("2026-10-25T00:00:00", "Asia/Beirut", "2026-10-24T22:00:00.000Z")
  })

  it.prop(
    "away from transitions, the instant shows the same wall time in the zone",
    [
      Schema.Int.check(
        Schema.isBetween({ minimum: Date.parse("2000-01-01T00:00:00Z"), maximum: Date.parse("2040-12-31T00:00:00Z") })
      ),
      Schema.Literals([
        "America/New_York",
        "Europe/London",
        "Australia/Sydney",
        "UTC",
        "Asia/Tokyo",
        "America/Santiago",
        "America/Havana",
        "Asia/Beirut"
      ])
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

describe("local-time schedules on the local server", () => {
  it.effect("a hook at a local midnight that does not exist (Santiago, spring) is due at 01:00 and delivered then", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-09-05T12:00:00Z"))
      const { hooks, local } = yield* startServer()
      const receiver = yield* makeReceiver(local.signingKeys)
      yield* local.setTargetOrigin(receiver.origin)
      const hook = yield* hooks.schedule({
        path: "/midnight",
        postAtLocal: "2026-09-06T00:00:00",
        timezone: "America/Santiago"
      })
      expect(DateTime.formatIso(hook.postAt)).toBe("2026-09-06T04:00:00.000Z")
      // 2026-09-06T03:59:59Z is 23:59:59 on the 5th in Santiago: not yet.
      yield* TestClock.setTime(Date.parse("2026-09-06T03:59:59Z"))
      expect((yield* hooks.get(hook.id)).attempts).toBe(0)
      yield* TestClock.adjust("1 second")
      const delivered = yield* attemptEnd(local, hook.id, 1).pipe(within(10_000, "the midnight delivery"))
      expect([delivered._tag, delivered.at]).toEqual(["HookDelivered", Date.parse("2026-09-06T04:00:00Z")])
    }))
})
