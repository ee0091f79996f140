/**
 * `posthook dev`: run the local Posthook server until Ctrl-C.
 *
 * ```sh
 * posthook dev                                   # http://127.0.0.1:8787, in memory, keys generated
 * posthook dev --target http://127.0.0.1:3000    # HTTP deliveries go to your app
 * POSTHOOK_API_KEY=pk_local_dev POSTHOOK_SIGNING_KEY=ph_sk_local_dev posthook dev --db .posthook/dev.db
 * posthook dev --port 0 --no-async-hooks --quota 100 --retries 2 --retry-delay 1
 * ```
 *
 * The keys come from `--api-key` / `--signing-key`, else from
 * `POSTHOOK_API_KEY` / `POSTHOOK_SIGNING_KEY` (so a fixed key need not be in
 * argv, where `ps` shows it), else they are generated.
 *
 * Prints where it listens, the keys (generated keys in full once, in
 * `export` lines to paste; keys you passed are never echoed), then one line
 * per event. Ctrl-C lets in-flight deliveries finish, tells WebSocket
 * listeners to go, and closes the store.
 *
 * @internal
 */
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { splitSigningKeys } from "../protocol/signing.js"
import * as Exit from "./internal/exit.js"
import * as CliOptions from "./internal/options.js"

/**
 * The port `dev` listens on unless told otherwise.
 *
 * @internal
 */
export const DEFAULT_PORT = 8787

const flags = {
  port: Flag.Int("port").pipe(
    Flag.withDescription(`TCP port (0 picks a free one). Default ${DEFAULT_PORT}.`),
    Flag.withDefault(DEFAULT_PORT)
  ),
  host: Flag.String("host").pipe(
    Flag.withDescription(
      "Interface to listen on. Beyond loopback (0.0.0.0, a LAN address) the dashboard needs the token in the URL printed at start."
    ),
    Flag.withDefault("127.0.0.1")
  ),
  target: CliOptions.optionalText(
    "target",
    "Where HTTP deliveries go: ORIGIN + the hook's path, e.g. http://127.0.0.1:3000. Without it, only WebSocket listeners receive hooks.",
    "ORIGIN"
  ),
  db: CliOptions.optionalText(
    "db",
    "Keep hooks in this SQLite file (they survive restarts). Default: in memory.",
    "FILE"
  ),
  apiKey: CliOptions.keyFromEnv(
    "api-key",
    "POSTHOOK_API_KEY",
    "The API key clients must send. Default: $POSTHOOK_API_KEY, else generated."
  ).pipe(
    // An empty value (`POSTHOOK_API_KEY=`) is no key: one is generated, and shown.
    Flag.map(Option.filter((key) => Redacted.value(key).trim().length > 0))
  ),
  signingKeys: Flag.Redacted("signing-key").pipe(
    Flag.withMetavar("KEY"),
    Flag.withDescription(
      "A signing key; repeat for key rotation (each delivery is signed with all). Default: $POSTHOOK_SIGNING_KEY (keys separated by commas), else generated."
    ),
    // At least one, so that none given falls back to the variable, then to no keys.
    Flag.atLeast(1),
    Flag.withFallbackConfig(Config.Redacted("POSTHOOK_SIGNING_KEY").pipe(Config.map(splitSigningKeys))),
    Flag.withDefault<ReadonlyArray<Redacted.Redacted<string>>>([]),
    Flag.map((keys) => keys.filter((key) => Redacted.value(key).trim().length > 0))
  ),
  noAsyncHooks: CliOptions.toggle(
    "no-async-hooks",
    "Turn async hooks off: no ack/nack URLs, and a 202 counts as a plain success."
  ),
  quota: CliOptions.optionalInteger("quota", "Monthly hook quota; scheduling past it answers 429. Default: unlimited."),
  retries: CliOptions.retries("Project default: retries after a failed attempt. Default 3."),
  retryDelay: CliOptions.retryDelay("Project default: seconds between retries. Default 5."),
  json: CliOptions.jsonOutput("Print the start-up facts and each event as JSON lines.")
} as const

/**
 * What the `dev` flags parse to.
 *
 * @internal
 */
export type Flags = Command.Command.Config.Infer<typeof flags>

/** A usage error unless the optional flag `name` is absent or 0 or more. */
const nonNegative = (name: string, value: Option.Option<number>): Effect.Effect<void, Exit.CliFailure> =>
  Option.isSome(value) && value.value < 0 ? Effect.fail(Exit.usage(`${name} must be 0 or more`)) : Effect.void

const checkFlags = (flags: Flags): Effect.Effect<void, Exit.CliFailure> => {
  if (flags.port < 0 || flags.port > 65535) return Effect.fail(Exit.usage("--port must be from 0 to 65535"))
  if (Option.isSome(flags.target) && !/^https?:\/\/[^/]/.test(flags.target.value)) {
    return Effect.fail(Exit.usage(`--target must be an http(s) origin such as http://127.0.0.1:3000`))
  }
  return Effect.all([
    nonNegative("--quota", flags.quota),
    nonNegative("--retries", flags.retries),
    nonNegative("--retry-delay", flags.retryDelay)
  ], { discard: true })
}

/**
 * The server half of `dev`, loaded only now: a static import would make
 * every `posthook` command load the server's modules at start-up. tsup
 * puts it in a chunk of its own. Failing to load it is a broken install,
 * not a usage error: a defect.
 */
const loadServer = Effect.promise(() => import("./dev/server.js"))

const dev = (flags: Flags) =>
  Effect.gen(function*() {
    yield* checkFlags(flags)
    const server = yield* loadServer
    yield* server.serve(flags)
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
