/**
 * Running the built `posthook` bin (dist/cli.js) as a child process, against
 * the real local server started in the test process on 127.0.0.1 port 0.
 *
 * - `runCli` runs a command to its end: exit code, stdout, stderr.
 * - `startCli` starts a long-running one (`dev`, `listen`) in the current
 *   scope (killed when the scope closes) and lets the test wait for lines.
 * - `startLocal` starts the local server (quiet) in the current scope.
 * - `closedPort` is a local port nothing listens on.
 *
 * No timing assertions: waits poll for a condition with a generous deadline,
 * because the machine may be busy (2 cores, several test files at once).
 *
 * `POSTHOOK_CLI_BIN` may point at another build of the bin (used while
 * developing the CLI; `npm test` builds dist/cli.js first).
 */
import * as ChildProcess from "node:child_process"
import * as Http from "node:http"
import * as Net from "node:net"
import { fileURLToPath } from "node:url"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Context, Duration, Effect, Layer, Predicate, Redacted, type Scope } from "effect"
import { Hooks, Posthook } from "posthook-effect"
import * as LocalPosthook from "../../src/server/LocalPosthook.js"

/** The built bin. */
export const CLI_BIN = process.env.POSTHOOK_CLI_BIN ?? fileURLToPath(new URL("../../dist/cli.js", import.meta.url))

/** Deadline for one CLI run: node + Effect start-up is seconds on a busy machine. */
export const RUN_DEADLINE = Duration.seconds(60)

/** How long to wait for a line or a state that should come soon. */
export const WAIT_DEADLINE = Duration.seconds(45)

/** What a finished run printed, and its exit code. */
export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * The environment of a child: ours minus any Posthook settings (a developer's
 * real key must never leak into a test), plus `env`.
 */
const childEnv = (env: Readonly<Record<string, string | undefined>>): NodeJS.ProcessEnv => {
  const clean: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("POSTHOOK_")) clean[name] = value
  }
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined) clean[name] = value
  }
  // Plain output: no colours in the help and error text.
  clean.NO_COLOR = "1"
  return clean
}

/** The environment that points the CLI at a local server. */
export const envFor = (local: LocalPosthook.LocalPosthook): Record<string, string> => ({
  POSTHOOK_BASE_URL: local.baseUrl,
  POSTHOOK_API_KEY: Redacted.value(local.apiKey)
})

/**
 * Runs `node <args>` to completion, collecting its output, in the
 * environment of {@link childEnv}. Interrupting it kills the child.
 */
export const runNode = (
  args: ReadonlyArray<string>,
  options: { readonly env?: Readonly<Record<string, string | undefined>>; readonly cwd?: string } = {}
): Effect.Effect<CliRun> =>
  Effect.callback<CliRun>((resume) => {
    const child = ChildProcess.spawn(process.execPath, args, {
      env: childEnv(options.env ?? {}),
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd })
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** Runs `posthook <args>` to completion. */
export const runCli = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>> = {}
): Effect.Effect<CliRun> =>
  runNode([CLI_BIN, ...args], { env }).pipe(
    Effect.timeoutOrElse({
      duration: RUN_DEADLINE,
      orElse: () => Effect.die(new Error(`posthook ${args.join(" ")} did not finish within ${Duration.format(RUN_DEADLINE)}`))
    })
  )

/** One line of output as a JSON object (`undefined` for other lines). */
export const jsonLine = (line: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(line)
    return Predicate.isObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

/** Parses a run's stdout as JSON (fails the test with the output when it is not). */
export const jsonOf = (run: CliRun): unknown => {
  try {
    return JSON.parse(run.stdout)
  } catch {
    throw new Error(`stdout is not JSON (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`)
  }
}

/** A long-running child. */
export interface RunningCli {
  /** Complete stdout lines so far. */
  readonly lines: () => ReadonlyArray<string>
  readonly stderr: () => string
  /** The first line (already printed or still to come) that matches. */
  readonly waitForLine: (predicate: (line: string) => boolean, what: string) => Effect.Effect<string>
  /** Sends a signal (SIGINT = Ctrl-C). */
  readonly signal: (signal: NodeJS.Signals) => Effect.Effect<void>
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Effect.Effect<number | null>
}

/** Starts `posthook <args>` (the bin at `bin`) in the current scope; it is killed when the scope closes. */
export const startCli = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>> = {},
  bin: string = CLI_BIN
): Effect.Effect<RunningCli, never, Scope.Scope> =>
  Effect.gen(function*() {
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        ChildProcess.spawn(process.execPath, [bin, ...args], {
          env: childEnv(env),
          stdio: ["ignore", "pipe", "pipe"]
        })
      ),
      (child) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
    )
    const lines: Array<string> = []
    let partial = ""
    let stderr = ""
    let exitCode: number | null | undefined = undefined
    child.stdout.on("data", (chunk: Buffer) => {
      const text = partial + chunk.toString("utf8")
      const parts = text.split("\n")
      partial = parts.pop() ?? ""
      lines.push(...parts)
    })
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.on("exit", (code) => (exitCode = code))
    const describe = () =>
      `posthook ${args.join(" ")}\n--- stdout ---\n${lines.join("\n")}${partial}\n--- stderr ---\n${stderr}`
    return {
      lines: () => lines,
      stderr: () => stderr,
      waitForLine: (predicate, what) =>
        eventually(() => `${what}\n${describe()}`, () => {
          const found = lines.find(predicate)
          if (found === undefined && exitCode !== undefined) {
            throw new Error(`exited with ${exitCode} before printing ${what}\n${describe()}`)
          }
          return found
        }),
      signal: (signal) => Effect.sync(() => void child.kill(signal)),
      exited: eventually(() => `exit of ${describe()}`, () => exitCode === undefined ? undefined : { code: exitCode }).pipe(
        Effect.map(({ code }) => code)
      )
    }
  })

/**
 * Polls `probe` (every 50 ms) until it yields a value; dies naming `what`
 * after {@link WAIT_DEADLINE} of real time.
 */
export const eventuallyEffect = <A, E, R>(what: string | (() => string), probe: Effect.Effect<A | undefined, E, R>) =>
  Effect.gen(function*() {
    const deadline = Date.now() + Duration.toMillis(WAIT_DEADLINE)
    while (true) {
      const value = yield* probe
      if (value !== undefined) return value
      if (Date.now() > deadline) {
        return yield* Effect.die(new Error(`timed out waiting for: ${typeof what === "string" ? what : what()}`))
      }
      yield* Effect.sleep("50 millis")
    }
  })

/** Like {@link eventuallyEffect}, for a plain probe. */
export const eventually = <A>(what: string | (() => string), probe: () => A | undefined): Effect.Effect<A> =>
  eventuallyEffect(what, Effect.sync(probe))

/** Starts the local server (quiet) in the current scope. */
export const startLocal = (options: LocalPosthook.Options = {}) => LocalPosthook.make({ log: false, ...options })

/** The SDK's `Hooks` service pointed at a local server, for setting up what a CLI run then reads. */
export const hooksFor = (local: LocalPosthook.LocalPosthook) =>
  Layer.build(Posthook.layer(local.clientOptions).pipe(Layer.provide(NodeHttpClient.layerUndici))).pipe(
    Effect.map((context) => Context.get(context, Hooks.Hooks)),
    Effect.orDie
  )

/** Runs several CLI invocations at once (they are independent; start-up dominates their time). */
export const runAll = (
  runs: ReadonlyArray<readonly [ReadonlyArray<string>, Readonly<Record<string, string | undefined>>]>
): Effect.Effect<ReadonlyArray<CliRun>> =>
  Effect.forEach(runs, ([args, env]) => runCli(args, env), { concurrency: 4 })

/** A request the local app received. */
export interface ReceivedRequest {
  readonly method: string
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** How the local app answers a request. */
export interface AppAnswer {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
}

/** A plain `node:http` app on 127.0.0.1 (port 0) standing in for the user's endpoint. */
export interface LocalApp {
  readonly origin: string
  readonly received: ReadonlyArray<ReceivedRequest>
}

/** Starts a local app in the current scope; `answer` decides each response from the request. */
export const startApp = (answer: (request: ReceivedRequest) => AppAnswer): Effect.Effect<LocalApp, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<{ readonly server: Http.Server; readonly app: LocalApp }>((resume) => {
      const received: Array<ReceivedRequest> = []
      const server = Http.createServer((request, response) => {
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.on("end", () => {
          const headers: Record<string, string> = {}
          for (const [name, value] of Object.entries(request.headers)) {
            if (typeof value === "string") headers[name] = value
          }
          const entry = {
            method: request.method ?? "",
            path: request.url ?? "",
            headers,
            body: Buffer.concat(chunks).toString("utf8")
          }
          received.push(entry)
          const reply = answer(entry)
          response.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers })
          response.end(reply.body ?? "")
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({ server, app: { origin: `http://127.0.0.1:${port}`, received } }))
      })
    }),
    ({ server }) =>
      Effect.callback<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ app }) => app))

/** A local port nothing listens on: bound, then released. */
export const closedPort = Effect.callback<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})
