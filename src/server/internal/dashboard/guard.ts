/**
 * The dashboard answers only the local developer's browser:
 *
 * - DNS rebinding: a page on `evil.example` that re-points its name at
 *   127.0.0.1 reaches this port with `Host: evil.example`. Only requests
 *   addressed to `localhost`, an IP literal, or the host of the server's own
 *   base / public URL are served.
 * - Cross-site requests: actions and the full keys need the
 *   `X-Posthook-Dashboard` header, which a cross-origin page cannot send
 *   without a CORS preflight that this server never grants; requests the
 *   browser marks `Sec-Fetch-Site: cross-site` are refused outright.
 *
 * @internal
 */
import * as Net from "node:net"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"

/** The header the dashboard's script sends with every API call. @internal */
export const CSRF_HEADER = "x-posthook-dashboard"

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

/** The host name of a `Host` header value (`[::1]:8787` → `::1`, `LOCALHOST:80` → `localhost`). @internal */
export const hostName = (host: string): string => {
  const trimmed = host.trim().toLowerCase()
  if (trimmed.startsWith("[")) {
    const end = trimmed.indexOf("]")
    return end === -1 ? trimmed : trimmed.slice(1, end)
  }
  const colon = trimmed.lastIndexOf(":")
  return colon === -1 ? trimmed : trimmed.slice(0, colon)
}

const urlHostName = (url: string): string | undefined => {
  try {
    return hostName(new URL(url).host)
  } catch {
    return undefined
  }
}

/**
 * Whether a request addressed to `host` may be served: `localhost` (and
 * `*.localhost`), any IP literal, or the host of one of `ownUrls`. A missing
 * `Host` (HTTP/1.0 tools) is allowed: browsers always send one.
 *
 * @internal
 */
export const hostAllowed = (host: string | undefined, ownUrls: ReadonlyArray<string>): boolean => {
  if (host === undefined || host.length === 0) return true
  const name = hostName(host)
  if (name === "localhost" || name.endsWith(".localhost") || Net.isIP(name) !== 0) return true
  return ownUrls.some((url) => urlHostName(url) === name)
}

/**
 * Why a request is refused, or `undefined` when it may go on. `needsHeader`:
 * the request changes state or reads secrets.
 *
 * @internal
 */
export const check = (
  request: HttpServerRequest.HttpServerRequest,
  ownUrls: ReadonlyArray<string>,
  needsHeader: boolean
): string | undefined => {
  const host = request.headers["host"]
  if (!hostAllowed(host, ownUrls)) {
    return `This dashboard only answers requests addressed to localhost, an IP address or ${
      ownUrls.join(" / ")
    } (this one was addressed to "${host ?? ""}"). If you reach the server by another name, start it with publicUrl set to that URL.`
  }
  if (request.headers["sec-fetch-site"] === "cross-site") {
    return "Cross-site requests to the dashboard are refused."
  }
  if (needsHeader && request.headers[CSRF_HEADER] !== "1") {
    return `This endpoint is for the dashboard page: send the header "X-Posthook-Dashboard: 1".`
  }
  return undefined
}
