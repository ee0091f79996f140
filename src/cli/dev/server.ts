/**
 * The half of `posthook dev` that needs the local server: starting it,
 * the banner, one line per event.
 *
 * `dev.ts` loads this module with a dynamic `import()` once the flags are
 * checked, so the server's modules (HTTP server, store, dashboard, SQLite)
 * are loaded by `posthook dev` only and every other command starts without
 * them. Import it from nowhere else, and import nothing from it statically.
 *
 * @internal
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Terminal from "../../internal/terminal.js"
import * as Dashboard from "../../server/Dashboard.js"
import * as LocalPosthook from "../../server/LocalPosthook.js"
import * as ServerConfig from "../../server/ServerConfig.js"
import * as ServerEvent from "../../server/ServerEvent.js"
import type { Flags } from "../dev.js"
import * as Exit from "../internal/exit.js"

const serverOptions = (flags: Flags): LocalPosthook.Options => ({
  port: flags.port,
  host: flags.host,
  targetOrigin: Option.getOrUndefined(flags.target),
  store: Option.match(flags.db, { onNone: () => "memory" as const, onSome: (sqlite) => ({ sqlite }) }),
  apiKey: Option.getOrUndefined(flags.apiKey),
  signingKeys: flags.signingKeys,
  asyncHooks: !flags.noAsyncHooks,
  quotaLimit: Option.getOrUndefined(flags.quota),
  ...(Option.isSome(flags.retries) || Option.isSome(flags.retryDelay)
    ? {
      retryPolicy: {
        minRetries: Option.getOrElse(flags.retries, () => 3),
        delaySecs: Option.getOrElse(flags.retryDelay, () => 5),
        strategy: "fixed" as const
      }
    }
    : {}),
  // The dashboard is for people at a terminal: `dev` mounts it; library and test users opt in.
  routes: Dashboard.routes,
  // This command prints the events itself, one line each.
  log: false
})

/**
 * The dashboard's URL, and why it carries a token when it does: only the
 * person at this terminal should have it (it is printed nowhere else).
 */
const dashboardLine = (local: LocalPosthook.LocalPosthook): string => {
  const url = Dashboard.url(local)
  return url.includes("?token=")
    ? `${url}  (--host is not loopback: the token is required; from another machine, use this machine's address)`
    : url
}

/** The start-up banner: where, how, and the lines to paste into the app's shell. */
const banner = (local: LocalPosthook.LocalPosthook, flags: Flags): string => {
  const keyGenerated = Option.isNone(flags.apiKey)
  const signingGenerated = flags.signingKeys.length === 0
  const signing = local.signingKeys.map(ServerConfig.maskKey).join(", ")
  const facts: ReadonlyArray<readonly [string, string]> = [
    ["store", Option.match(flags.db, { onNone: () => "memory (use --db FILE to keep hooks)", onSome: (f) => `sqlite ${f}` })],
    [
      "deliveries",
      Option.match(flags.target, {
        onNone: () => "WebSocket listeners only (no --target)",
        onSome: (origin) => `to WebSocket listeners when connected, else HTTP POST to ${origin}<path>`
      })
    ],
    ["async hooks", flags.noAsyncHooks ? "off" : "on"],
    ["quota", Option.match(flags.quota, { onNone: () => "unlimited", onSome: (n) => `${n} hooks` })],
    ["retries", `${local.config.retryPolicy.minRetries}, ${local.config.retryPolicy.delaySecs}s apart`],
    ["API key", `${ServerConfig.maskKey(local.apiKey)}${keyGenerated ? " (generated)" : ""}`],
    ["signing key", `${signing}${signingGenerated ? " (generated)" : ""}`]
  ]
  const exports = [
    `export POSTHOOK_BASE_URL=${local.baseUrl}`,
    // Generated keys exist nowhere else: show them once, to paste. Keys the user passed are never echoed.
    keyGenerated
      ? `export POSTHOOK_API_KEY=${Redacted.value(local.apiKey)}`
      : "# POSTHOOK_API_KEY: the key you passed (--api-key or $POSTHOOK_API_KEY)",
    signingGenerated
      ? `export POSTHOOK_SIGNING_KEY=${local.signingKeys.map(Redacted.value).join(",")}`
      : "# POSTHOOK_SIGNING_KEY: the key(s) you passed (--signing-key or $POSTHOOK_SIGNING_KEY)"
  ]
  return [
    `Local Posthook listening on ${local.baseUrl}`,
    `  ${"dashboard".padEnd(11)}  ${dashboardLine(local)}`,
    // --target and --db are echoed: escaped like everything else that was typed or received.
    ...facts.map(([name, value]) => `  ${name.padEnd(11)}  ${Terminal.escape(value)}`),
    "",
    "Point the SDK, `posthook listen` and `posthook hooks …` at it:",
    ...exports.map((line) => `  ${line}`),
    "",
    "Ctrl-C to stop."
  ].join("\n")
}

const startedJson = (local: LocalPosthook.LocalPosthook, flags: Flags) => ({
  event: "started",
  baseUrl: local.baseUrl,
  dashboardUrl: Dashboard.url(local),
  port: local.port,
  store: Option.match(flags.db, { onNone: () => "memory", onSome: (file) => `sqlite:${file}` }),
  targetOrigin: Option.getOrNull(flags.target),
  asyncHooks: !flags.noAsyncHooks,
  quotaLimit: Option.getOrNull(flags.quota),
  apiKey: ServerConfig.maskKey(local.apiKey),
  signingKeys: local.signingKeys.map(ServerConfig.maskKey)
})

/**
 * One event as one line. Events carry what clients sent (paths, listeners'
 * nack errors): escaped, so they can neither start a line of their own nor
 * drive the terminal. JSON stays JSON.
 */
const eventLine = (event: ServerEvent.ServerEvent, json: boolean): string =>
  Terminal.escape(
    json
      ? JSON.stringify({ event: event._tag, ...event, _tag: undefined, time: new Date(event.at).toISOString() })
      : `${new Date(event.at).toISOString().slice(11, 19)}  ${ServerEvent.describe(event)}`
  )

const describeStartError = (error: LocalPosthook.StartError): string =>
  error._tag === "StoreError"
    ? `cannot open the store: ${error.message}`
    : `cannot listen: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}`

/**
 * Starts the server (in the caller's scope), prints the banner, then one
 * line per event until interrupted. The flags were checked by `dev.ts`.
 *
 * @internal
 */
export const serve = (flags: Flags): Effect.Effect<void, Exit.CliFailure, Scope.Scope> =>
  Effect.gen(function*() {
    const local = yield* LocalPosthook.make(serverOptions(flags)).pipe(
      Effect.mapError((error) => Exit.usage(describeStartError(error)))
    )
    const events = yield* local.subscribe
    yield* Console.log(flags.json ? Terminal.escape(JSON.stringify(startedJson(local, flags))) : banner(local, flags))
    yield* Stream.runForEach(events, (event) => Console.log(eventLine(event, flags.json)))
  })
