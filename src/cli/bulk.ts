/**
 * `posthook bulk retry|replay|cancel`: act on many hooks at once, named by
 * id or selected by a time range.
 *
 * ```sh
 * posthook bulk retry --ids 7f1c…,a2b3… --ids c4d5…
 * posthook bulk replay --start-time 2026-06-01T00:00:00Z --end-time 2026-06-02T00:00:00Z --limit 500
 * posthook bulk cancel --start-time 2026-06-01T00:00:00Z --end-time 2026-07-01T00:00:00Z --limit 1000 \
 *   --endpoint-key /webhooks/deprecated
 * ```
 *
 * @internal
 */
import * as Command from "effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Hook from "../Hook.js"
import * as Hooks from "../Hooks.js"
import * as Client from "./internal/client.js"
import * as Exit from "./internal/exit.js"
import * as Input from "./internal/input.js"
import * as CliOptions from "./internal/options.js"
import * as Output from "./internal/output.js"

const flags = {
  ...CliOptions.rest,
  ids: CliOptions.repeatedText(
    "ids",
    "Hook ids, comma-separated; repeat the flag for more (at most 1000 in all).",
    "IDS"
  ),
  startTime: CliOptions.optionalText("start-time", "Filter: hooks from this RFC 3339 time…", "TIME"),
  endTime: CliOptions.optionalText("end-time", "…to this one.", "TIME"),
  limit: CliOptions.optionalInteger("limit", "Filter: act on at most this many hooks (1-1000)."),
  endpointKey: CliOptions.optionalText(
    "endpoint-key",
    "Filter: only hooks for this path, e.g. /webhooks/deprecated.",
    "PATH"
  ),
  sequenceId: CliOptions.optionalText("sequence-id", "Filter: only hooks of this sequence.")
} as const

type Flags = Command.Command.Config.Infer<typeof flags>

/** What the flags select: ids, or a filter (never both, never neither). */
type Selection =
  | { readonly _tag: "Ids"; readonly ids: ReadonlyArray<string> }
  | { readonly _tag: "Filter"; readonly filter: Hooks.BulkFilter }

const selectionOf = (flags: Flags): Effect.Effect<Selection, Exit.CliFailure> => {
  const ids = Input.commaList(flags.ids)
  const filterGiven = [flags.startTime, flags.endTime, flags.endpointKey, flags.sequenceId].some(Option.isSome) ||
    Option.isSome(flags.limit)
  if (ids.length > 0 && filterGiven) {
    return Effect.fail(Exit.usage("give either --ids or a filter (--start-time, --end-time, --limit), not both"))
  }
  if (ids.length > 0) return Effect.succeed({ _tag: "Ids", ids })
  if (!filterGiven) {
    return Effect.fail(Exit.usage("give --ids, or a filter: --start-time, --end-time and --limit"))
  }
  return Option.match(Option.all([flags.startTime, flags.endTime, flags.limit]), {
    onNone: () => Effect.fail(Exit.usage("a filter needs --start-time, --end-time and --limit")),
    onSome: ([startTime, endTime, limit]) =>
      Effect.succeed({
        _tag: "Filter",
        filter: {
          startTime,
          endTime,
          limit,
          endpointKey: Option.getOrUndefined(flags.endpointKey),
          sequenceId: Option.getOrUndefined(flags.sequenceId)
        }
      })
  })
}

type Action = "retry" | "replay" | "cancel"

const ACTIONS: Readonly<Record<Action, { readonly past: string; readonly description: string }>> = {
  retry: { past: "Retried", description: "Re-attempt failed hooks." },
  replay: { past: "Replayed", description: "Re-deliver completed hooks." },
  cancel: { past: "Cancelled", description: "Cancel pending hooks." }
}

const perform = (
  bulk: Hooks.Bulk,
  action: Action,
  selection: Selection
): Effect.Effect<Hook.BulkActionResult, Hooks.HooksError> => {
  switch (selection._tag) {
    case "Ids":
      return bulk[action](selection.ids)
    case "Filter":
      return bulk[`${action}ByFilter`](selection.filter)
  }
}

const actionCommand = (action: Action) =>
  Command.make(action, flags, (flags) =>
    Client.run(
      `posthook.cli.bulk.${action}`,
      flags,
      Effect.gen(function*() {
        const selection = yield* selectionOf(flags)
        const hooks = yield* Hooks.Hooks
        const { affected } = yield* perform(hooks.bulk, action, selection)
        yield* flags.json
          ? Output.printJson({ action, affected })
          : Console.log(`${ACTIONS[action].past} ${affected} hook${affected === 1 ? "" : "s"}.`)
      })
    )).pipe(Command.withDescription(`${ACTIONS[action].description} By --ids, or by a time-range filter.`))

/**
 * The `bulk` command group: `retry`, `replay`, `cancel`.
 *
 * @internal
 */
export const command = Command.make("bulk").pipe(
  Command.withDescription("Retry failed, replay completed or cancel pending hooks in bulk."),
  Command.withSubcommands([actionCommand("retry"), actionCommand("replay"), actionCommand("cancel")])
)
