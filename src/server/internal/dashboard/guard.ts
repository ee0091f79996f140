/**
 * The dashboard answers only the developer running the server:
 *
 * - DNS rebinding: a page on `evil.example` that re-points its name at the
 *   server's address reaches this port with `Host: evil.example`. Only
 *   requests addressed to `localhost` (or `*.localhost`), a loopback IP, an
 *   address the server listens on (for `0.0.0.0` / `::`: this machine's
 *   interface addresses), or the host of the server's own base / public URL
 *   are served.
 * - Other machines: when the server listens beyond loopback, or its public
 *   URL names another host (a tunnel to a loopback port), every route
 *   that shows data needs the dashboard's token: in the `?token=` of the URL
 *   the developer was given (a page then trades it for an HttpOnly,
 *   SameSite=Strict cookie and redirects to the same URL without it), or in
 *   that cookie. Compared in constant time; never echoed.
 * - Cross-site requests: actions and the full keys need the
 *   `X-Posthook-Dashboard` header, which a cross-origin page cannot send
 *   without a CORS preflight that this server never grants; requests the
 *   browser marks `Sec-Fetch-Site: cross-site` are refused outright.
 *
 * @internal
 */
import * as Crypto from "node:crypto"
import * as Net from "node:net"
import * as Os from "node:os"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as Redacted from "effect/Redacted"

/** The header the dashboard's script sends with every API call. @internal */
export const CSRF_HEADER = "x-posthook-dashboard"

/** The query parameter that carries the token in the URL the developer is given. @internal */
export const TOKEN_PARAM = "token"

/** Headers on every dashboard response. @internal */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY"
}

/** The page: its own script and style only, nothing inline, nothing remote. @internal */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  ...COMMON_HEADERS,
  "Content-Security-Policy": [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'"
  ].join("; ")
}

/**
 * The host name of a `Host` header value or a listening host, as a URL
 * spells it (lower case, IPv6 without brackets, IPv4 in dotted form):
 * `[::1]:8787` → `::1`, `LOCALHOST:80` → `localhost`. `undefined` for what
 * is not a host.
 *
 * @internal
 */
export const hostName = (host: string): string | undefined => {
  const trimmed = host.trim()
  if (trimmed.length === 0 || /[/?#@\\\s]/.test(trimmed)) return undefined
  // A bare IPv6 address (a listening host, an interface address) gets the brackets a URL needs.
  const authority = Net.isIPv6(trimmed) ? `[${trimmed}]` : trimmed
  try {
    const name = new URL(`http://${authority}`).hostname
    return name.startsWith("[") ? name.slice(1, -1) : name
  } catch {
    return undefined
  }
}

const urlHostName = (url: string): string | undefined => {
  try {
    return hostName(new URL(url).host)
  } catch {
    return undefined
  }
}

/**
 * `::ffff:127.0.0.1` → `127.0.0.1`: an IPv4 address written as IPv6 (a URL
 * spells it `::ffff:7f00:1`).
 */
const unmapped = (ip: string): string => {
  if (!ip.startsWith("::ffff:")) return ip
  const rest = ip.slice(7)
  if (Net.isIPv4(rest)) return rest
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(rest)
  if (hex === null) return ip
  const high = Number.parseInt(hex[1]!, 16)
  const low = Number.parseInt(hex[2]!, 16)
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`
}

/**
 * Whether `host` (a host name, or an IP address with or without brackets)
 * names this machine's loopback interface only: `localhost`, `*.localhost`,
 * 127.0.0.0/8, `::1`.
 *
 * @internal
 */
export const isLoopback = (host: string): boolean => {
  const name = hostName(host)
  if (name === undefined) return false
  if (name === "localhost" || name.endsWith(".localhost")) return true
  const ip = unmapped(name)
  return (Net.isIPv4(ip) && ip.startsWith("127.")) || ip === "::1"
}

/**
 * Whether people on other machines can reach a server that listens on
 * `listenHost` and that its clients reach at `publicUrl`: it listens beyond
 * loopback, or its public URL names another host (a tunnel, a container's
 * name forwarded to a loopback port).
 *
 * @internal
 */
export const reachableBeyondLoopback = (listenHost: string, publicUrl: string): boolean => {
  const publicHost = urlHostName(publicUrl)
  return !isLoopback(listenHost) || publicHost === undefined || !isLoopback(publicHost)
}

const UNSPECIFIED: ReadonlySet<string> = new Set(["0.0.0.0", "::", "::0", "0:0:0:0:0:0:0:0"])

/**
 * The IP addresses reachable for a server listening on `listenHost`: for
 * `0.0.0.0` / `::`, every address of this machine's interfaces (read now:
 * they change as networks come and go); else the host itself.
 *
 * @internal
 */
export const listenedNames = (listenHost: string): ReadonlyArray<string> => {
  const name = hostName(listenHost)
  if (name === undefined) return []
  if (!UNSPECIFIED.has(name)) return [name]
  const addresses: Array<string> = []
  for (const entries of Object.values(Os.networkInterfaces())) {
    for (const entry of entries ?? []) {
      const address = hostName(entry.address)
      if (address !== undefined) addresses.push(address)
    }
  }
  return addresses
}

/** Where the server is: what its own URLs name and the host it listens on. @internal */
export interface Where {
  readonly ownUrls: ReadonlyArray<string>
  readonly listenHost: string
}

/**
 * Whether a request addressed to `host` may be served: `localhost` (and
 * `*.localhost`), a loopback IP, an address the server listens on, or the
 * host of one of its own URLs. A missing `Host` (HTTP/1.0 tools) is
 * allowed: browsers always send one.
 *
 * @internal
 */
export const hostAllowed = (host: string | undefined, where: Where): boolean => {
  if (host === undefined || host.length === 0) return true
  const name = hostName(host)
  if (name === undefined) return false
  if (isLoopback(name)) return true
  if (where.ownUrls.some((url) => urlHostName(url) === name)) return true
  const ip = unmapped(name)
  return listenedNames(where.listenHost).some((listened) => listened === name || listened === ip)
}

/**
 * A new dashboard token: 192 random bits, URL- and cookie-safe.
 *
 * @internal
 */
export const newToken = (): Redacted.Redacted<string> => Redacted.make(Crypto.randomBytes(24).toString("base64url"))

/**
 * The cookie that keeps the token. Browsers share cookies between the ports
 * of a host, so the name carries the port: two servers on one machine do not
 * overwrite each other's.
 *
 * @internal
 */
export const cookieName = (port: number): string => `posthook_dashboard_${port}`

/**
 * The `Set-Cookie` value that keeps `token` for the browser session: not
 * readable by scripts, never sent by requests another site starts.
 *
 * @internal
 */
export const setCookie = (port: number, token: Redacted.Redacted<string>): string =>
  `${cookieName(port)}=${Redacted.value(token)}; Path=/; HttpOnly; SameSite=Strict`

/** The value of cookie `name` in a `Cookie` header. */
const cookieValue = (header: string | undefined, name: string): string | undefined => {
  if (header === undefined) return undefined
  for (const part of header.split(";")) {
    const equals = part.indexOf("=")
    if (equals !== -1 && part.slice(0, equals).trim() === name) return part.slice(equals + 1).trim()
  }
  return undefined
}

const digest = (text: string): Buffer => Crypto.createHash("sha256").update(text).digest()

/**
 * Whether `given` is the token: compared in constant time (hashes of equal
 * length), so the answer time tells nothing about how much of it matched.
 *
 * @internal
 */
export const tokenMatches = (given: string | undefined, token: Redacted.Redacted<string>): boolean =>
  given !== undefined && Crypto.timingSafeEqual(digest(given), digest(Redacted.value(token)))

/** The token in a URL's query (`undefined` when absent). @internal */
export const queryToken = (url: string): string | undefined => {
  const query = url.indexOf("?")
  if (query === -1) return undefined
  return new URLSearchParams(url.slice(query + 1)).get(TOKEN_PARAM) ?? undefined
}

/**
 * `url` (a request's path and query) without the token parameter: where a
 * page redirects once the token is in the cookie.
 *
 * @internal
 */
export const withoutToken = (url: string): string => {
  const query = url.indexOf("?")
  if (query === -1) return url
  const params = new URLSearchParams(url.slice(query + 1))
  params.delete(TOKEN_PARAM)
  const rest = params.toString()
  const path = url.slice(0, query)
  // Only a path on this server: `//evil.example` would be read as another host.
  const local = path.startsWith("/") && !path.startsWith("//") ? path : "/"
  return rest.length === 0 ? local : `${local}?${rest}`
}

/** What the dashboard of one server checks. @internal */
export interface Access extends Where {
  readonly port: number
  /** Required on every data route when defined (the server can be reached beyond loopback). */
  readonly token: Redacted.Redacted<string> | undefined
}

/** How a request stands with the token. @internal */
export type TokenState = "not-required" | "cookie" | "query" | "missing" | "wrong"

/**
 * Whether the request carries the token, and where. A wrong token in the
 * query counts even with a good cookie: a link with a stale token should say
 * so rather than seem to work.
 *
 * @internal
 */
export const tokenState = (request: HttpServerRequest.HttpServerRequest, access: Access): TokenState => {
  if (access.token === undefined) return "not-required"
  const inQuery = queryToken(request.url)
  if (inQuery !== undefined) return tokenMatches(inQuery, access.token) ? "query" : "wrong"
  const inCookie = cookieValue(request.headers["cookie"], cookieName(access.port))
  if (inCookie === undefined) return "missing"
  return tokenMatches(inCookie, access.token) ? "cookie" : "wrong"
}

/** A refusal: the status and the message to show. @internal */
export interface Refusal {
  readonly status: 401 | 403
  readonly message: string
}

const TOKEN_HELP =
  "This server can be reached beyond loopback, so its dashboard needs the token: open the dashboard URL that `posthook dev` printed (…/?token=…), or Dashboard.url(local) in your program."

/**
 * Why a request is refused, or `undefined` when it may go on.
 * `needsToken`: the route shows data (everything but the static script and
 * style). `needsHeader`: the request changes state or reads secrets.
 *
 * @internal
 */
export const check = (
  request: HttpServerRequest.HttpServerRequest,
  access: Access,
  options: { readonly needsToken: boolean; readonly needsHeader: boolean }
): Refusal | undefined => {
  const host = request.headers["host"]
  if (!hostAllowed(host, access)) {
    return {
      status: 403,
      message: `This dashboard only answers requests addressed to localhost, a loopback address, an address it listens on or ${
        access.ownUrls.join(" / ")
      } (this one was addressed to "${host ?? ""}"). If you reach the server by another name, start it with publicUrl set to that URL.`
    }
  }
  if (request.headers["sec-fetch-site"] === "cross-site") {
    return { status: 403, message: "Cross-site requests to the dashboard are refused." }
  }
  if (options.needsToken) {
    const state = tokenState(request, access)
    if (state === "missing") return { status: 401, message: TOKEN_HELP }
    if (state === "wrong") return { status: 401, message: `That is not this server's dashboard token. ${TOKEN_HELP}` }
  }
  if (options.needsHeader && request.headers[CSRF_HEADER] !== "1") {
    return { status: 403, message: `This endpoint is for the dashboard page: send the header "X-Posthook-Dashboard: 1".` }
  }
  return undefined
}
