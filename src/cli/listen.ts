/**
 * `posthook listen`: receive deliveries over a WebSocket (from the real
 * service or from `posthook dev`).
 *
 * With `--forward <url>` each delivery is replayed to `<url><path>` as the
 * signed HTTP POST the endpoint would have received, and the local answer
 * decides the result: 2xx ack, 202 accept (async hooks), anything else or no
 * answer nack. Without it, deliveries are printed and acked.
 *
 * ```sh
 * posthook listen --forward http://127.0.0.1:3000
 * posthook listen --forward http://127.0.0.1:3000/api --verbose
 * posthook listen --json | jq .
 * ```
 *
 * One line per delivery (`--json`: one JSON object per line). Ctrl-C stops
 * taking deliveries, lets running forwards finish, and closes the socket.
 *
 * @internal
 */
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import type * as HttpClient from "effect/http/HttpClient"
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type Delivery, Result } from "../Delivery.js"
import * as Terminal from "../internal/terminal.js"
import * as Listener from "../Listener.js"
import * as Client from "./internal/client.js"
import * as Exit from "./internal/exit.js"
import * as Forward from "./internal/forward.js"
import * as CliOptions from "./internal/options.js"
import * as Output from "./internal/output.js"

const flags = {
  ...CliOptions.connection,
  json: CliOptions.jsonOutput("Print one JSON object per line (for scripts)."),
  forward: CliOptions.optionalText(
    "forward",
    "Replay each delivery as a signed HTTP POST to URL + the hook's path.",
    "URL"
  ),
  verbose: CliOptions.toggle("verbose", "Also print request and response headers and bodies.").pipe(
    Flag.withAlias("v")
  ),
  maxConcurrency: CliOptions.optionalInteger(
    "max-concurrency",
    "Handle at most this many deliveries at once; more are nacked (\"At capacity\")."
  )
} as const

type Flags = Command.Command.Config.Infer<typeof flags>

/**
 * A line-oriented report of what happens, for people or (`--json`) scripts.
 * Lines carry what came over the wire (paths, project names, reasons, the
 * app's error bodies): escaped, so each is one line and none drives the
 * terminal. JSON stays JSON.
 */
interface Report {
  readonly line: (text: string, json: Record<string, unknown>) => Effect.Effect<void>
}

const makeReport = (json: boolean): Report => ({
  line: (text, fields) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      json
        ? Console.log(Terminal.escape(JSON.stringify({ time: new Date(now).toISOString(), ...fields })))
        : Console.log(Terminal.escape(`${new Date(now).toISOString().slice(11, 19)}  ${text}`)))
})

const resultName = (result: Result): "ack" | "nack" | "accept" =>
  Result.$match(result, {
    Ack: () => "ack" as const,
    Nack: () => "nack" as const,
    Accept: () => "accept" as const
  })

const resultText = (result: Result): string =>
  Result.$match(result, {
    Ack: () => "ack",
    Nack: ({ error }) => error === undefined ? "nack" : `nack (${error})`,
    Accept: ({ timeout }) => `accept (${Duration.format(timeout)} to call back)`
  })

const attemptOf = (delivery: Delivery): string =>
  delivery.ws === undefined ? "" : ` attempt ${delivery.ws.attempt}/${delivery.ws.maxAttempts}`

/** A block of received text (headers, bodies), indented, each line escaped. */
const indent = (text: string): string => Terminal.escapeLines(text).replace(/^/gm, "    ")

const headerLines = (headers: Readonly<Record<string, string>>): string =>
  Object.entries(headers).map(([name, value]) => `${name}: ${value}`).join("\n")

/** Forwards one delivery and reports it. */
const forwardHandler = (target: URL, flags: Flags, report: Report) => (delivery: Delivery) =>
  Effect.gen(function*() {
    const forwarded = yield* Forward.forward(target, delivery)
    const status = forwarded.status === undefined ? "---" : String(forwarded.status)
    yield* report.line(
      `POST ${delivery.path} ${status} ${resultText(forwarded.result)} ${forwarded.durationMs} ms  (hook ${delivery.hookId}${
        attemptOf(delivery)
      })`,
      {
        event: "delivery",
        hookId: delivery.hookId,
        path: delivery.path,
        attempt: delivery.ws?.attempt,
        maxAttempts: delivery.ws?.maxAttempts,
        method: "POST",
        url: forwarded.request.url,
        status: forwarded.status ?? null,
        durationMs: forwarded.durationMs,
        result: resultName(forwarded.result),
        ...Result.$match(forwarded.result, {
          Ack: () => ({}),
          Nack: ({ error }) => error === undefined ? {} : { error },
          Accept: ({ timeout }) => ({ timeoutSeconds: Duration.toSeconds(timeout) })
        }),
        ...(flags.verbose
          ? {
            requestHeaders: forwarded.request.headers,
            requestBody: forwarded.request.body,
            responseHeaders: forwarded.responseHeaders,
            responseBody: forwarded.responseBody
          }
          : {})
      }
    )
    if (flags.verbose && !flags.json) {
      yield* Console.log(
        [
          `  > POST ${Terminal.escape(forwarded.request.url)}`,
          indent(headerLines(forwarded.request.headers)),
          indent(forwarded.request.body),
          `  < ${status}`,
          indent(headerLines(forwarded.responseHeaders)),
          ...(forwarded.responseBody.length > 0 ? [indent(forwarded.responseBody)] : [])
        ].join("\n")
      )
    }
    return forwarded.result
  })

/** Without `--forward`: print the delivery and ack it. */
const printHandler = (flags: Flags, report: Report) => (delivery: Delivery) =>
  Effect.gen(function*() {
    yield* report.line(`${delivery.path} ack  (hook ${delivery.hookId}${attemptOf(delivery)})`, {
      event: "delivery",
      hookId: delivery.hookId,
      path: delivery.path,
      attempt: delivery.ws?.attempt,
      maxAttempts: delivery.ws?.maxAttempts,
      result: "ack",
      ...(flags.verbose ? { data: delivery.data, postAt: Output.formatTime(delivery.postAt) } : {})
    })
    if (flags.verbose && !flags.json) yield* Console.log(indent(JSON.stringify(delivery.data, null, 2) ?? "null"))
    return Result.ack()
  })

const targetOf = (flags: Flags): Effect.Effect<Option.Option<URL>, Exit.CliFailure> =>
  Option.match(flags.forward, {
    onNone: () => Effect.succeed(Option.none()),
    onSome: (url) =>
      URL.canParse(url) && /^https?:$/.test(new URL(url).protocol)
        ? Effect.succeed(Option.some(new URL(url)))
        : Effect.fail(Exit.usage(`--forward: not an http(s) URL: ${url}`))
  })

const listen = (flags: Flags) =>
  Effect.gen(function*() {
    const target = yield* targetOf(flags)
    if (Option.isSome(flags.maxConcurrency) && flags.maxConcurrency.value < 1) {
      return yield* Exit.usage("--max-concurrency must be at least 1")
    }
    const report = makeReport(flags.json)
    const handler: (delivery: Delivery) => Effect.Effect<Result, never, HttpClient.HttpClient> = Option.match(
      target,
      {
        onNone: () => printHandler(flags, report),
        onSome: (url) => forwardHandler(url, flags, report)
      }
    )
    const listener = yield* Listener.listen(handler, {
      forward: Option.isSome(target),
      maxConcurrency: Option.getOrUndefined(flags.maxConcurrency),
      onConnected: (info) =>
        report.line(
          `Connected to ${info.projectName} (connection ${info.connectionId})${
            Option.match(target, { onNone: () => "", onSome: (url) => `, forwarding to ${url.href}` })
          }. Ctrl-C to stop.`,
          {
            event: "connected",
            connectionId: info.connectionId,
            projectId: info.projectId,
            projectName: info.projectName,
            ...Option.match(target, { onNone: () => ({}), onSome: (url) => ({ forward: url.href }) })
          }
        ),
      onDisconnected: (reason) =>
        report.line(`Disconnected: ${reason.message}`, { event: "disconnected", reason: reason.message }),
      onReconnecting: (info) =>
        report.line(
          `Reconnecting in ${Duration.format(info.delay)} (attempt ${info.attempt})`,
          { event: "reconnecting", attempt: info.attempt, delayMs: Duration.toMillis(info.delay) }
        ),
      onAckTimeout: (info) =>
        report.line(
          `No answer in time for hook ${info.hookId} attempt ${info.attempt}; Posthook will retry it`,
          { event: "ack_timeout", hookId: info.hookId, attempt: info.attempt }
        )
    })
    yield* listener.wait
  }).pipe(Effect.scoped, Effect.provide(NodeSocket.layerWebSocketConstructor))

/**
 * The `listen` command.
 *
 * @internal
 */
export const command = Command.make("listen", flags, (flags) => Client.run("posthook.cli.listen", flags, listen(flags)))
  .pipe(
    Command.withDescription(
      "Receive deliveries over a WebSocket; with --forward, replay each to a local URL and answer from its response."
    )
  )
