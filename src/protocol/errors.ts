/**
 * The wire facts of the error table (docs/protocol.md §1): which HTTP status
 * means which error (each error class in `PosthookError` carries its stable
 * `code`), and which statuses are worth another attempt; plus reading the
 * error codes Node hangs on a failed connection. Shared by the SDK (mapping
 * responses to errors, retrying) and the local server's dispatcher (naming
 * why a delivery got no response).
 *
 * @internal
 */
import * as Predicate from "effect/Predicate"

/**
 * The `_tag` of an error the API answers with.
 *
 * @internal
 */
export interface ApiErrorKind {
  readonly tag:
    | "BadRequestError"
    | "AuthenticationError"
    | "ForbiddenError"
    | "NotFoundError"
    | "PayloadTooLargeError"
    | "RateLimitError"
    | "InternalServerError"
    | "PosthookApiError"
}

/** The statuses the error table names. Any other 5xx, including a proxy's HTML 502, is an `InternalServerError`. */
const NAMED_STATUSES: Readonly<Record<number, ApiErrorKind>> = {
  400: { tag: "BadRequestError" },
  401: { tag: "AuthenticationError" },
  403: { tag: "ForbiddenError" },
  404: { tag: "NotFoundError" },
  413: { tag: "PayloadTooLargeError" },
  429: { tag: "RateLimitError" }
}

const INTERNAL_SERVER_ERROR: ApiErrorKind = { tag: "InternalServerError" }

/** A status ≥ 400 the table does not name. */
const UNKNOWN_ERROR: ApiErrorKind = { tag: "PosthookApiError" }

/**
 * The error an HTTP error status (≥ 400) stands for.
 *
 * @internal
 */
export const errorKindOf = (status: number): ApiErrorKind =>
  NAMED_STATUSES[status] ?? (status >= 500 ? INTERNAL_SERVER_ERROR : UNKNOWN_ERROR)

/**
 * Whether a request answered with this status may succeed if sent again:
 * 408 (request timeout), 429 (rate limited) and every 5xx.
 *
 * @internal
 */
export const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500

/** How deep to follow `cause` links: undici nests its codes two or three levels down. */
const MAX_CAUSE_DEPTH = 6

/**
 * The string `code`s of an error and of its `cause` chain, outermost first
 * (`fetch` and undici wrap Node's `ECONNREFUSED` & co. in `cause`). Objects
 * only; the chain is followed at most {@link MAX_CAUSE_DEPTH} levels, which
 * also stops a cycle.
 *
 * @internal
 */
export const causeCodes = (error: unknown): ReadonlyArray<string> => {
  const codes: Array<string> = []
  let current: unknown = error
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && Predicate.isObjectKeyword(current); depth++) {
    if (Predicate.hasProperty(current, "code") && typeof current.code === "string") codes.push(current.code)
    current = Predicate.hasProperty(current, "cause") ? current.cause : undefined
  }
  return codes
}

/**
 * Why a connection failed, as far as its error codes tell: refused, reset
 * (or closed under the request), or the host name did not resolve.
 *
 * @internal
 */
export type ConnectionCodeFailure = "Refused" | "Reset" | "DNS"

const RESET_CODES: ReadonlySet<string> = new Set(["ECONNRESET", "UND_ERR_SOCKET", "EPIPE", "UND_ERR_CLOSED"])
const DNS_CODES: ReadonlySet<string> = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME"])

/**
 * Names a connection failure from {@link causeCodes}, or `undefined` when no
 * code says which it was.
 *
 * @internal
 */
export const connectionFailureOf = (codes: ReadonlyArray<string>): ConnectionCodeFailure | undefined => {
  if (codes.includes("ECONNREFUSED")) return "Refused"
  if (codes.some((code) => RESET_CODES.has(code))) return "Reset"
  if (codes.some((code) => DNS_CODES.has(code))) return "DNS"
  return undefined
}
