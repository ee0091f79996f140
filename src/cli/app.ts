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
 * `main.ts` (the bin) loads this module once it knows `@effect/platform-node`
 * is installed; running it starts the command line.
 *
 * @internal
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Cause from "effect/Cause"
import * as CliConfig from "effect/cli/CliConfig"
import * as CliError from "effect/cli/CliError"
import * as CliOutput from "effect/cli/CliOutput"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as GlobalFlag from "effect/cli/GlobalFlag"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as Terminal from "../internal/terminal.js"
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

/**
 * Help goes to stdout; `--version` prints the bare version (`0.2.0`), as it
 * always did, for scripts. A command line that does not parse prints its
 * errors as `error: …` lines on stderr, like every other failure, and where
 * to find the usage; stdout stays empty.
 */
const presenter: CliOutput.Presenter = {
  present: (event) => {
    switch (event._tag) {
      case "InvalidInvocation":
        return Console.error(
          [
            ...event.errors.map((error) => `error: ${Terminal.escapeLines(error.message)}`),
            `Run \`${event.commandPath.join(" ")} --help\` for usage.`
          ].join("\n")
        )
      case "Version":
        return Console.log(event.version)
      case "Help":
        return CliOutput.defaultPresenter.present(event)
    }
  }
}

/**
 * `--version` without the `-v` short form effect/cli gives it: `-v` is
 * `posthook listen --verbose`, as it always was.
 */
const version = GlobalFlag.Action({
  flag: Flag.Boolean("version").pipe(
    Flag.withDescription("Show version information"),
    Flag.withDefault(false),
    Flag.withoutNegation
  ),
  run: GlobalFlag.Version.run
})

/** The built-in global flags: `--help`/`-h`, `--version`, `--wizard`, `--completions`, `--log-level`. */
const builtIns: ReadonlyArray<GlobalFlag.BuiltIn> = GlobalFlag.BuiltIns.map((flag) =>
  flag === GlobalFlag.Version ? version : flag
)

const cli = Command.run(command, { version: VERSION })

/**
 * Runs the command line (arguments from `process.argv`) and resolves to the
 * exit code. A `CliFailure` is printed as `error: …`; a command line that
 * does not parse was already reported by the parser; anything else is a
 * bug, printed in full.
 *
 * @internal
 */
export const run: Effect.Effect<ExitCode> = cli.pipe(
  Effect.as(ExitCode.Ok),
  Effect.catch((error) =>
    error instanceof CliFailure
      ? Effect.as(Console.error(`error: ${Terminal.escapeLines(error.message)}`), error.exitCode)
      : CliError.isCliError(error)
      ? Effect.succeed(ExitCode.Usage)
      : Effect.as(Console.error(`error: ${Terminal.escapeLines(String(error))}`), ExitCode.Usage)
  ),
  Effect.catchDefect((defect) =>
    Effect.as(Console.error(`error: unexpected failure (a bug in posthook)\n${Cause.pretty(Cause.die(defect))}`), ExitCode.Usage)
  ),
  Effect.provide(NodeServices.layer),
  Effect.provideService(CliOutput.Presenter, presenter),
  Effect.provideService(CliConfig.CliConfig, CliConfig.make({ builtIns })),
  // Logs (the SDK's warnings, `--log-level debug` traces) go to stderr.
  Effect.provideService(Logger.LogToStderr, true)
)

NodeRuntime.runMain(run, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) {
      const code = exit.value
      onExit(typeof code === "number" ? code : ExitCode.Usage)
    } else {
      // Interrupted (Ctrl-C): a clean stop.
      onExit(Cause.hasInterruptsOnly(exit.cause) ? ExitCode.Ok : ExitCode.Usage)
    }
  }
})
