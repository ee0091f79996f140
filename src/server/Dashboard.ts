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
 * `localhost`, an IP address or the server's own URL (DNS rebinding), and its
 * actions need a header that cross-site pages cannot send.
 *
 * @since 0.1.0
 */
import * as Paths from "./internal/dashboard/paths.js"
import * as Router from "./internal/dashboard/router.js"
import type { LocalPosthook, Routes } from "./LocalPosthook.js"

/**
 * The dashboard's routes for a running server. Pass it as the server's
 * `routes` option to serve the dashboard at `/` next to the REST API.
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
export const routes = (local: LocalPosthook): Routes => Router.make(local)

/**
 * Where the dashboard's list page is: the server's base URL with a `/`.
 *
 * @example
 * ```ts
 * import { Dashboard, type LocalPosthook } from "posthook-effect/server"
 *
 * declare const local: LocalPosthook.LocalPosthook
 * console.log(Dashboard.url(local)) // "http://127.0.0.1:8787/"
 * ```
 *
 * @since 0.1.0
 * @category urls
 */
export const url = (local: Pick<LocalPosthook, "baseUrl">): string => `${local.baseUrl}${Paths.LIST_PATH}`

/**
 * Where one hook's page is.
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
  `${local.baseUrl}${Paths.hookPage(id)}`

/**
 * The path prefix of the dashboard's JSON API (`/_dashboard/api`): `GET
 * overview`, `GET hooks?status&path&q&limit&offset`, `GET hooks/:id`,
 * `POST hooks/:id/{retry,replay,cancel,deliver-now}` (with the header
 * `X-Posthook-Dashboard: 1`), `GET events` (server-sent events).
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
