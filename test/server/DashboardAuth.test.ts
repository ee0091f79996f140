/**
 * Who the dashboard answers (issue 13, item 6), against real servers on
 * real sockets: on loopback, anyone on this machine, as before, but only
 * through loopback names; beyond loopback (`0.0.0.0`), only with the token
 * of `Dashboard.url`, which a page trades for an HttpOnly, SameSite=Strict
 * cookie; the Host check accepts the addresses the server listens on, not
 * any IP literal.
 */
import * as Os from "node:os"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Dashboard from "../../src/server/Dashboard.js"
import * as Guard from "../../src/server/internal/dashboard/guard.js"
import type * as LocalPosthook from "../../src/server/LocalPosthook.js"
import { DASHBOARD_HEADER, openEvents, request, startDashboard } from "./utils/dashboard.js"

const UNKNOWN_ID = "0b7e1d1c-8f1a-4c2e-9d3b-6a5f4e3d2c1b"

/** A documentation address (RFC 5737): never one of this machine's. */
const FOREIGN_IP = "203.0.113.7"

/** This machine's first non-loopback IPv4 address, if it has one. */
const lanAddress = (): string | undefined =>
  Object.values(Os.networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .find((entry) => entry.family === "IPv4" && !entry.internal)?.address

const tokenOf = (local: LocalPosthook.LocalPosthook): string => new URL(Dashboard.url(local)).searchParams.get("token") ?? ""

const cookieFor = (local: LocalPosthook.LocalPosthook) => ({ Cookie: `${Guard.cookieName(local.port)}=${tokenOf(local)}` })

describe("Dashboard on loopback", () => {
  it.live("needs no token; answers loopback names and its own URL, not any IP literal", () =>
    Effect.gen(function*() {
      const { local } = yield* startDashboard()
      expect(Dashboard.url(local)).toBe(`${local.baseUrl}/`)
      const statusFor = (host: string) =>
        Effect.map(request(local, "GET", `${Dashboard.API_PREFIX}/overview`, { Host: host }), (answer) => answer.status)
      expect(yield* statusFor(`127.0.0.1:${local.port}`)).toBe(200)
      expect(yield* statusFor(`localhost:${local.port}`)).toBe(200)
      expect(yield* statusFor(`app.localhost:${local.port}`)).toBe(200)
      expect(yield* statusFor(`[::1]:${local.port}`)).toBe(200)
      // Any IP literal used to pass: a rebinding page on a LAN address or another IP must not.
      expect(yield* statusFor(`${FOREIGN_IP}:${local.port}`)).toBe(403)
      expect(yield* statusFor(`10.1.2.3:${local.port}`)).toBe(403)
      expect(yield* statusFor("evil.example")).toBe(403)
      const keys = yield* request(local, "GET", `${Dashboard.API_PREFIX}/keys`, DASHBOARD_HEADER)
      expect(keys.status).toBe(200)
    }))
})

describe("Dashboard beyond loopback (host 0.0.0.0)", () => {
  it.live("every data route needs the token; the keys are not reachable without it", () =>
    Effect.gen(function*() {
      const { local } = yield* startDashboard({ host: "0.0.0.0" })
      const token = tokenOf(local)
      expect(token.length).toBeGreaterThanOrEqual(32)
      expect(Dashboard.hookUrl(local, UNKNOWN_ID)).toBe(`${local.baseUrl}/hooks/${UNKNOWN_ID}?token=${token}`)

      const api = Dashboard.API_PREFIX
      const refused = yield* Effect.all([
        request(local, "GET", "/"),
        request(local, "GET", `/hooks/${UNKNOWN_ID}`),
        request(local, "GET", `${api}/overview`),
        request(local, "GET", `${api}/hooks`),
        request(local, "GET", `${api}/hooks/${UNKNOWN_ID}`),
        request(local, "POST", `${api}/hooks/${UNKNOWN_ID}/retry`, DASHBOARD_HEADER),
        request(local, "GET", `${api}/keys`, DASHBOARD_HEADER),
        request(local, "GET", `${api}/events`),
        request(local, "GET", `${api}/keys?token=not-the-token`, DASHBOARD_HEADER),
        request(local, "GET", `${api}/keys`, { ...DASHBOARD_HEADER, Cookie: `${Guard.cookieName(local.port)}=wrong` })
      ])
      expect(refused.map((answer) => answer.status)).toEqual(Array(refused.length).fill(401))
      const apiKey = Redacted.value(local.apiKey)
      expect(refused.filter((answer) => answer.text.includes(apiKey) || answer.text.includes(token))).toHaveLength(0)
      expect(refused[0]!.text).toContain("needs the token")

      // The script and the style show no data.
      expect((yield* request(local, "GET", "/_dashboard/app.js")).status).toBe(200)

      // The token in the query or the cookie opens every route.
      const keys = yield* request(local, "GET", `${api}/keys?token=${token}`, DASHBOARD_HEADER)
      expect(keys.status).toBe(200)
      expect(keys.json).toMatchObject({ apiKey })
      const withCookie = yield* Effect.all([
        request(local, "GET", "/", cookieFor(local)),
        request(local, "GET", `${api}/overview`, cookieFor(local)),
        request(local, "GET", `${api}/keys`, { ...DASHBOARD_HEADER, ...cookieFor(local) })
      ])
      expect(withCookie.map((answer) => answer.status)).toEqual([200, 200, 200])
      const events = yield* openEvents(local, cookieFor(local))
      expect(events.status).toBe(200)
      // The token opens no action by itself: the dashboard header is still needed.
      const noHeader = yield* request(local, "POST", `${api}/hooks/${UNKNOWN_ID}/retry`, cookieFor(local))
      expect(noHeader.status).toBe(403)
    }))

  it.live("a page opened with ?token= sets an HttpOnly, SameSite=Strict cookie and redirects to the clean URL", () =>
    Effect.gen(function*() {
      const { local } = yield* startDashboard({ host: "0.0.0.0" })
      const token = tokenOf(local)
      const opened = yield* request(local, "GET", `/?status=failed&token=${token}`)
      expect(opened.status).toBe(303)
      expect(opened.headers.location).toBe("/?status=failed")
      const cookie = opened.headers["set-cookie"]?.[0] ?? ""
      expect(cookie.startsWith(`${Guard.cookieName(local.port)}=${token};`)).toBe(true)
      expect(cookie).toContain("HttpOnly")
      expect(cookie).toContain("SameSite=Strict")
      expect(cookie).toContain("Path=/")

      const hookPage = yield* request(local, "GET", `/hooks/${UNKNOWN_ID}?token=${token}`)
      expect(hookPage.status).toBe(303)
      expect(hookPage.headers.location).toBe(`/hooks/${UNKNOWN_ID}`)

      const wrong = yield* request(local, "GET", `/?token=${token}x`)
      expect(wrong.status).toBe(401)
      expect(wrong.headers["set-cookie"]).toBeUndefined()
    }))

  it.live("answers the addresses it listens on (this machine's interfaces), not any IP literal", () =>
    Effect.gen(function*() {
      const { local } = yield* startDashboard({ host: "0.0.0.0" })
      const statusFor = (host: string, headers: Record<string, string> = cookieFor(local)) =>
        Effect.map(request(local, "GET", `${Dashboard.API_PREFIX}/overview`, { ...headers, Host: host }), (a) => a.status)
      expect(yield* statusFor(`localhost:${local.port}`)).toBe(200)
      expect(yield* statusFor(`${FOREIGN_IP}:${local.port}`)).toBe(403)
      expect(yield* statusFor(`evil.example:${local.port}`)).toBe(403)
      const lan = lanAddress()
      if (lan === undefined) return
      // Over a real connection to the LAN address: the keys need the token there too.
      const overLan = { baseUrl: `http://${lan}:${local.port}` }
      const keysWithout = yield* request(overLan, "GET", `${Dashboard.API_PREFIX}/keys`, DASHBOARD_HEADER)
      expect(keysWithout.status).toBe(401)
      const keysWith = yield* request(overLan, "GET", `${Dashboard.API_PREFIX}/keys`, {
        ...DASHBOARD_HEADER,
        ...cookieFor(local)
      })
      expect(keysWith.status).toBe(200)
    }))

  it.live("a server listening on one LAN address answers that address, and needs the token", () =>
    Effect.gen(function*() {
      const lan = lanAddress()
      if (lan === undefined) return
      const { local } = yield* startDashboard({ host: lan })
      expect(tokenOf(local).length).toBeGreaterThanOrEqual(32)
      const withoutToken = yield* request(local, "GET", `${Dashboard.API_PREFIX}/overview`)
      expect(withoutToken.status).toBe(401)
      const overview = yield* request(local, "GET", `${Dashboard.API_PREFIX}/overview`, cookieFor(local))
      expect(overview.status).toBe(200)
      const foreign = yield* request(local, "GET", `${Dashboard.API_PREFIX}/overview`, {
        ...cookieFor(local),
        Host: `${FOREIGN_IP}:${local.port}`
      })
      expect(foreign.status).toBe(403)
    }))
})

describe("Dashboard behind a public URL on another host (a tunnel to loopback)", () => {
  it.live("needs the token, though the server listens on loopback", () =>
    Effect.gen(function*() {
      const { local } = yield* startDashboard({ publicUrl: "https://tunnel.example" })
      const token = tokenOf(local)
      expect(token.length).toBeGreaterThanOrEqual(32)
      const viaTunnel = { ...DASHBOARD_HEADER, Host: "tunnel.example" }
      const keys = yield* request(local, "GET", `${Dashboard.API_PREFIX}/keys`, viaTunnel)
      expect(keys.status).toBe(401)
      const withToken = yield* request(local, "GET", `${Dashboard.API_PREFIX}/keys?token=${token}`, viaTunnel)
      expect(withToken.status).toBe(200)
    }))

  it("a public URL on loopback needs no token", () => {
    expect(Guard.reachableBeyondLoopback("127.0.0.1", "http://localhost:8787")).toBe(false)
    expect(Guard.reachableBeyondLoopback("127.0.0.1", "http://[::1]:8787")).toBe(false)
    expect(Guard.reachableBeyondLoopback("127.0.0.1", "https://tunnel.example")).toBe(true)
    expect(Guard.reachableBeyondLoopback("0.0.0.0", "http://127.0.0.1:8787")).toBe(true)
  })
})

describe("Dashboard guard helpers", () => {
  it("loopback hosts", () => {
    expect(["127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost", "LOCALHOST", "a.localhost", "::ffff:127.0.0.1"]
      .filter((host) => !Guard.isLoopback(host))).toEqual([])
    expect(["0.0.0.0", "::", "192.168.1.2", "example.com", "localhost.example", ""].filter(Guard.isLoopback)).toEqual([])
  })

  it("the redirect after the token stays on this server", () => {
    expect(Guard.withoutToken("/?token=a")).toBe("/")
    expect(Guard.withoutToken("/hooks/x?token=a&b=1")).toBe("/hooks/x?b=1")
    expect(Guard.withoutToken("//evil.example/?token=a")).toBe("/")
  })

  it("compares tokens whatever their length", () => {
    const token = Guard.newToken()
    expect(Guard.tokenMatches(Redacted.value(token), token)).toBe(true)
    expect(Guard.tokenMatches(`${Redacted.value(token)}x`, token)).toBe(false)
    expect(Guard.tokenMatches("", token)).toBe(false)
    expect(Guard.tokenMatches(undefined, token)).toBe(false)
  })
})
