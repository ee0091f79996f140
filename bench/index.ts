/**
 * The benchmark runner: `npm run bench [-- [names…] [options]]`.
 *
 *   names              run only these benchmarks (`npm run bench -- rest listAll`; same as --only)
 *   --quick            smaller sizes, fewer rounds (the whole suite in under a minute)
 *   --only=a,b         run only these benchmarks (verify, rest, websocket, listAll, coldStart, cli, server)
 *   --in-process       run every benchmark in this process (default: one child process each,
 *                      so heaps, JIT state and RSS do not leak from one into the next)
 *   --no-build         do not rebuild a stale dist/ (every benchmark measures the built package);
 *                      --quick does not rebuild an existing dist/ unless given --build
 *   --json=FILE        also write the rows and the machine as JSON
 *
 * Prints one table: for every measure the SDK's median, the raw baseline's
 * median from the same run, their ratio and the goal.
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import {
  type Benchmark,
  type BenchOptions,
  distIsStale,
  formatNotes,
  formatTable,
  log,
  passes,
  ROOT,
  type Row,
  startChild,
  typeScriptArgs
} from "./util.js"

/**
 * Every benchmark, loaded only once dist/ is built: they import `posthook-effect`, which
 * `bench/tsconfig.json` (TSX_TSCONFIG_PATH in the npm script) resolves to the built package,
 * the code users run, not src/ transformed by tsx.
 */
const LOADERS: Record<string, () => Promise<{ readonly benchmark: Benchmark }>> = {
  verify: () => import("./verify.js"),
  rest: () => import("./rest.js"),
  websocket: () => import("./websocket.js"),
  listAll: () => import("./listAll.js"),
  coldStart: () => import("./coldStart.js"),
  cli: () => import("./cli-startup.js"),
  server: () => import("./server.js")
}
const NAMES = Object.keys(LOADERS)
const load = async (name: string): Promise<Benchmark> => {
  const loader = LOADERS[name]
  if (loader === undefined) throw new Error(`unknown benchmark ${name}`)
  return (await loader()).benchmark
}
const ROWS_MARKER = "posthook-bench-rows"

const args = process.argv.slice(2)
const flag = (name: string) => args.includes(`--${name}`)
const option = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3)

const options: BenchOptions = { quick: flag("quick") }

const machine = () => ({
  cpus: Os.cpus().length,
  cpuModel: Os.cpus()[0]?.model ?? "unknown",
  memoryGiB: Number((Os.totalmem() / 1024 ** 3).toFixed(1)),
  node: process.version,
  platform: `${process.platform} ${Os.release()}`,
  loadAverage: Os.loadavg().map((load) => Number(load.toFixed(2)))
})

/** Runs one benchmark in a fresh child process and returns its rows. */
const runInChild = async (bench: Benchmark): Promise<ReadonlyArray<Row>> => {
  const child = startChild(process.execPath, [
    ...(bench.nodeFlags ?? []),
    ...typeScriptArgs("bench/index.ts"),
    `--child=${bench.name}`,
    ...(options.quick ? ["--quick"] : [])
  ])
  try {
    for (;;) {
      const message = await child.nextMessage<{ readonly [ROWS_MARKER]?: ReadonlyArray<Row>; readonly error?: string }>()
      if (message.error !== undefined) throw new Error(message.error)
      if (message[ROWS_MARKER] !== undefined) return message[ROWS_MARKER]
    }
  } finally {
    await child.stop()
  }
}

const runChild = async (name: string) => {
  try {
    const bench = await load(name)
    const rows = await bench.run(options)
    process.stdout.write(`${JSON.stringify({ [ROWS_MARKER]: rows })}\n`)
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: error instanceof Error ? error.stack ?? error.message : String(error) })}\n`)
  }
  process.exit(0)
}

const main = async () => {
  const childName = option("child")
  if (childName !== undefined) return runChild(childName)

  // `npm run bench -- rest listAll` and `--only=rest,listAll` both select.
  const named = args.filter((arg) => !arg.startsWith("--")).flatMap((arg) => arg.split(","))
  const listed = [...(option("only")?.split(",") ?? []), ...named].map((name) => name.trim()).filter((name) => name !== "")
  const only = listed.length > 0 ? listed : undefined
  const unknown = only?.filter((name) => !NAMES.includes(name)) ?? []
  if (unknown.length > 0) throw new Error(`unknown benchmark(s): ${unknown.join(", ")}; known: ${NAMES.join(", ")}`)
  const selectedNames = NAMES.filter((name) => only === undefined || only.includes(name))
  const started = performance.now()
  const before = machine()
  log(`posthook-effect benchmarks${options.quick ? " (quick)" : ""}: ${selectedNames.join(", ")}`)
  log(`${before.cpus} × ${before.cpuModel}, ${before.memoryGiB} GiB, Node ${before.node}, load ${before.loadAverage.join(" ")}`)

  if (distIsStale()) {
    const built = Fs.existsSync(`${ROOT}/dist/index.js`) && Fs.existsSync(`${ROOT}/dist/server.js`)
    if (flag("no-build") || (options.quick && built && !flag("build"))) {
      log("dist/ is older than src/: measuring the existing build (full runs rebuild; --quick --build to force)")
    } else {
      log("dist/ is missing or older than src/: npm run build")
      const build = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] })
      if (build.status !== 0) log("the build failed: the benchmarks measure whatever dist/ holds")
    }
  }
  const selected: Array<Benchmark> = []
  for (const name of selectedNames) selected.push(await load(name))

  const rows: Array<Row> = []
  const failures: Array<string> = []
  const durations: Record<string, number> = {}
  for (const bench of selected) {
    const benchStarted = performance.now()
    log(`\n▶ ${bench.name}: ${bench.title}`)
    try {
      const result = flag("in-process") ? await bench.run(options) : await runInChild(bench)
      rows.push(...result)
      log(`  ${result.length} rows in ${((performance.now() - benchStarted) / 1000).toFixed(1)} s`)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      failures.push(`${bench.name}: ${message}`)
      log(`  FAILED: ${message}`)
    }
    durations[bench.name] = Number(((performance.now() - benchStarted) / 1000).toFixed(1))
  }

  const after = machine()
  const seconds = (performance.now() - started) / 1000
  const missed = rows.filter((row) => passes(row) === false)
  // Written first: the numbers of a long run survive whatever happens to the printing.
  const jsonPath = option("json")
  if (jsonPath !== undefined) {
    Fs.writeFileSync(jsonPath, JSON.stringify(
        { quick: options.quick, seconds, durations, machine: after, loadBefore: before.loadAverage, rows, failures },
        null,
        2
      ))
  }
  console.log()
  console.log(formatTable(rows))
  console.log()
  const notes = formatNotes(rows)
  if (notes.length > 0) console.log(`${notes}\n`)
  console.log(
    `${options.quick ? "quick run" : "full run"}, ${seconds.toFixed(0)} s; ${after.cpus} × ${after.cpuModel}, ` +
      `${after.memoryGiB} GiB, Node ${after.node}, ${after.platform}; load average ${before.loadAverage.join(" ")} → ${
        after.loadAverage.join(" ")
      }`
  )
  const unmeasured = rows.filter((row) => row.goal !== undefined && passes(row) === undefined)
  console.log(
    `goals: ${rows.filter((row) => passes(row) === true).length} met, ${missed.length} not met` +
      (unmeasured.length > 0 ? `, ${unmeasured.length} not measured` : "")
  )
  console.log(`seconds per benchmark: ${Object.entries(durations).map(([name, took]) => `${name} ${took}`).join(", ")}`)
  if (failures.length > 0) console.log(`failed benchmarks:\n${failures.map((line) => `  ${line}`).join("\n")}`)

  process.exit(failures.length > 0 ? 1 : 0)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
