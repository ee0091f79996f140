/**
 * A web dashboard for the local Posthook server, served on the server's own
 * port: every hook with its attempts and payloads, live, and the actions to
 * repair them.
 *
 * - `/`: the hooks, newest first, filterable by status and path, searchable
 *   by id; updates live (server-sent events).
 * - `/hooks/:id`: one hook: its data, every attempt with the exact signed
 *   request and the answer, a `curl` to replay it, and the actions retry
 *   (failed), replay (completed), cancel and deliver now (pending); the same
 *   code paths as the REST bulk endpoints.
 * - A header with the server's configuration: target origin, WebSocket
 *   listeners, async hooks, quota, and the keys (masked, with copy buttons).
 *
 * Plain HTML, CSS and a little JavaScript served by the server itself: no
 * build step, no CDN, works offline. It answers only requests addressed to
 * `localhost`, a loopback address, an address the server listens on or the
 * server's own URL (DNS rebinding), and its actions need a header that
 * cross-site pages cannot send. When the server can be reached beyond
 * loopback (`host: "0.0.0.0"`, a LAN address, a `publicUrl` on another host),
 * it also needs a token that only {@link url} gives out.
 *
 * @since 0.1.0
 */
import * as Redacted from "effect/Redacted"
import * as Guard from "./internal/dashboard/guard.js"
import * as Paths from "./internal/dashboard/paths.js"
import * as Router from "./internal/dashboard/router.js"
import type { LocalPosthook, Routes } from "./LocalPosthook.js"

/** The token of each server whose dashboard needs one (a server is dropped with its last reference). */
const tokens = new WeakMap<object, Redacted.Redacted<string>>()

/** `?token=…` for a server whose dashboard needs it, else nothing. */
const tokenQuery = (local: object): string => {
  const token = tokens.get(local)
  return token === undefined ? "" : `?${new URLSearchParams({ [Guard.TOKEN_PARAM]: Redacted.value(token) })}`
}

/**
 * The dashboard's routes for a running server. Pass it as the server's
 * `routes` option to serve the dashboard at `/` next to the REST API.
 *
 * A server that listens on loopback only (`127.0.0.1`, `::1`, `localhost`:
 * the default) serves the dashboard to anyone on this machine, as before.
 * One that listens beyond it (`0.0.0.0`, `::`, a LAN address or name), or
 * whose `publicUrl` names another host (a tunnel forwarding to a loopback
 * port), gets a random token, new at each start: every route that shows
 * data needs it,
 * and {@link url} gives the URL that carries it (open it once; the browser
 * then keeps the token in a cookie).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Dashboard, LocalPosthook } from "posthook-effect/server"
 *
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const local = yield* LocalPosthook.make({ port: 8787, routes: Dashboard.routes })
 *   yield* Effect.log(`Dashboard: ${Dashboard.url(local)}`)
 *   yield* Effect.never
 * }))
 * ```
 *
 * @since 0.1.0
 * @category routes
 */
export const routes = (local: LocalPosthook): Routes => {
  const token = Guard.reachableBeyondLoopback(local.config.host, local.publicUrl) ? Guard.newToken() : undefined
  if (token !== undefined) tokens.set(local, token)
  return Router.make(local, token)
}

/**
 * Where the dashboard's list page is: the server's base URL with a `/`,
 * and the token (`?token=…`) when the dashboard needs one (the server
 * can be reached beyond loopback). Pass the server the dashboard was mounted on.
 * The URL is the only place the token appears: print it for the person who
 * should have it, keep it out of logs others read.
 *
 * @example
 * ```ts
 * import { Dashboard, type LocalPosthook } from "posthook-effect/server"
 *
 * declare const local: LocalPosthook.LocalPosthook
 * console.log(Dashboard.url(local)) // "http://127.0.0.1:8787/"
 * // listening on 0.0.0.0: "http://127.0.0.1:8787/?token=Zk3…"
 * ```
 *
 * @since 0.1.0
 * @category urls
 */
export const url = (local: Pick<LocalPosthook, "baseUrl">): string =>
  `${local.baseUrl}${Paths.LIST_PATH}${tokenQuery(local)}`

/**
 * Where one hook's page is (with the token, as {@link url}).
 *
 * @example
 * ```ts
 * import { Dashboard, type LocalPosthook } from "posthook-effect/server"
 *
 * declare const local: LocalPosthook.LocalPosthook
 * console.log(Dashboard.hookUrl(local, "0b7e1d1c-8f1a-4c2e-9d3b-6a5f4e3d2c1b"))
 * // "http://127.0.0.1:8787/hooks/0b7e1d1c-8f1a-4c2e-9d3b-6a5f4e3d2c1b"
 * ```
 *
 * @since 0.1.0
 * @category urls
 */
export const hookUrl = (local: Pick<LocalPosthook, "baseUrl">, id: string): string =>
  `${local.baseUrl}${Paths.hookPage(id)}${tokenQuery(local)}`

/**
 * The path prefix of the dashboard's JSON API (`/_dashboard/api`): `GET
 * overview`, `GET hooks?status&path&q&limit&offset`, `GET hooks/:id`,
 * `POST hooks/:id/{retry,replay,cancel,deliver-now}` (with the header
 * `X-Posthook-Dashboard: 1`), `GET events` (server-sent events). When the
 * dashboard needs a token, add the `?token=…` of {@link url} to each call.
 *
 * @example
 * ```ts
 * import { Dashboard, type LocalPosthook } from "posthook-effect/server"
 *
 * declare const local: LocalPosthook.LocalPosthook
 * const failed = await fetch(`${local.baseUrl}${Dashboard.API_PREFIX}/hooks?status=failed`)
 * ```
 *
 * @since 0.1.0
 * @category urls
 */
export const API_PREFIX: string = Paths.API_PREFIX
