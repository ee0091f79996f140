/**
 * `Posthook-Async-Timeout`: how long an endpoint that answered 202 has to
 * call the ack or nack URL (docs/protocol.md §2). Written by the SDK's HTTP
 * handlers on a 202; read by the local server (the deadline it enforces) and
 * by `posthook listen --forward` (the timeout it accepts with).
 *
 * @internal
 */

/** The header, lower-cased as Node and `effect/http` give header names. */
export const HEADER = "posthook-async-timeout"

/** The deadline when the endpoint names none: 300 s. */
export const DEFAULT_SECONDS = 300

const DECIMAL_SECONDS = /^\s*\d+(\.\d+)?\s*$/

/** The header's value in seconds, when it is a positive decimal number; otherwise `undefined`. */
export const parseSeconds = (headers: Readonly<Record<string, string>>): number | undefined => {
  const raw = headers[HEADER]
  if (raw === undefined || !DECIMAL_SECONDS.test(raw)) return undefined
  const seconds = Number(raw)
  return seconds > 0 ? seconds : undefined
}
