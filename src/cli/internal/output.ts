/**
 * What the commands print: hooks as a table or as `key  value` lines for
 * people, as the API's own JSON for scripts (`--json`).
 *
 * Tables use fixed column widths so that `hooks list --all` can print each
 * page as it arrives instead of holding every hook to measure the columns.
 *
 * @internal
 */
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Hook from "../../Hook.js"
import * as Terminal from "../../internal/terminal.js"

/**
 * A time as RFC 3339 UTC, without milliseconds when they are zero
 * (`2026-06-15T10:00:00Z`).
 *
 * @internal
 */
export const formatTime = (time: DateTime.DateTime): string => DateTime.formatIso(time).replace(/\.000Z$/, "Z")

/**
 * Prints a value as indented JSON on stdout (escaped for the terminal, as
 * JSON: what the API returned cannot drive it).
 *
 * @internal
 */
export const printJson = (value: unknown): Effect.Effect<void> =>
  Console.log(Terminal.escapeLines(JSON.stringify(value, null, 2)))

const encodeHook = Schema.encodeEffect(Hook.Hook)

/**
 * A hook as the API spells it (times as RFC 3339 strings, absent optional
 * fields left out), ready for `JSON.stringify`.
 *
 * @internal
 */
export const hookJson = (hook: Hook.Hook): Effect.Effect<typeof Hook.Hook.Encoded> =>
  // Re-encoding a hook the SDK just decoded cannot fail; if it ever did, that is a bug.
  Effect.orDie(encodeHook(hook))

/**
 * A quota as JSON.
 *
 * @internal
 */
export const quotaJson = (quota: Hook.QuotaInfo) => ({
  limit: quota.limit,
  usage: quota.usage,
  remaining: quota.remaining,
  resetsAt: formatTime(quota.resetsAt)
})

interface Column {
  readonly header: string
  readonly width: number
}

const HOOK_COLUMNS: ReadonlyArray<Column> = [
  { header: "ID", width: 36 },
  { header: "STATUS", width: 9 },
  { header: "POST AT", width: 24 },
  { header: "ATTEMPTS", width: 8 },
  // The last column is not padded.
  { header: "PATH", width: 0 }
]

/** Cells come from the API (paths above all): escaped, so a row is one line and cannot drive the terminal. */
const row = (cells: ReadonlyArray<string>): string =>
  cells
    .map((cell) => Terminal.escape(cell))
    .map((cell, index) => {
      const width = HOOK_COLUMNS[index]?.width ?? 0
      return index === cells.length - 1 ? cell : cell.padEnd(width)
    })
    .join("  ")

/**
 * The header line of the hook table.
 *
 * @internal
 */
export const hookTableHeader: string = row(HOOK_COLUMNS.map((column) => column.header))

/**
 * One hook as a line of the hook table.
 *
 * @internal
 */
export const hookTableRow = (hook: Hook.Hook): string =>
  row([hook.id, hook.status, formatTime(hook.postAt), String(hook.attempts), hook.path])

/**
 * Prints hooks as a table (or says there are none).
 *
 * @internal
 */
export const printHookTable = (hooks: ReadonlyArray<Hook.Hook>): Effect.Effect<void> =>
  hooks.length === 0
    ? Console.log("No hooks found.")
    : Console.log([hookTableHeader, ...hooks.map(hookTableRow)].join("\n"))

const describeRetry = (retry: Hook.RetryOverride): string => {
  const growth = retry.strategy === "exponential"
    ? `exponential from ${retry.delaySecs}s ×${retry.backoffFactor ?? 2} up to ${retry.maxDelaySecs ?? "?"}s`
    : `every ${retry.delaySecs}s`
  return `${retry.minRetries} retries, ${growth}${retry.jitter === true ? ", jittered" : ""}`
}

/**
 * A hook as aligned `key  value` lines, the quota last when given.
 *
 * @internal
 */
export const hookDetails = (hook: Hook.Hook, quota: Option.Option<Hook.QuotaInfo> = Option.none()): string => {
  const lines: Array<readonly [string, string]> = [
    ["id", hook.id],
    ["path", hook.path],
    ["status", hook.status],
    ["post at", formatTime(hook.postAt)],
    ["attempts", String(hook.attempts)],
    ["created at", formatTime(hook.createdAt)],
    ["updated at", formatTime(hook.updatedAt)],
    ["data", JSON.stringify(hook.data) ?? "null"]
  ]
  if (hook.domain !== undefined) lines.splice(2, 0, ["domain", hook.domain])
  if (hook.failureError !== undefined) lines.push(["failure", hook.failureError])
  if (hook.retryOverride !== undefined) lines.push(["retry", describeRetry(hook.retryOverride)])
  if (hook.sequenceData !== undefined) {
    lines.push(["sequence", `${hook.sequenceData.sequenceID} (step ${hook.sequenceData.stepName})`])
  }
  if (Option.isSome(quota)) {
    const { limit, remaining, resetsAt, usage } = quota.value
    lines.push(["quota", `${usage}/${limit} used, ${remaining} left, resets ${formatTime(resetsAt)}`])
  }
  const width = Math.max(...lines.map(([key]) => key.length))
  return lines.map(([key, value]) => `${key.padEnd(width)}  ${Terminal.escape(value)}`).join("\n")
}
