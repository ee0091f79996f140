/**
 * What the dashboard's JSON endpoints answer: plain view models built from
 * the server's records (no secrets beyond what the local developer already
 * has), plus the rules for which action applies to which hook and the
 * messages that explain a refusal.
 *
 * @internal
 */
import type * as Hook from "../../../Hook.js"
import type { AttemptRecord, AttemptRequest, HookRecord, InFlight } from "../../HookRecord.js"
import { parseData } from "../../HookRecord.js"
import type { ListenerInfo, LocalPosthook, QuotaUsage } from "../../LocalPosthook.js"
import * as DeliveryRetries from "../../DeliveryRetries.js"
import type * as ServerConfig from "../../ServerConfig.js"
import { maskKey } from "../../ServerConfig.js"

/** The four actions of a hook's page. @internal */
export type Action = "retry" | "replay" | "cancel" | "deliver-now"

/** @internal */
export const ACTIONS: ReadonlyArray<Action> = ["retry", "replay", "cancel", "deliver-now"]

/** The outcome of the latest attempt, as the list's "last response" column shows it. @internal */
export interface LastAttempt {
  readonly attempt: number
  readonly transport: AttemptRecord["transport"]
  readonly outcome: AttemptRecord["outcome"]
  /** Short: `200`, `500`, `ack`, `nack`, `timeout`, `error`, `in flight`, … */
  readonly label: string
  readonly statusCode: number | null
  readonly durationMs: number | null
  readonly error: string | null
  readonly startedAt: number
}

/** One row of the hook list. @internal */
export interface HookRow {
  readonly id: string
  readonly path: string
  readonly status: Hook.HookStatus
  readonly postAt: number
  readonly createdAt: number
  readonly updatedAt: number
  readonly attempts: number
  readonly nextAttemptAt: number | null
  readonly inFlight: InFlight | null
  readonly failureError: string | null
  readonly last: LastAttempt | null
}

/** Which actions apply to a hook in its current state. @internal */
export interface ActionAvailability {
  readonly retry: boolean
  readonly replay: boolean
  readonly cancel: boolean
  readonly "deliver-now": boolean
}

/** One attempt on a hook's page: the record, plus a `curl` that replays an HTTP attempt. @internal */
export interface AttemptView extends AttemptRecord {
  readonly label: string
  readonly curl: string | null
}

/** A hook's page. @internal */
export interface HookDetail {
  readonly hook: HookRow & {
    /** The data, pretty-printed JSON. */
    readonly data: string
    readonly retryOverride: Hook.RetryOverride | null
    readonly postDurationSeconds: number
    /** Attempts made in the current delivery cycle, and how many the policy allows. */
    readonly cycleAttempts: number
    readonly maxAttempts: number
    readonly retryPolicy: Hook.RetryOverride
  }
  readonly actions: ActionAvailability
  /** Oldest first. */
  readonly attempts: ReadonlyArray<AttemptView>
  readonly serverTime: number
}

/** The header: the server's configuration and state. @internal */
export interface Overview {
  readonly project: { readonly id: string; readonly name: string }
  readonly serverTime: number
  readonly baseUrl: string
  readonly publicUrl: string
  readonly targetOrigin: string | null
  readonly store: string
  readonly asyncHooks: boolean
  readonly retryPolicy: Hook.RetryOverride
  readonly listeners: ReadonlyArray<ListenerInfo>
  readonly quota: { readonly limit: number | null; readonly usage: number; readonly resetsAt: number }
  /** Masked: the full keys are only served by the keys endpoint, on demand. */
  readonly keys: { readonly apiKey: string; readonly signingKeys: ReadonlyArray<string> }
}

/** @internal */
export const storeDescription = (config: ServerConfig.Resolved): string =>
  config.store === "memory" ? "memory" : `SQLite ${config.store.sqlite}`

/** @internal */
export const overview = (
  local: LocalPosthook,
  state: {
    readonly now: number
    readonly targetOrigin: string | undefined
    readonly listeners: ReadonlyArray<ListenerInfo>
    readonly quota: QuotaUsage
  }
): Overview => ({
  project: { id: local.config.projectId, name: local.config.projectName },
  serverTime: state.now,
  baseUrl: local.baseUrl,
  publicUrl: local.publicUrl,
  targetOrigin: state.targetOrigin ?? null,
  store: storeDescription(local.config),
  asyncHooks: local.config.asyncHooks,
  retryPolicy: local.config.retryPolicy,
  listeners: state.listeners,
  quota: { limit: state.quota.limit ?? null, usage: state.quota.usage, resetsAt: state.quota.resetsAt },
  keys: { apiKey: maskKey(local.apiKey), signingKeys: local.signingKeys.map(maskKey) }
})

/**
 * The short result of an attempt: the HTTP status when there was one, else
 * what the listener or the clock said.
 *
 * @internal
 */
export const attemptLabel = (attempt: AttemptRecord): string => {
  const status = attempt.response?.status
  const http = attempt.transport === "http" && status !== undefined
  switch (attempt.outcome) {
    case "in_flight":
      return "in flight"
    case "accepted":
      return http ? `${status} accepted` : "accepted"
    case "completed":
      return http ? (status === 202 ? "202 → ack" : String(status)) : "ack"
    case "failed":
      return http ? String(status) : "error"
    case "nacked":
      return http ? `${status} → nack` : "nack"
    case "timed_out":
      return http && status === 202 ? "202 → timeout" : "timeout"
    case "interrupted":
      return "interrupted"
    case "cancelled":
      return "cancelled"
  }
}

/** @internal */
export const lastAttempt = (attempts: ReadonlyArray<AttemptRecord>): LastAttempt | null => {
  const last = attempts.at(-1)
  if (last === undefined) return null
  return {
    attempt: last.attempt,
    transport: last.transport,
    outcome: last.outcome,
    label: attemptLabel(last),
    statusCode: last.response?.status ?? null,
    durationMs: last.durationMs,
    error: last.error,
    startedAt: last.startedAt
  }
}

/** @internal */
export const hookRow = (hook: HookRecord, attempts: ReadonlyArray<AttemptRecord>): HookRow => ({
  id: hook.id,
  path: hook.path,
  status: hook.status,
  postAt: hook.postAt,
  createdAt: hook.createdAt,
  updatedAt: hook.updatedAt,
  attempts: hook.attempts,
  nextAttemptAt: hook.nextAttemptAt,
  inFlight: hook.inFlight,
  failureError: hook.failureError,
  last: lastAttempt(attempts)
})

const waiting = (hook: HookRecord): boolean => hook.status === "pending" || hook.status === "retry"

/**
 * The same rules as the REST bulk endpoints: retry takes failed hooks,
 * replay completed ones, cancel pending (or retrying) ones; "deliver now"
 * takes a waiting hook that is not in flight.
 *
 * @internal
 */
export const availableActions = (hook: HookRecord): ActionAvailability => ({
  retry: hook.status === "failed",
  replay: hook.status === "completed",
  cancel: waiting(hook),
  "deliver-now": waiting(hook) && hook.inFlight === null
})

const describeState = (hook: HookRecord): string =>
  hook.status === "failed" && hook.failureError === "cancelled"
    ? "failed (cancelled)"
    : hook.status === "retry"
    ? "waiting to retry"
    : hook.status

/**
 * Why an action does not apply to this hook, in words a developer can act on.
 *
 * @internal
 */
export const refusal = (action: Action, hook: HookRecord): string => {
  const subject = `Hook ${hook.id} is ${describeState(hook)}`
  switch (action) {
    case "retry":
      return `${subject}: only a failed hook can be retried.${
        hook.status === "completed" ? " Use Replay to deliver a completed hook again." : ""
      }`
    case "replay":
      return `${subject}: only a completed hook can be replayed.${
        hook.status === "failed" ? " Use Retry to try a failed hook again." : ""
      }`
    case "cancel":
      return `${subject}: only a pending hook (or one waiting to retry) can be cancelled.`
    case "deliver-now":
      return waiting(hook) && hook.inFlight !== null
        ? `${subject} and attempt ${hook.inFlight.attempt} is in flight right now: wait for its answer.`
        : `${subject}: only a pending hook (or one waiting to retry) can be delivered now.`
  }
}

/** @internal */
export const success = (action: Action): string => {
  switch (action) {
    case "retry":
      return "Retried: the hook got a fresh retry budget and was queued for delivery now."
    case "replay":
      return "Replayed: the hook was queued for delivery again, now."
    case "cancel":
      return "Cancelled: the hook will not be delivered (its status is now failed, with the error \"cancelled\")."
    case "deliver-now":
      return "Delivered now: the next attempt was moved to this moment."
  }
}

/** POSIX shell single quotes: safe for any text. @internal */
export const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`

/**
 * A `curl` command that sends the attempt's exact request again (same URL,
 * headers and body bytes). Only HTTP attempts have one. The signature's
 * timestamp is the original one, so a verifier with the default 300 s
 * tolerance refuses a replay made later than that.
 *
 * @internal
 */
export const curlCommand = (request: AttemptRequest): string | null => {
  if (request.url === null) return null
  const lines = [`curl -i -sS -X POST ${shellQuote(request.url)}`]
  for (const [name, value] of Object.entries(request.headers)) lines.push(`  -H ${shellQuote(`${name}: ${value}`)}`)
  lines.push(`  --data-raw ${shellQuote(request.body)}`)
  return lines.join(" \\\n")
}

const prettyJson = (text: string): string => {
  try {
    return JSON.stringify(parseData(text), null, 2)
  } catch {
    return text
  }
}

/** @internal */
export const hookDetail = (
  hook: HookRecord,
  attempts: ReadonlyArray<AttemptRecord>,
  projectPolicy: Hook.RetryOverride,
  now: number
): HookDetail => {
  const retryPolicy = hook.retryOverride ?? projectPolicy
  return {
    hook: {
      ...hookRow(hook, attempts),
      data: prettyJson(hook.data),
      retryOverride: hook.retryOverride,
      postDurationSeconds: hook.postDurationSeconds,
      cycleAttempts: Math.max(0, hook.attempts - hook.cycleStart),
      maxAttempts: DeliveryRetries.maxAttempts(retryPolicy),
      retryPolicy
    },
    actions: availableActions(hook),
    attempts: attempts.map((attempt) => ({ ...attempt, label: attemptLabel(attempt), curl: curlCommand(attempt.request) })),
    serverTime: now
  }
}
