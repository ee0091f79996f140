/**
 * `posthook dev`: run the local Posthook server until Ctrl-C.
 *
 * ```sh
 * posthook dev                                   # http://127.0.0.1:8787, in memory, keys generated
 * posthook dev --target http://127.0.0.1:3000    # HTTP deliveries go to your app
 * posthook dev --db .posthook/dev.db --api-key pk_local_dev --signing-key ph_sk_local_dev
 * posthook dev --port 0 --no-async-hooks --quota 100 --retries 2 --retry-delay 1
 * ```
 *
 * Prints where it listens, the keys (generated keys in full once, in
 * `export` lines to paste; keys you passed are never echoed), then one line
 * per event. Ctrl-C lets in-flight deliveries finish, tells WebSocket
 * listeners to go, and closes the store.
 *
 * @internal
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Dashboard from "../server/Dashboard.js"
import * as LocalPosthook from "../server/LocalPosthook.js"
import * as ServerConfig from "../server/ServerConfig.js"
import * as ServerEvent from "../server/ServerEvent.js"
import * as Exit from "./internal/exit.js"

/**
 * The port `dev` listens on unless told otherwise.
 *
 * @internal
 */
export const DEFAULT_PORT = 8787

const flags = {
  port: Options.integer("port").pipe(
    Options.withDescription(`TCP port (0 picks a free one). Default ${DEFAULT_PORT}.`),
    Options.withDefault(DEFAULT_PORT)
  ),
  host: Options.text("host").pipe(
    Options.withDescription("Interface to listen on."),
    Options.withDefault("127.0.0.1")
  ),
  target: Options.text("target").pipe(
    Options.withPseudoName("ORIGIN"),
    Options.withDescription(
      "Where HTTP deliveries go: ORIGIN + the hook's path, e.g. http://127.0.0.1:3000. Without it, only WebSocket listeners receive hooks."
    ),
    Options.optional
  ),
  db: Options.text("db").pipe(
    Options.withPseudoName("FILE"),
    Options.withDescription("Keep hooks in this SQLite file (they survive restarts). Default: in memory."),
    Options.optional
  ),
  apiKey: Options.redacted("api-key").pipe(
    Options.withPseudoName("KEY"),
    Options.withDescription("The API key clients must send. Default: generated."),
    Options.optional
  ),
  // Text, wrapped in Redacted right after parsing: @effect/cli 0.77 rejects `Options.redacted` under `Options.repeated`.
  signingKeys: Options.text("signing-key").pipe(
    Options.withPseudoName("KEY"),
    Options.withDescription("A signing key; repeat for key rotation (each delivery is signed with all). Default: generated."),
    Options.repeated,
    Options.optional,
    Options.map(Option.match({ onNone: () => [], onSome: (keys) => keys.map((key) => Redacted.make(key)) }))
  ),
  noAsyncHooks: Options.boolean("no-async-hooks").pipe(
    Options.withDescription("Turn async hooks off: no ack/nack URLs, and a 202 counts as a plain success.")
  ),
  quota: Options.integer("quota").pipe(
    Options.withDescription("Monthly hook quota; scheduling past it answers 429. Default: unlimited."),
    Options.optional
  ),
  retries: Options.integer("retries").pipe(
    Options.withDescription("Project default: retries after a failed attempt. Default 3."),
    Options.optional
  ),
  retryDelay: Options.integer("retry-delay").pipe(
    Options.withPseudoName("SECONDS"),
    Options.withDescription("Project default: seconds between retries. Default 5."),
    Options.optional
  ),
  json: Options.boolean("json").pipe(Options.withDescription("Print the start-up facts and each event as JSON lines."))
} as const

type Flags = Command.Command.ParseConfig<typeof flags>

const checkFlags = (flags: Flags): Effect.Effect<void, Exit.CliFailure> => {
  if (flags.port < 0 || flags.port > 65535) return Effect.fail(Exit.usage("--port must be from 0 to 65535"))
  if (Option.isSome(flags.target) && !/^https?:\/\/[^/]/.test(flags.target.value)) {
    return Effect.fail(Exit.usage(`--target must be an http(s) origin such as http://127.0.0.1:3000`))
  }
  if (Option.isSome(flags.quota) && flags.quota.value < 0) return Effect.fail(Exit.usage("--quota must be 0 or more"))
  if (Option.isSome(flags.retries) && flags.retries.value < 0) {
    return Effect.fail(Exit.usage("--retries must be 0 or more"))
  }
  if (Option.isSome(flags.retryDelay) && flags.retryDelay.value < 0) {
    return Effect.fail(Exit.usage("--retry-delay must be 0 or more"))
  }
  return Effect.void
}

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
      : "# POSTHOOK_API_KEY: the key you passed with --api-key",
    signingGenerated
      ? `export POSTHOOK_SIGNING_KEY=${local.signingKeys.map(Redacted.value).join(",")}`
      : "# POSTHOOK_SIGNING_KEY: the key(s) you passed with --signing-key"
  ]
  return [
    `Local Posthook listening on ${local.baseUrl}`,
    `  ${"dashboard".padEnd(11)}  ${Dashboard.url(local)}`,
    ...facts.map(([name, value]) => `  ${name.padEnd(11)}  ${value}`),
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

const eventLine = (event: ServerEvent.ServerEvent, json: boolean): string =>
  json
    ? JSON.stringify({ event: event._tag, ...event, _tag: undefined, time: new Date(event.at).toISOString() })
    : `${new Date(event.at).toISOString().slice(11, 19)}  ${ServerEvent.describe(event)}`

const describeStartError = (error: LocalPosthook.StartError): string =>
  error._tag === "StoreError"
    ? `cannot open the store: ${error.message}`
    : `cannot listen: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}`

const dev = (flags: Flags) =>
  Effect.gen(function*() {
    yield* checkFlags(flags)
    const local = yield* LocalPosthook.make(serverOptions(flags)).pipe(
      Effect.mapError((error) => Exit.usage(describeStartError(error)))
    )
    const events = yield* local.subscribe
    yield* Console.log(flags.json ? JSON.stringify(startedJson(local, flags)) : banner(local, flags))
    yield* Stream.runForEach(events, (event) => Console.log(eventLine(event, flags.json)))
  }).pipe(
    Effect.scoped,
    // Printed after the server (and its store) closed: the last line means it is safe to restart.
    Effect.onInterrupt(() => Console.log(flags.json ? JSON.stringify({ event: "stopped" }) : "Stopped.")),
    Effect.withSpan("posthook.cli.dev")
  )

/**
 * The `dev` command.
 *
 * @internal
 */
export const command = Command.make("dev", flags, dev).pipe(
  Command.withDescription("Run the local Posthook server (REST, signed HTTP delivery, WebSocket) until Ctrl-C.")
)
