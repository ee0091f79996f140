/**
 * The Posthook duration grammar (docs/protocol.md §1.1): one or more `<integer><unit>`
 * groups with units `d`, `h`, `m`, `s`, each unit at most once and in that
 * order (`30s`, `5m`, `1h30m`, `1d12h`). Bounds: 1 second to 365 days.
 * Shared by the SDK (validation before sending), the local server
 * (validation on receipt) and the CLI.
 *
 * @internal
 */
import * as Result from "effect/Result"

/** @internal */
export const MIN_SECONDS = 1
/** @internal */
export const MAX_SECONDS = 365 * 24 * 60 * 60

const GRAMMAR = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/

/**
 * Parses a duration string into whole seconds, or says what is wrong.
 *
 * @internal
 */
export const parseSeconds = (input: string): Result.Result<number, string> => {
  const match = GRAMMAR.exec(input)
  if (input.length === 0 || match === null) {
    return Result.fail(
      `invalid duration "${input}": use integers with the units d, h, m, s in that order, e.g. "30s", "5m", "1h30m", "1d12h"`
    )
  }
  const [, days, hours, minutes, secs] = match
  const total = Number(days ?? 0) * 86_400 + Number(hours ?? 0) * 3_600 + Number(minutes ?? 0) * 60 + Number(secs ?? 0)
  if (total < MIN_SECONDS) return Result.fail(`duration "${input}" is shorter than the minimum of 1s`)
  if (total > MAX_SECONDS) return Result.fail(`duration "${input}" is longer than the maximum of 365d`)
  return Result.succeed(total)
}

/**
 * Formats whole seconds in the grammar, largest units first (`5400` → `1h30m`).
 *
 * @internal
 */
export const formatSeconds = (totalSeconds: number): string => {
  let rest = Math.floor(totalSeconds)
  const parts: Array<string> = []
  for (const [unit, size] of [["d", 86_400], ["h", 3_600], ["m", 60], ["s", 1]] as const) {
    const count = Math.floor(rest / size)
    if (count > 0) parts.push(`${count}${unit}`)
    rest -= count * size
  }
  return parts.length === 0 ? "0s" : parts.join("")
}
