/**
 * `posthook hooks delete <id>`: cancel a pending hook by deleting it.
 * Deleting a hook that is already gone succeeds (deletion is idempotent).
 *
 * ```sh
 * posthook hooks delete 7f1c2d3e-5b6a-4c8d-9e0f-112233445566
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
 * The `hooks delete` command.
 *
 * @internal
 */
export const command = Command.make(
  "delete",
  {
    ...CliOptions.rest,
    id: Argument.String("id").pipe(Argument.withDescription("The hook's id."))
  },
  (flags) =>
    Client.run(
      "posthook.cli.hooks.delete",
      flags,
      Effect.gen(function*() {
        const hooks = yield* Hooks.Hooks
        yield* hooks.delete(flags.id)
        yield* flags.json
          ? Output.printJson({ id: flags.id, deleted: true })
          : Console.log(`Deleted ${flags.id} (or it was already gone).`)
      })
    )
).pipe(Command.withDescription("Delete (cancel) a hook. Succeeds also when it is already gone."))
