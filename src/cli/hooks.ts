/**
 * `posthook hooks …`: schedule, get, list and delete hooks over the REST API.
 *
 * @internal
 */
import * as Command from "effect/cli/Command"
import * as Delete from "./hooks/delete.js"
import * as Get from "./hooks/get.js"
import * as List from "./hooks/list.js"
import * as Schedule from "./hooks/schedule.js"

/**
 * The `hooks` command group.
 *
 * @internal
 */
export const command = Command.make("hooks").pipe(
  Command.withDescription("Schedule, inspect, list and delete hooks."),
  Command.withSubcommands([Schedule.command, Get.command, List.command, Delete.command])
)
