/**
 * `posthook hooks list`: one page of hooks with every filter of the API, or
 * with `--all` every matching hook, page after page (oldest `postAt` first),
 * printed as each page arrives.
 *
 * ```sh
 * posthook hooks list --status failed --limit 20
 * posthook hooks list --created-at-after 2026-06-01T00:00:00Z --sort-by createdAt --sort-order DESC
 * posthook hooks list --all --status failed --json > failed.json
 * ```
 *
 * @internal
 */
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Hook from "../../Hook.js"
import * as Hooks from "../../Hooks.js"
import * as Terminal from "../../internal/terminal.js"
import * as Client from "../internal/client.js"
import * as Exit from "../internal/exit.js"
import * as CliOptions from "../internal/options.js"
import * as Output from "../internal/output.js"

const time = (name: string, description: string) => CliOptions.optionalText(name, description, "TIME")

const flags = {
  ...CliOptions.rest,
  status: Flag.Literals("status", Hook.HookStatus.literals).pipe(
    Flag.withDescription("Only hooks in this status."),
    Flag.optional
  ),
  limit: CliOptions.optionalInteger("limit", "At most this many hooks (1-1000)."),
  offset: CliOptions.optionalInteger("offset", "Skip this many hooks."),
  postAtBefore: time("post-at-before", "Only hooks due before this RFC 3339 time."),
  postAtAfter: time("post-at-after", "Only hooks due after this RFC 3339 time."),
  createdAtBefore: time("created-at-before", "Only hooks created before this RFC 3339 time."),
  createdAtAfter: time("created-at-after", "Only hooks created after this RFC 3339 time."),
  sortBy: Flag.Literals("sort-by", ["postAt", "createdAt"]).pipe(
    Flag.withDescription("Sort field."),
    Flag.optional
  ),
  sortOrder: Flag.ChoiceWithValue("sort-order", [["ASC", "ASC"], ["asc", "ASC"], ["DESC", "DESC"], [
    "desc",
    "DESC"
  ]] as const).pipe(Flag.withDescription("Sort order."), Flag.optional),
  all: CliOptions.toggle(
    "all",
    "Every matching hook, fetched page by page in postAt order (no --limit/--offset/--sort-*)."
  ),
  pageSize: CliOptions.optionalInteger("page-size", "With --all: hooks per request (1-1000, default 100).")
} as const

type Flags = Command.Command.Config.Infer<typeof flags>

const some = <A>(option: Option.Option<A>): A | undefined => Option.getOrUndefined(option)

/** Flags that make no sense with `--all` (it always pages in postAt order). */
const conflictsWithAll = (flags: Flags): ReadonlyArray<string> => {
  const given: ReadonlyArray<readonly [string, boolean]> = [
    ["--limit", Option.isSome(flags.limit)],
    ["--offset", Option.isSome(flags.offset)],
    ["--sort-by", Option.isSome(flags.sortBy)],
    ["--sort-order", Option.isSome(flags.sortOrder)]
  ]
  return given.flatMap(([name, isGiven]) => isGiven ? [name] : [])
}

const listPage = (flags: Flags) =>
  Effect.gen(function*() {
    if (Option.isSome(flags.pageSize)) return yield* Exit.usage("--page-size goes with --all")
    const hooks = yield* Hooks.Hooks
    const page = yield* hooks.list({
      status: some(flags.status),
      limit: some(flags.limit),
      offset: some(flags.offset),
      postAtBefore: some(flags.postAtBefore),
      postAtAfter: some(flags.postAtAfter),
      createdAtBefore: some(flags.createdAtBefore),
      createdAtAfter: some(flags.createdAtAfter),
      sortBy: some(flags.sortBy),
      sortOrder: some(flags.sortOrder)
    })
    if (flags.json) {
      yield* Output.printJson(yield* Effect.forEach(page, Output.hookJson))
    } else {
      yield* Output.printHookTable(page)
    }
  })

/** Prints every hook as its page arrives; `--json` writes one JSON array, element by element. */
const listAll = (flags: Flags) =>
  Effect.gen(function*() {
    const conflicts = conflictsWithAll(flags)
    if (conflicts.length > 0) return yield* Exit.usage(`--all does not take ${conflicts.join(", ")}`)
    const hooks = yield* Hooks.Hooks
    let printed = 0
    yield* hooks.listAll({
      status: some(flags.status),
      postAtBefore: some(flags.postAtBefore),
      postAtAfter: some(flags.postAtAfter),
      createdAtBefore: some(flags.createdAtBefore),
      createdAtAfter: some(flags.createdAtAfter),
      pageSize: some(flags.pageSize)
    }).pipe(
      Stream.runForEach((hook) =>
        Effect.gen(function*() {
          if (flags.json) {
            const element = Terminal.escapeLines(JSON.stringify(yield* Output.hookJson(hook), null, 2)).replace(/^/gm, "  ")
            yield* Console.log(`${printed === 0 ? "[" : ","}\n${element}`)
          } else {
            if (printed === 0) yield* Console.log(Output.hookTableHeader)
            yield* Console.log(Output.hookTableRow(hook))
          }
          printed += 1
        })
      )
    )
    if (flags.json) yield* Console.log(printed === 0 ? "[]" : "]")
    else if (printed === 0) yield* Console.log("No hooks found.")
  })

/**
 * The `hooks list` command.
 *
 * @internal
 */
export const command = Command.make("list", flags, (flags) =>
  Client.run("posthook.cli.hooks.list", flags, flags.all ? listAll(flags) : listPage(flags))).pipe(
    Command.withDescription("List hooks with filters; --all pages through every match.")
  )
