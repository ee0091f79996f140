/**
 * `posthook hooks get <id>`: one hook, with its status and attempts.
 *
 * ```sh
 * posthook hooks get 7f1c2d3e-5b6a-4c8d-9e0f-112233445566
 * posthook hooks get 7f1c2d3e-5b6a-4c8d-9e0f-112233445566 --json | jq .status
 * ```
 *
 * @internal
 */
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Hooks from "../../Hooks.js"
import * as Client from "../internal/client.js"
import * as CliOptions from "../internal/options.js"
import * as Output from "../internal/output.js"

/**
 * The `hooks get` command.
 *
 * @internal
 */
export const command = Command.make(
  "get",
  {
    ...CliOptions.rest,
    id: Argument.String("id").pipe(Argument.withDescription("The hook's id."))
  },
  (flags) =>
    Client.run(
      "posthook.cli.hooks.get",
      flags,
      Effect.gen(function*() {
        const hooks = yield* Hooks.Hooks
        const hook = yield* hooks.get(flags.id)
        yield* flags.json ? Output.printJson(yield* Output.hookJson(hook)) : Console.log(Output.hookDetails(hook))
      })
    )
).pipe(Command.withDescription("Show one hook: status, attempts, times, payload."))
