/**
 * The `posthook` command line: `dev`, `listen`, `hooks …`, `bulk …`.
 *
 * Exit codes: 0 done, 1 usage error (bad flags, values refused before
 * anything was sent, a server that cannot start), 2 API error (Posthook or
 * the network answered with an error; its message and status are printed).
 *
 * Output for people goes to stdout; `error: …` lines and logs go to stderr,
 * so `--json` output stays parseable.
 *
 * @internal
 */
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import { VERSION } from "../internal/version.js"
import * as Bulk from "./bulk.js"
import * as Dev from "./dev.js"
import * as Hooks from "./hooks.js"
import { CliFailure, ExitCode } from "./internal/exit.js"
import * as Listen from "./listen.js"

/**
 * The root command.
 *
 * @internal
 */
export const command = Command.make("posthook").pipe(
  Command.withDescription("Posthook from the command line: run a local server, forward deliveries, manage hooks."),
  Command.withSubcommands([Dev.command, Listen.command, Hooks.command, Bulk.command])
)

const cli = Command.run(command, { name: "posthook", version: VERSION })

/** Logs (the SDK's warnings, `--log-level debug` traces) go to stderr. */
const StderrLogger = Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true }))

/**
 * Runs the command line and resolves to the exit code. A `CliFailure` is
 * printed as `error: …`; a parse error was already printed by @effect/cli;
 * anything else is a bug, printed in full.
 *
 * @internal
 */
export const run = (args: ReadonlyArray<string>): Effect.Effect<ExitCode> =>
  Effect.suspend(() => cli(args)).pipe(
    Effect.as(ExitCode.Ok),
    Effect.catchAll((error) =>
      error instanceof CliFailure
        ? Effect.as(Console.error(`error: ${error.message}`), error.exitCode)
        : ValidationError.isValidationError(error)
        ? Effect.succeed(ExitCode.Usage)
        : Effect.as(Console.error(`error: ${String(error)}`), ExitCode.Usage)
    ),
    Effect.catchAllDefect((defect) =>
      Effect.as(Console.error(`error: unexpected failure (a bug in posthook)\n${Cause.pretty(Cause.die(defect))}`), ExitCode.Usage)
    ),
    Effect.provide(NodeContext.layer),
    Effect.provide(StderrLogger)
  )

NodeRuntime.runMain(run(process.argv), {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) {
      const code = exit.value
      onExit(typeof code === "number" ? code : ExitCode.Usage)
    } else {
      // Interrupted (Ctrl-C): a clean stop.
      onExit(Cause.isInterruptedOnly(exit.cause) ? ExitCode.Ok : ExitCode.Usage)
    }
  }
})
