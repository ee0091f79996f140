/**
 * Shared pieces of the benchmark suite: result rows, statistics, timing
 * loops, child processes and the table printer.
 *
 * Machines these run on are shared and noisy, so every benchmark
 * - warms up before measuring,
 * - interleaves the SDK and its raw baseline round by round (a burst of load
 *   hits both sides, not one),
 * - reports medians over rounds, and ratios taken within the same run.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Readline from "node:readline"
import { fileURLToPath } from "node:url"

/** The repository root. */
export const ROOT = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")

export interface BenchOptions {
  /** Smaller sizes and fewer rounds: the whole suite under a minute. */
  readonly quick: boolean
}

/**
 * How a row is judged: the SDK/baseline ratio at most (`ratioMax`) or at
 * least (`ratioMin`) a value, or the SDK's own value at most (`max`) a value.
 */
export type Goal =
  | { readonly kind: "ratioMax"; readonly value: number }
  | { readonly kind: "ratioMin"; readonly value: number }
  | { readonly kind: "max"; readonly value: number }

export interface Row {
  readonly bench: string
  readonly measure: string
  readonly unit: string
  readonly sdk: number
  /** The raw baseline measured in the same run; absent where there is none. */
  readonly baseline?: number | undefined
  readonly goal?: Goal | undefined
  readonly note?: string | undefined
  /**
   * The ratio when it is not `sdk / baseline`: the median of per-round ratios
   * of batches run side by side (see {@link measureSync}), which a burst of
   * load hits on both sides alike.
   */
  readonly ratio?: number | undefined
}

export interface Benchmark {
  readonly name: string
  readonly title: string
  /** Extra node flags for the child process that runs it. */
  readonly nodeFlags?: ReadonlyArray<string>
  readonly run: (options: BenchOptions) => Promise<ReadonlyArray<Row>>
}

// ---------------------------------------------------------------------------
// statistics

export const sorted = (values: ReadonlyArray<number>): Array<number> => [...values].sort((a, b) => a - b)

/** Nearest-rank percentile (p in 0..100). */
export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  if (values.length === 0) return Number.NaN
  const ordered = sorted(values)
  return ordered[Math.min(ordered.length - 1, Math.max(0, Math.ceil((p / 100) * ordered.length) - 1))]!
}

export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN
  const ordered = sorted(values)
  const middle = Math.floor(ordered.length / 2)
  return ordered.length % 2 === 1 ? ordered[middle]! : (ordered[middle - 1]! + ordered[middle]!) / 2
}

/**
 * A measured value, or not: rows cross a process boundary as JSON, where a
 * `NaN` (a measure that could not be taken) arrives as `null`.
 */
const measured = (value: number | null | undefined): value is number =>
  typeof value === "number" && Number.isFinite(value)

export const ratio = (row: Row): number | undefined =>
  measured(row.ratio)
    ? row.ratio
    : !measured(row.sdk) || !measured(row.baseline) || row.baseline === 0
    ? undefined
    : row.sdk / row.baseline

/** Whether the row meets its goal; `undefined` without a goal or without the numbers to judge it. */
export const passes = (row: Row): boolean | undefined => {
  const goal = row.goal
  if (goal === undefined) return undefined
  if (goal.kind === "max") return measured(row.sdk) ? row.sdk <= goal.value : undefined
  const r = ratio(row)
  if (r === undefined) return undefined
  return goal.kind === "ratioMax" ? r <= goal.value : r >= goal.value
}

// ---------------------------------------------------------------------------
// timing

/** CPU time (user + system) of this process, in nanoseconds. */
export const cpuNanos = (): number => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) * 1000
}

export const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis))

/** Epoch milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export const preciseNow = (): number => performance.timeOrigin + performance.now()

export const collectGarbage = (): void => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc !== undefined) for (let round = 0; round < 2; round++) gc()
}

export interface Candidate {
  readonly name: string
  /** Runs `count` operations synchronously. */
  readonly batch: (count: number) => void
}

/**
 * Synchronous per-operation cost: warms every candidate up, then runs
 * `rounds` batches of each in turn (interleaved) and returns, per candidate,
 * the median CPU ns and wall ns per operation, and each round's CPU ns
 * (`cpuRounds`, for {@link pairedRatio}).
 */
export const measureSync = (
  candidates: ReadonlyArray<Candidate>,
  options: { readonly rounds: number; readonly perBatch: number; readonly warmup?: number }
): Record<string, { readonly cpu: number; readonly wall: number; readonly cpuRounds: ReadonlyArray<number> }> => {
  for (const candidate of candidates) candidate.batch(options.warmup ?? options.perBatch * 3)
  const cpu: Record<string, Array<number>> = {}
  const wall: Record<string, Array<number>> = {}
  for (let round = 0; round < options.rounds; round++) {
    // Rotate the order so no candidate always runs right after the same one.
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[(index + round) % candidates.length]!
      const cpuStart = cpuNanos()
      const wallStart = process.hrtime.bigint()
      candidate.batch(options.perBatch)
      const wallEnd = process.hrtime.bigint()
      const cpuEnd = cpuNanos()
      ;(cpu[candidate.name] ??= []).push((cpuEnd - cpuStart) / options.perBatch)
      ;(wall[candidate.name] ??= []).push(Number(wallEnd - wallStart) / options.perBatch)
    }
  }
  const result: Record<string, { cpu: number; wall: number; cpuRounds: ReadonlyArray<number> }> = {}
  for (const candidate of candidates) {
    result[candidate.name] = {
      cpu: median(cpu[candidate.name]!),
      wall: median(wall[candidate.name]!),
      cpuRounds: cpu[candidate.name]!
    }
  }
  return result
}

/**
 * The median over rounds of `sdk`'s batch ÷ `baseline`'s batch in the same
 * round. On a shared machine a core is fast or slow for seconds at a time, so
 * the two medians can come from different states; batches run next to each
 * other share one, and the median of their ratios is steady where the ratio
 * of medians is not.
 */
export const pairedRatio = (
  sdk: { readonly cpuRounds: ReadonlyArray<number> },
  baseline: { readonly cpuRounds: ReadonlyArray<number> }
): number => median(sdk.cpuRounds.map((value, round) => value / baseline.cpuRounds[round]!))

/**
 * Runs every side once per round, `rounds` times, rotating which side goes
 * first (a burst of load or a GC debt left by one side hits each in turn),
 * and returns each side's results in round order. `onRound` is told after
 * each round (progress lines).
 */
export const interleaved = async <K extends string, A>(
  rounds: number,
  sides: Readonly<Record<K, () => Promise<A>>>,
  onRound?: (round: number) => void
): Promise<Record<K, Array<A>>> => {
  const names = Object.keys(sides) as Array<K>
  const results = Object.fromEntries(names.map((name) => [name, []])) as unknown as Record<K, Array<A>>
  for (let round = 0; round < rounds; round++) {
    for (let index = 0; index < names.length; index++) {
      const name = names[(index + round) % names.length]!
      results[name].push(await sides[name]())
    }
    onRound?.(round)
  }
  return results
}

/** Runs `task` with at most `concurrency` in flight, `total` times. */
export const runConcurrently = async (
  total: number,
  concurrency: number,
  task: (index: number) => Promise<unknown>
): Promise<void> => {
  let next = 0
  const worker = async () => {
    while (next < total) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker))
}

// ---------------------------------------------------------------------------
// child processes

export const log = (message: string): void => {
  process.stderr.write(`${message}\n`)
}

/**
 * Node arguments that run a TypeScript file of this repository in a child
 * process: tsx's loader, as `npm run bench` uses (it maps `posthook-effect`
 * to src/ through the tsconfig `paths`). Node flags go before these.
 */
export const typeScriptArgs = (file: string): Array<string> => ["--import", import.meta.resolve("tsx"), file]

export interface Child {
  readonly process: ChildProcess
  /** The next stdout line that parses as JSON (lines that do not are echoed to stderr). */
  readonly nextMessage: <A = unknown>() => Promise<A>
  readonly send: (message: unknown) => void
  readonly stop: () => Promise<void>
}

/**
 * Starts a helper process that talks JSON lines: it writes one JSON object
 * per line on stdout, and reads one per line on stdin.
 */
export const startChild = (command: string, args: ReadonlyArray<string>, env: Record<string, string> = {}): Child => {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "inherit"]
  })
  const queue: Array<unknown> = []
  const waiting: Array<{ resolve: (value: unknown) => void; reject: (error: Error) => void }> = []
  let exited: Error | undefined
  const lines = Readline.createInterface({ input: child.stdout! })
  lines.on("line", (line) => {
    let message: unknown
    try {
      message = JSON.parse(line)
    } catch {
      log(`  [${Path.basename(args[0] ?? command)}] ${line}`)
      return
    }
    const waiter = waiting.shift()
    if (waiter === undefined) queue.push(message)
    else waiter.resolve(message)
  })
  child.on("exit", (code, signal) => {
    exited = new Error(`${Path.basename(args[0] ?? command)} exited (code ${code}, signal ${signal})`)
    for (const waiter of waiting.splice(0)) waiter.reject(exited)
  })
  return {
    process: child,
    nextMessage: <A>() =>
      new Promise<A>((resolve, reject) => {
        if (queue.length > 0) resolve(queue.shift() as A)
        else if (exited !== undefined) reject(exited)
        else waiting.push({ resolve: resolve as (value: unknown) => void, reject })
      }),
    send: (message) => {
      child.stdin!.write(`${JSON.stringify(message)}\n`)
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.stdin!.end()
        child.kill("SIGTERM")
      })
  }
}

// ---------------------------------------------------------------------------
// the built package

const newestMtime = (dir: string): number => {
  let newest = 0
  for (const entry of Fs.readdirSync(dir, { withFileTypes: true })) {
    const path = Path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : Fs.statSync(path).mtimeMs)
  }
  return newest
}

/** Whether `dist/` is missing or older than a file under `src/`. */
export const distIsStale = (): boolean => {
  const entry = Path.join(ROOT, "dist", "index.js")
  if (!Fs.existsSync(entry) || !Fs.existsSync(Path.join(ROOT, "dist", "server.js"))) return true
  return Fs.statSync(entry).mtimeMs < newestMtime(Path.join(ROOT, "src"))
}

// ---------------------------------------------------------------------------
// the table

const formatNumber = (value: number | null | undefined): string => {
  if (!measured(value)) return "–"
  const magnitude = Math.abs(value)
  if (magnitude >= 100_000) return Math.round(value).toLocaleString("en-US")
  if (magnitude >= 100) return value.toFixed(0)
  if (magnitude >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

const formatGoal = (goal: Goal | undefined): string => {
  if (goal === undefined) return ""
  switch (goal.kind) {
    case "ratioMax":
      return `≤ ${goal.value}×`
    case "ratioMin":
      return `≥ ${goal.value}×`
    case "max":
      return `≤ ${goal.value}`
  }
}

const verdict = (row: Row): string => {
  if (row.goal === undefined) return ""
  const ok = passes(row)
  return ok === undefined ? "not measured" : ok ? "met" : "NOT MET"
}

const HEADER = ["benchmark", "measure", "unit", "SDK", "baseline", "ratio", "goal (issue 14)", "verdict"] as const

const cells = (row: Row): Array<string> => {
  const r = ratio(row)
  return [
    row.bench,
    row.measure,
    row.unit,
    formatNumber(row.sdk),
    formatNumber(row.baseline),
    r === undefined ? "" : `${r.toFixed(2)}×`,
    formatGoal(row.goal),
    verdict(row)
  ]
}

/** A Markdown table (also readable as plain text). */
export const formatTable = (rows: ReadonlyArray<Row>): string => {
  const body = rows.map(cells)
  const widths = HEADER.map((title, column) => Math.max(title.length, ...body.map((line) => line[column]!.length)))
  const numeric = new Set([3, 4, 5])
  const line = (values: ReadonlyArray<string>) =>
    `| ${values.map((value, column) => numeric.has(column) ? value.padStart(widths[column]!) : value.padEnd(widths[column]!)).join(" | ")} |`
  const rule = `|${widths.map((width, column) => numeric.has(column) ? `${"-".repeat(width + 1)}:` : "-".repeat(width + 2)).join("|")}|`
  return [line(HEADER), rule, ...body.map(line)].join("\n")
}

/** Notes printed under the table, one per row that has one. */
export const formatNotes = (rows: ReadonlyArray<Row>): string =>
  rows.filter((row) => row.note !== undefined).map((row) => `- ${row.bench} / ${row.measure}: ${row.note}`).join("\n")
