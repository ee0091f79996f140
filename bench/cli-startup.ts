/**
 * How long each `posthook` command takes to be ready, in fresh processes:
 *
 * - `help`:   `posthook --help`, spawn to exit;
 * - `dev`:    `posthook dev --port 0 --json`, spawn to its start-up line (it accepts requests then);
 * - `dev-db`: the same with `--db FILE` (loads the SQLite client too);
 * - `list`:   `posthook hooks list` against a local server, spawn to exit;
 * - `listen`: `posthook listen` against a local server, spawn to its "connected" line.
 *
 * ```sh
 * npx tsx bench/cli-startup.ts [--rounds=10] [--only=help,dev] [--bin=dist/cli.js --bin=/tmp/other/cli.js]
 * ```
 *
 * Several bins are compared on the same machine in the same run: every round
 * runs each workload once per bin, bins in rotated order, and the table gives
 * the medians of each: wall time, and the child's CPU time (user + system,
 * less sensitive to what else runs on the machine; read from /proc for a
 * child killed once ready, in 10 ms ticks). One warm-up round first (file
 * cache, Node's compile cache).
 * The server that `list` and `listen` talk to is `posthook dev` run by the
 * first bin, in a process of its own.
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { type Benchmark, median, ROOT, type Row } from "./util.js"

interface Workload {
  readonly args: (context: Context) => ReadonlyArray<string>
  /** The stdout line that means "ready"; `undefined`: ready when the process exits (with code 0). */
  readonly ready?: (line: string) => boolean
}

interface Context {
  readonly baseUrl: string
  readonly apiKey: string
  readonly dbFile: () => string
}

const WORKLOADS: Record<string, Workload> = {
  help: { args: () => ["--help"] },
  dev: { args: () => ["dev", "--port", "0", "--json"], ready: (line) => line.includes("\"port\"") },
  "dev-db": {
    args: (context) => ["dev", "--port", "0", "--json", "--db", context.dbFile()],
    ready: (line) => line.includes("\"port\"")
  },
  list: { args: (context) => ["hooks", "list", "--base-url", context.baseUrl, "--api-key", context.apiKey] },
  listen: {
    args: (context) => ["listen", "--base-url", context.baseUrl, "--api-key", context.apiKey, "--json"],
    ready: (line) => line.includes("\"connected\"")
  }
}

const argValues = (name: string): Array<string> =>
  process.argv.slice(2).filter((arg) => arg.startsWith(`--${name}=`)).map((arg) => arg.slice(name.length + 3))

/** One run: wall time from spawn to ready, and the child's CPU time (user + system) until then. */
interface Sample {
  readonly wallMs: number
  readonly cpuMs: number
}

/** Loaded before the bin: prints the process's CPU time on stderr as it exits. */
const CPU_AT_EXIT = `data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();` +
  `process.stderr.write("\\n@@cpu "+(u.user+u.system)/1000+"\\n")})`

/** CPU time so far of a running process, from /proc (10 ms ticks). */
const cpuOfRunning = (pid: number): number => {
  const fields = Fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ")
  // Fields 14 and 15 of stat (utime, stime) are 12 and 13 after the pid and the command are cut.
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** One run of `workload`; a workload with a ready line has its child killed once ready. */
const sample = (bin: string, workload: Workload, context: Context): Promise<Sample> =>
  new Promise((resolve, reject) => {
    const args = workload.args(context)
    const started = performance.now()
    const child = spawn(process.execPath, ["--import", CPU_AT_EXIT, bin, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" }
    })
    let stdout = ""
    let stderr = ""
    let ready: Sample | undefined
    let exitedAt = 0
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
      if (ready === undefined && workload.ready !== undefined && stdout.split("\n").some(workload.ready)) {
        const wallMs = performance.now() - started
        ready = { wallMs, cpuMs: cpuOfRunning(child.pid!) }
        child.kill("SIGKILL")
      }
    })
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    // A command that never gets ready fails the run instead of hanging it.
    const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.on("error", reject)
    child.on("exit", () => {
      exitedAt = performance.now() - started
      clearTimeout(deadline)
    })
    child.on("close", (code) => {
      const cpu = /@@cpu ([\d.]+)/.exec(stderr)
      if (workload.ready === undefined && code === 0 && cpu !== null) {
        return resolve({ wallMs: exitedAt, cpuMs: Number(cpu[1]) })
      }
      if (ready !== undefined) return resolve(ready)
      reject(new Error(`${bin} ${args.join(" ")}: exit ${code}\n${stdout}\n${stderr}`))
    })
  })

const API_KEY = "pk_cli_bench"

/** `posthook dev` on a free port, run by `bin`: its base URL once it is ready. */
const startServer = (bin: string): Promise<{ readonly baseUrl: string; readonly stop: () => void }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "dev", "--port", "0", "--json", "--api-key", API_KEY], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let stdout = ""
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
      const started = /"baseUrl":"([^"]+)"/.exec(stdout)
      if (started !== null) resolve({ baseUrl: started[1]!, stop: () => child.kill("SIGKILL") })
    })
    child.on("error", reject)
    child.on("exit", (code) => reject(new Error(`posthook dev exited ${code} before it was ready`)))
  })

/** Median wall and CPU times of each workload for each bin, over `rounds` interleaved rounds after a warm-up. */
export const measure = async (
  bins: ReadonlyArray<string>,
  rounds: number,
  names: ReadonlyArray<string>
): Promise<Map<string, ReadonlyArray<Sample>>> => {
  const server = await startServer(bins[0]!)
  const scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), "posthook-cli-bench-"))
  let dbFiles = 0
  const context: Context = {
    baseUrl: server.baseUrl,
    apiKey: API_KEY,
    dbFile: () => Path.join(scratch, `dev-${dbFiles++}.db`)
  }
  const samples = new Map<string, Array<Sample>>()
  const run = async (round: number) => {
    for (const name of names) {
      const workload = WORKLOADS[name]
      if (workload === undefined) throw new Error(`unknown workload ${name}`)
      for (let index = 0; index < bins.length; index++) {
        const bin = bins[(index + round + bins.length) % bins.length]!
        const one = await sample(bin, workload, context)
        if (round >= 0) {
          const key = `${name}\t${bin}`
          samples.set(key, [...(samples.get(key) ?? []), one])
        }
      }
    }
  }
  try {
    await run(-1)
    for (let round = 0; round < rounds; round++) await run(round)
  } finally {
    server.stop()
    Fs.rmSync(scratch, { recursive: true, force: true })
  }
  return samples
}

/** In `npm run bench`: each command of the built bin (`dist/cli.js`) against issue 14's 0.5 s. */
export const benchmark: Benchmark = {
  name: "cli",
  title: "posthook commands ready, fresh processes (dist/cli.js)",
  run: async (options) => {
    const bin = Path.join(ROOT, "dist", "cli.js")
    const names = Object.keys(WORKLOADS)
    const samples = await measure([bin], options.quick ? 3 : 10, names)
    return names.flatMap((name): ReadonlyArray<Row> => {
      const runs = samples.get(`${name}\t${bin}`) ?? []
      return [
        {
          bench: "cli",
          measure: `posthook ${name}: spawn to ready (wall, median)`,
          unit: "ms",
          sdk: median(runs.map((one) => one.wallMs)),
          goal: { kind: "max", value: 500 }
        },
        {
          bench: "cli",
          measure: `posthook ${name}: CPU until ready`,
          unit: "ms CPU",
          sdk: median(runs.map((one) => one.cpuMs))
        }
      ]
    })
  }
}

const main = async () => {
  const bins = (argValues("bin").length > 0 ? argValues("bin") : [Path.join(ROOT, "dist", "cli.js")]).map((bin) =>
    Path.resolve(bin)
  )
  const rounds = Number(argValues("rounds")[0] ?? "10")
  const names = argValues("only").length > 0 ? argValues("only").flatMap((list) => list.split(",")) : Object.keys(WORKLOADS)
  const samples = await measure(bins, rounds, names)
  console.log(`node ${process.version}, ${Os.cpus().length} cores, load ${Os.loadavg()[0]!.toFixed(2)}, ${rounds} rounds`)
  console.log(["workload", "wall ms (median)", "wall ms (min)", "CPU ms (median)", "bin"].join("\t"))
  for (const name of names) {
    for (const bin of bins) {
      const runs = samples.get(`${name}\t${bin}`) ?? []
      const wall = runs.map((one) => one.wallMs)
      console.log(
        name + "\t" + [median(wall), Math.min(...wall), median(runs.map((one) => one.cpuMs))]
          .map((value) => value.toFixed(0))
          .concat(Path.relative(ROOT, bin))
          .join("\t")
      )
    }
  }
}

// Run as a script (`npx tsx bench/cli-startup.ts`); imported by bench/index.ts, it only exports.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(Path.resolve(process.argv[1])).href) {
  main().then(() => process.exit(0), (error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
