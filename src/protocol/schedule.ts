/**
 * The rules for what may be sent to `POST /v1/hooks`, `GET /v1/hooks` and
 * `POST /v1/hooks/bulk/*` (docs/protocol.md §1.1, §1.3, §1.4), as small pure
 * functions returning `Result`. The calendar and time-zone arithmetic they
 * rely on lives in `calendar.ts`.
 *
 * Two layers:
 * - `validate*` functions check a wire body (a parsed JSON value): the local
 *   server runs them on what it receives.
 * - `encode*` functions turn the SDK's friendlier inputs (`Date`, `DateTime`,
 *   Effect `Duration`) into the wire body and then run the same `validate*`
 *   rules, so the client refuses exactly what the server would refuse.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"
import * as Result from "effect/Result"
import type { Mutable } from "effect/Types"
import type * as Hook from "../Hook.js"
import {
  type Checked,
  invalid,
  normalizeRfc3339,
  type TimeInput,
  toUtcString,
  validateLocalDateTime,
  validateTimeZone
} from "./calendar.js"
import * as PostDuration from "./duration.js"

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

/** Largest `limit` of `GET /v1/hooks` and of a bulk filter. @internal */
export const MAX_LIMIT = 1000

/** Most ids one bulk call may name. @internal */
export const MAX_BULK_IDS = 1000

/** Largest hook `data`, as UTF-8 bytes of its JSON; the API answers 413 above it. @internal */
export const MAX_DATA_BYTES = 64 * 1024

/**
 * Deepest nesting of arrays and objects in hook `data` (`[[1]]` is 2 levels).
 * Deeper data is refused (400 / `ValidationError`): JSON.stringify and every
 * recursive reader of the data (here, in a receiving app, in other SDKs) would
 * overflow the stack a few thousand levels down, and no real payload nests so deep.
 *
 * @internal
 */
export const MAX_DATA_DEPTH = 1000

/**
 * Longest hook path (and bulk `endpointKey`), in characters. It goes into the
 * request line of every delivery: with percent-encoding a 2,048-character path
 * still fits the 16 KB that HTTP servers commonly allow for the request line and
 * headers, so it cannot turn into a 431 on every attempt.
 *
 * @internal
 */
export const MAX_PATH_LENGTH = 2048

/** The ranges of a retry override (docs/protocol.md §1.1). @internal */
export const RETRY_OVERRIDE_RANGES = {
  minRetries: { min: 1, max: 15, integer: true },
  delaySecs: { min: 5, max: 60, integer: true },
  backoffFactor: { min: 1.1, max: 4.0, integer: false },
  maxDelaySecs: { min: 60, max: 3600, integer: true }
} as const

// ---------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------

/**
 * What the SDK accepts for `postIn`: a Posthook duration string (`"5m"`,
 * `"1h30m"`) or an Effect `Duration` of whole seconds.
 *
 * @internal
 */
export type PostInInput = string | Duration.Duration

/**
 * Checks a `postIn` and returns the duration string to send.
 *
 * @internal
 */
export const encodePostIn = (input: PostInInput): Checked<string> => {
  if (typeof input === "string") {
    const seconds = PostDuration.parseSeconds(input)
    return Result.isFailure(seconds) ? invalid("postIn", seconds.failure) : Result.succeed(input)
  }
  if (!Duration.isDuration(input) || !Duration.isFinite(input)) {
    return invalid("postIn", "postIn must be a duration string such as \"5m\" or a finite Effect Duration")
  }
  const millis = Duration.toMillis(input)
  if (millis % 1000 !== 0) {
    return invalid("postIn", `postIn must be whole seconds, got ${Duration.format(input)}`)
  }
  const seconds = millis / 1000
  if (seconds < PostDuration.MIN_SECONDS) return invalid("postIn", "postIn must be at least 1 second")
  if (seconds > PostDuration.MAX_SECONDS) return invalid("postIn", "postIn must be at most 365 days")
  return Result.succeed(PostDuration.formatSeconds(seconds))
}

// ---------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------

/** What JSON.stringify cannot represent faithfully in a value that is not an object, said after its path. */
const describeScalarProblem = (value: unknown): string | undefined => {
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) ? undefined : `is ${value}, which JSON cannot represent`
    case "bigint":
      return "is a BigInt, which JSON cannot represent (send it as a string)"
    case "function":
      return "is a function"
    case "symbol":
      return "is a symbol"
    case "undefined":
      return "is undefined"
    default:
      return undefined
  }
}

/**
 * Walks `value` as JSON.stringify would (calling `toJSON` once per position)
 * and says what it would lose, or that the value nests deeper than
 * {@link MAX_DATA_DEPTH}. The recursion is bounded by that depth, so no input
 * can overflow the stack. The path (`data.items[2].at`) is kept as a stack of
 * keys and written out only when there is a problem: valid data, the usual
 * case, costs no string per value. A class rather than closures made per
 * call: a sixth of the time on small data (0.2 vs 1.4 µs), which every
 * `Hooks.schedule` checks.
 */
class JsonWalk {
  private readonly ancestors = new Set<object>()
  private readonly keys: Array<string | number> = []
  constructor(private readonly field: string) {}

  /** The problem of the value at the root, or `undefined`. */
  static problemOf(field: string, value: unknown): string | undefined {
    return new JsonWalk(field).walk(value, 0)
  }

  private at(): string {
    let path = this.field
    for (const key of this.keys) path += typeof key === "number" ? `[${key}]` : `.${key}`
    return path
  }

  private scalar(value: unknown): string | undefined {
    const problem = describeScalarProblem(value)
    return problem === undefined ? undefined : `${this.at()} ${problem}`
  }

  private walk(value: unknown, depth: number): string | undefined {
    if (typeof value !== "object" || value === null) return this.scalar(value)
    // `toJSON` is what JSON.stringify would call (Date has one); it does not call it again on the result.
    if (Predicate.hasProperty(value, "toJSON") && typeof value.toJSON === "function") {
      let replaced: unknown
      try {
        replaced = value.toJSON()
      } catch {
        return `${this.at()}.toJSON() threw`
      }
      return typeof replaced !== "object" || replaced === null
        ? this.scalar(replaced)
        : this.object(replaced, depth)
    }
    return this.object(value, depth)
  }

  private entry(key: string | number, entry: unknown, depth: number): string | undefined {
    this.keys.push(key)
    const problem = this.walk(entry, depth)
    this.keys.pop()
    return problem
  }

  private object(value: object, depth: number): string | undefined {
    if (value instanceof Map || value instanceof Set) {
      return `${this.at()} is a ${value instanceof Map ? "Map" : "Set"}, which JSON.stringify turns into {}`
    }
    if (this.ancestors.has(value)) return `${this.at()} refers back to itself (a cycle)`
    if (depth >= MAX_DATA_DEPTH) {
      return `${this.field} nests arrays and objects more than ${MAX_DATA_DEPTH} levels deep`
    }
    // No `finally`: an exception (a throwing getter) leaves the walk, which is then dropped.
    this.ancestors.add(value)
    const problem = Array.isArray(value) ? this.array(value, depth) : this.record(value, depth)
    this.ancestors.delete(value)
    return problem
  }

  private array(value: ReadonlyArray<unknown>, depth: number): string | undefined {
    for (let index = 0; index < value.length; index++) {
      const problem = this.entry(index, value[index], depth + 1)
      if (problem !== undefined) return problem
    }
    return undefined
  }

  private record(value: object, depth: number): string | undefined {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue
      const entry: unknown = Reflect.get(value, key)
      // JSON.stringify omits undefined properties; that is the usual meaning of an optional field.
      if (entry === undefined) continue
      const problem = this.entry(key, entry, depth + 1)
      if (problem !== undefined) return problem
    }
    return undefined
  }
}

/**
 * The UTF-8 length of a string, without encoding it: 1 byte per code unit
 * below U+0080, 2 below U+0800, 4 per surrogate pair, otherwise 3 (a lone
 * surrogate becomes U+FFFD, also 3).
 */
const utf8Length = (text: string): number => {
  let bytes = 0
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4
        index++
      } else {
        bytes += 3
      }
    } else bytes += 3
  }
  return bytes
}

/**
 * Checks that JSON-serialisable `data` fits the API's limit of
 * {@link MAX_DATA_BYTES} UTF-8 bytes of JSON, so an oversized hook is refused
 * before anything is sent instead of by a 413 from the server.
 *
 * @internal
 */
export const validateDataSize = (field: string, value: unknown): Checked<unknown> => {
  const json = JSON.stringify(value) ?? "null"
  // A UTF-16 code unit is at most 3 UTF-8 bytes: small JSON needs no counting.
  if (json.length * 3 <= MAX_DATA_BYTES) return Result.succeed(value)
  const bytes = utf8Length(json)
  return bytes > MAX_DATA_BYTES
    ? invalid(field, `${field} is too large: its JSON is ${bytes} bytes, the limit is ${MAX_DATA_BYTES} bytes (64 KB)`)
    : Result.succeed(value)
}

/**
 * Checks that a value survives `JSON.stringify` unchanged in meaning: no
 * BigInt, function, symbol, non-finite number, Map/Set, cycle, or
 * `undefined` (except as an object property, which JSON omits); and that it
 * nests at most {@link MAX_DATA_DEPTH} levels deep.
 *
 * @internal
 */
export const validateJson = (field: string, value: unknown): Checked<unknown> => {
  const problem = JsonWalk.problemOf(field, value)
  return problem === undefined
    ? Result.succeed(value)
    : invalid(field, `${field} must be JSON-serialisable: ${problem}`)
}

// ---------------------------------------------------------------------------
// Retry override
// ---------------------------------------------------------------------------

const checkRange = (
  field: string,
  value: unknown,
  range: { readonly min: number; readonly max: number; readonly integer: boolean }
): Checked<number> => {
  const kind = range.integer ? "an integer" : "a number"
  if (typeof value !== "number" || !Number.isFinite(value) || (range.integer && !Number.isInteger(value))) {
    return invalid(field, `${field} must be ${kind} from ${range.min} to ${range.max}`)
  }
  if (value < range.min || value > range.max) {
    return invalid(field, `${field} must be ${kind} from ${range.min} to ${range.max}, got ${value}`)
  }
  return Result.succeed(value)
}

/**
 * Checks a retry override against the ranges of docs/protocol.md §1.1:
 * `minRetries` 1–15, `delaySecs` 5–60, `strategy` `fixed` | `exponential`,
 * `backoffFactor` 1.1–4.0 and `maxDelaySecs` 60–3600 for `exponential` only
 * (`maxDelaySecs` is required there), `jitter` a boolean. Unknown fields are
 * dropped.
 *
 * @internal
 */
export const validateRetryOverride = (input: unknown, field = "retryOverride"): Checked<Hook.RetryOverride> =>
  Result.gen(function*() {
    if (!Predicate.isObject(input)) return yield* invalid(field, `${field} must be an object`)
    const ranges = RETRY_OVERRIDE_RANGES
    const minRetries = yield* checkRange(`${field}.minRetries`, input.minRetries, ranges.minRetries)
    const delaySecs = yield* checkRange(`${field}.delaySecs`, input.delaySecs, ranges.delaySecs)
    const strategy = input.strategy
    if (strategy !== "fixed" && strategy !== "exponential") {
      return yield* invalid(`${field}.strategy`, `${field}.strategy must be "fixed" or "exponential"`)
    }
    const present = (value: unknown) => value !== undefined && value !== null
    if (strategy === "fixed") {
      for (const name of ["backoffFactor", "maxDelaySecs"] as const) {
        if (present(input[name])) {
          return yield* invalid(`${field}.${name}`, `${field}.${name} applies to the exponential strategy only`)
        }
      }
    }
    const backoffFactor = present(input.backoffFactor)
      ? yield* checkRange(`${field}.backoffFactor`, input.backoffFactor, ranges.backoffFactor)
      : undefined
    if (strategy === "exponential" && !present(input.maxDelaySecs)) {
      return yield* invalid(`${field}.maxDelaySecs`, `${field}.maxDelaySecs is required for the exponential strategy`)
    }
    const maxDelaySecs = present(input.maxDelaySecs)
      ? yield* checkRange(`${field}.maxDelaySecs`, input.maxDelaySecs, ranges.maxDelaySecs)
      : undefined
    if (present(input.jitter) && typeof input.jitter !== "boolean") {
      return yield* invalid(`${field}.jitter`, `${field}.jitter must be a boolean`)
    }
    const jitter = typeof input.jitter === "boolean" ? input.jitter : undefined
    return {
      minRetries,
      delaySecs,
      strategy,
      ...(backoffFactor === undefined ? {} : { backoffFactor }),
      ...(maxDelaySecs === undefined ? {} : { maxDelaySecs }),
      ...(jitter === undefined ? {} : { jitter })
    }
  })

// ---------------------------------------------------------------------------
// Schedule body
// ---------------------------------------------------------------------------

/**
 * The JSON body of `POST /v1/hooks`, after validation: exactly one of
 * `postIn`, `postAt` (UTC) or `postAtLocal` (+ `timezone`).
 *
 * @internal
 */
export interface ScheduleBody {
  readonly path: string
  readonly data?: unknown
  readonly postIn?: string
  readonly postAt?: string
  readonly postAtLocal?: string
  readonly timezone?: string
  readonly retryOverride?: Hook.RetryOverride
}

const MODES = ["postIn", "postAt", "postAtLocal"] as const

/** The first C0 or C1 control character (U+0000–U+001F, U+007F–U+009F) of `text`, as its index. */
const controlCharacterAt = (text: string): number => {
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index)
    if (unit <= 0x1f || (unit >= 0x7f && unit <= 0x9f)) return index
  }
  return -1
}

/**
 * Checks a hook path: a string starting with `/`, at most
 * {@link MAX_PATH_LENGTH} characters, without control characters (CR/LF, NUL,
 * ESC, …). URL parsing drops tabs and line breaks, so such a path would be
 * delivered to another path; escape codes would reach terminals that show it.
 * The message never repeats the path.
 *
 * @internal
 */
export const validatePath = (field: string, input: unknown): Checked<string> => {
  if (typeof input !== "string" || !input.startsWith("/")) {
    return invalid(field, `${field} must be a string starting with "/" (e.g. "/webhooks/user-created")`)
  }
  if (input.length > MAX_PATH_LENGTH) {
    return invalid(field, `${field} is ${input.length} characters long: the limit is ${MAX_PATH_LENGTH}`)
  }
  const control = controlCharacterAt(input)
  if (control >= 0) {
    const code = input.charCodeAt(control).toString(16).toUpperCase().padStart(4, "0")
    return invalid(
      field,
      `${field} contains the control character U+${code} at index ${control}: control characters are not allowed in a path (percent-encode them)`
    )
  }
  return Result.succeed(input)
}

/**
 * Checks a `POST /v1/hooks` body (a parsed JSON value, or what the SDK is
 * about to send) and returns it normalised: `postAt` in UTC, `timezone` in
 * its canonical spelling, unknown fields dropped.
 *
 * @internal
 */
export const validateScheduleBody = (input: unknown): Checked<ScheduleBody> =>
  Predicate.isObject(input)
    ? checkScheduleBody(input, input.postIn, input.postAt, false)
    : invalid("body", "the body must be a JSON object")

/** The fields of a schedule body besides `postIn` and `postAt`, as yet unchecked. */
interface BodyFields {
  readonly path?: unknown
  readonly data?: unknown
  readonly postAtLocal?: unknown
  readonly timezone?: unknown
  readonly retryOverride?: unknown
}

/** Whether a body field is set: JSON `null` reads as absent, as `undefined` does. */
const isSet = (value: unknown): boolean => value !== undefined && value !== null

/**
 * The rules of {@link validateScheduleBody} over an object, with `postIn` and
 * `postAt` passed apart: {@link encodeSchedule} gives them already encoded
 * (`postInChecked`: a duration string {@link encodePostIn} returned, which
 * needs no second parse). Plain code rather than `Result.gen`, which cost
 * about 5 µs per `Hooks.schedule`: every check, message and field order is
 * the same.
 */
const checkScheduleBody = (
  input: BodyFields,
  postIn: unknown,
  postAt: unknown,
  postInChecked: boolean
): Checked<ScheduleBody> => {
  const path = validatePath("path", input.path)
  if (Result.isFailure(path)) return Result.fail(path.failure)
  const hasPostIn = isSet(postIn)
  const hasPostAt = isSet(postAt)
  const hasPostAtLocal = isSet(input.postAtLocal)
  const modes = (hasPostIn ? 1 : 0) + (hasPostAt ? 1 : 0) + (hasPostAtLocal ? 1 : 0)
  if (modes === 0) return invalid("postIn", "exactly one of postIn, postAt or postAtLocal is required")
  if (modes > 1) {
    const given = MODES.filter((mode) => mode === "postIn" ? hasPostIn : mode === "postAt" ? hasPostAt : hasPostAtLocal)
    return invalid(
      given[1] ?? "postIn",
      `${given.join(" and ")} were both given: exactly one of postIn, postAt or postAtLocal is allowed`
    )
  }
  const hasTimezone = isSet(input.timezone)
  const body: Mutable<ScheduleBody> = { path: path.success }
  const hasData = "data" in input
  // Set now for its place in the JSON (path, data, timing, retryOverride); checked last, as before.
  if (hasData) body.data = input.data
  if (hasPostIn) {
    if (typeof postIn !== "string") return invalid("postIn", "postIn must be a duration string")
    if (!postInChecked) {
      const checked = encodePostIn(postIn)
      if (Result.isFailure(checked)) return Result.fail(checked.failure)
    }
    body.postIn = postIn
  } else if (hasPostAt) {
    if (typeof postAt !== "string") return invalid("postAt", "postAt must be an RFC 3339 string")
    const normalized = normalizeRfc3339("postAt", postAt)
    if (Result.isFailure(normalized)) return Result.fail(normalized.failure)
    body.postAt = normalized.success
  } else {
    if (!hasTimezone) {
      return invalid("timezone", "postAtLocal needs a timezone, an IANA zone such as \"America/New_York\"")
    }
    const local = validateLocalDateTime("postAtLocal", input.postAtLocal)
    if (Result.isFailure(local)) return Result.fail(local.failure)
    const timezone = validateTimeZone("timezone", input.timezone)
    if (Result.isFailure(timezone)) return Result.fail(timezone.failure)
    body.postAtLocal = local.success
    body.timezone = timezone.success
  }
  if (hasTimezone && !hasPostAtLocal) return invalid("timezone", "timezone goes with postAtLocal only")
  if (isSet(input.retryOverride)) {
    const retryOverride = validateRetryOverride(input.retryOverride)
    if (Result.isFailure(retryOverride)) return Result.fail(retryOverride.failure)
    body.retryOverride = retryOverride.success
  }
  if (hasData) {
    const data = validateJson("data", input.data)
    if (Result.isFailure(data)) return Result.fail(data.failure)
  }
  return Result.succeed(body)
}

/**
 * What `Hooks.schedule` accepts, before encoding. Exactly one scheduling mode
 * must be set; `data` is already encoded (by the caller's schema, if any).
 *
 * @internal
 */
export interface ScheduleInput {
  readonly path: string
  readonly data?: unknown
  readonly postIn?: PostInInput | undefined
  readonly postAt?: TimeInput | undefined
  readonly postAtLocal?: string | undefined
  readonly timezone?: string | undefined
  readonly retryOverride?: Hook.RetryOverride | undefined
}

/**
 * Encodes schedule parameters into the wire body, refusing invalid input with
 * a `ValidationError` (nothing is sent then): the rules of
 * {@link validateScheduleBody}, plus the API's {@link MAX_DATA_BYTES} limit on
 * `data` (which the server answers with 413, not as a bad body).
 *
 * @internal
 */
export const encodeSchedule = (input: ScheduleInput): Checked<ScheduleBody> => {
  let postIn: string | undefined
  if (input.postIn !== undefined) {
    const encoded = encodePostIn(input.postIn)
    if (Result.isFailure(encoded)) return Result.fail(encoded.failure)
    postIn = encoded.success
  }
  let postAt: string | undefined
  if (input.postAt !== undefined) {
    const encoded = toUtcString("postAt", input.postAt)
    if (Result.isFailure(encoded)) return Result.fail(encoded.failure)
    postAt = encoded.success
  }
  if ("data" in input && input.data === undefined) {
    return invalid("data", "data is undefined: leave the field out, or pass null")
  }
  // `postAt` is checked again: a `Date` past year 9999 encodes to a text RFC 3339 does not allow.
  const body = checkScheduleBody(input, postIn, postAt, true)
  if (Result.isFailure(body)) return body
  if ("data" in body.success) {
    const size = validateDataSize("data", body.success.data)
    if (Result.isFailure(size)) return Result.fail(size.failure)
  }
  return body
}

// ---------------------------------------------------------------------------
// List query
// ---------------------------------------------------------------------------

const STATUSES = ["pending", "retry", "completed", "failed"] as const
const SORT_FIELDS = ["postAt", "createdAt"] as const
const SORT_ORDERS = ["ASC", "DESC"] as const

/**
 * The filters of `GET /v1/hooks` as the SDK takes them; all optional, unset
 * ones are not sent. `limit` is 1–1000; times are {@link TimeInput}s.
 * Published as `Hooks.ListParams`.
 *
 * @internal
 */
export interface ListParams {
  readonly status?: Hook.HookStatus | undefined
  readonly limit?: number | undefined
  readonly offset?: number | undefined
  readonly postAtBefore?: TimeInput | undefined
  readonly postAtAfter?: TimeInput | undefined
  readonly createdAtBefore?: TimeInput | undefined
  readonly createdAtAfter?: TimeInput | undefined
  readonly sortBy?: "postAt" | "createdAt" | undefined
  readonly sortOrder?: "ASC" | "DESC" | undefined
}

/**
 * The query string of `GET /v1/hooks`: unset filters are left out.
 *
 * @internal
 */
export type ListQuery = Readonly<Record<string, string | undefined>>

const oneOf = <A extends string>(field: string, allowed: ReadonlyArray<A>, value: unknown): Checked<A | undefined> => {
  if (value === undefined) return Result.succeed(undefined)
  const found = allowed.find((candidate) => candidate === value)
  return found === undefined ? invalid(field, `${field} must be one of ${allowed.join(", ")}`) : Result.succeed(found)
}

const optionalTime = (field: string, value: TimeInput | undefined): Checked<string | undefined> =>
  value === undefined ? Result.succeed(undefined) : toUtcString(field, value)

const optionalInteger = (field: string, value: unknown, min: number, max: number): Checked<number | undefined> =>
  value === undefined ? Result.succeed(undefined) : checkRange(field, value, { min, max, integer: true })

/**
 * Checks list filters and encodes them as query parameters. Time strings in
 * UTC are passed through unchanged (a cursor keeps every digit the server sent).
 *
 * @internal
 */
export const encodeListQuery = (input: ListParams): Checked<ListQuery> =>
  Result.gen(function*() {
    const limit = yield* optionalInteger("limit", input.limit, 1, MAX_LIMIT)
    const offset = yield* optionalInteger("offset", input.offset, 0, Number.MAX_SAFE_INTEGER)
    return {
      status: yield* oneOf("status", STATUSES, input.status),
      limit: limit === undefined ? undefined : String(limit),
      offset: offset === undefined ? undefined : String(offset),
      postAtBefore: yield* optionalTime("postAtBefore", input.postAtBefore),
      postAtAfter: yield* optionalTime("postAtAfter", input.postAtAfter),
      createdAtBefore: yield* optionalTime("createdAtBefore", input.createdAtBefore),
      createdAtAfter: yield* optionalTime("createdAtAfter", input.createdAtAfter),
      sortBy: yield* oneOf("sortBy", SORT_FIELDS, input.sortBy),
      sortOrder: yield* oneOf("sortOrder", SORT_ORDERS, input.sortOrder)
    }
  })

/**
 * The filters of `GET /v1/hooks` as a server reads them, parsed.
 *
 * @internal
 */
export interface ListFilters {
  readonly status: Hook.HookStatus | undefined
  readonly limit: number | undefined
  readonly offset: number | undefined
  readonly postAtBefore: string | undefined
  readonly postAtAfter: string | undefined
  readonly createdAtBefore: string | undefined
  readonly createdAtAfter: string | undefined
  readonly sortBy: "postAt" | "createdAt" | undefined
  readonly sortOrder: "ASC" | "DESC" | undefined
}

const parseCount = (field: string, raw: string | undefined, min: number, max: number): Checked<number | undefined> => {
  if (raw === undefined) return Result.succeed(undefined)
  if (!/^\d+$/.test(raw)) return invalid(field, `${field} must be an integer from ${min} to ${max}`)
  return checkRange(field, Number(raw), { min, max, integer: true })
}

/**
 * Checks the query parameters of `GET /v1/hooks` as received (strings) with
 * the same rules {@link encodeListQuery} applies before sending. Unknown
 * parameters are ignored; times are returned in UTC with their digits kept.
 *
 * @internal
 */
export const validateListQuery = (query: Readonly<Record<string, string | undefined>>): Checked<ListFilters> =>
  Result.gen(function*() {
    const time = (field: string) => {
      const raw = query[field]
      return raw === undefined ? Result.succeed(undefined) : normalizeRfc3339(field, raw)
    }
    const parsed: ListFilters = {
      status: yield* oneOf("status", STATUSES, query.status),
      limit: yield* parseCount("limit", query.limit, 1, MAX_LIMIT),
      offset: yield* parseCount("offset", query.offset, 0, Number.MAX_SAFE_INTEGER),
      postAtBefore: yield* time("postAtBefore"),
      postAtAfter: yield* time("postAtAfter"),
      createdAtBefore: yield* time("createdAtBefore"),
      createdAtAfter: yield* time("createdAtAfter"),
      sortBy: yield* oneOf("sortBy", SORT_FIELDS, query.sortBy),
      sortOrder: yield* oneOf("sortOrder", SORT_ORDERS, query.sortOrder)
    }
    return parsed
  })

// ---------------------------------------------------------------------------
// Bulk actions
// ---------------------------------------------------------------------------

/**
 * A bulk action body naming hooks by id.
 *
 * @internal
 */
export interface BulkByIdsBody {
  readonly hookIDs: ReadonlyArray<string>
}

/**
 * A bulk action body selecting hooks by a time range.
 *
 * @internal
 */
export interface BulkByFilterBody {
  readonly startTime: string
  readonly endTime: string
  readonly limit: number
  readonly endpointKey?: string
  readonly sequenceID?: string
}

/**
 * The body of `POST /v1/hooks/bulk/{retry|replay|cancel}`.
 *
 * @internal
 */
export type BulkBody = BulkByIdsBody | BulkByFilterBody

const validateIds = (input: unknown): Checked<ReadonlyArray<string>> => {
  if (!Array.isArray(input)) return invalid("hookIDs", "hookIDs must be an array of hook ids")
  if (input.length === 0) return invalid("hookIDs", "hookIDs must name at least one hook")
  if (input.length > MAX_BULK_IDS) {
    return invalid("hookIDs", `hookIDs may name at most ${MAX_BULK_IDS} hooks, got ${input.length}`)
  }
  const ids: Array<string> = []
  for (const [index, id] of input.entries()) {
    if (typeof id !== "string" || id.length === 0) {
      return invalid(`hookIDs[${index}]`, `hookIDs[${index}] must be a non-empty string`)
    }
    ids.push(id)
  }
  return Result.succeed(ids)
}

const validateFilter = (input: Readonly<Record<string, unknown>>): Checked<BulkByFilterBody> =>
  Result.gen(function*() {
    if (typeof input.startTime !== "string") return yield* invalid("startTime", "startTime is required")
    if (typeof input.endTime !== "string") return yield* invalid("endTime", "endTime is required")
    const startTime = yield* normalizeRfc3339("startTime", input.startTime)
    const endTime = yield* normalizeRfc3339("endTime", input.endTime)
    if (Date.parse(startTime) > Date.parse(endTime)) {
      return yield* invalid("endTime", "endTime must not be before startTime")
    }
    if (input.limit === undefined || input.limit === null) return yield* invalid("limit", "limit is required")
    const limit = yield* checkRange("limit", input.limit, { min: 1, max: MAX_LIMIT, integer: true })
    const endpointKey = input.endpointKey === undefined || input.endpointKey === null
      ? undefined
      : yield* validatePath("endpointKey", input.endpointKey)
    const sequenceID = input.sequenceID
    if (sequenceID !== undefined && sequenceID !== null && (typeof sequenceID !== "string" || sequenceID === "")) {
      return yield* invalid("sequenceID", "sequenceID must be a non-empty string")
    }
    return {
      startTime,
      endTime,
      limit,
      ...(endpointKey === undefined ? {} : { endpointKey }),
      ...(typeof sequenceID === "string" ? { sequenceID } : {})
    }
  })

/**
 * Checks a bulk action body (a parsed JSON value): either `hookIDs` (1–1000
 * ids) or a filter (`startTime` ≤ `endTime`, `limit` 1–1000, optional
 * `endpointKey` path and `sequenceID`), not both.
 *
 * @internal
 */
export const validateBulkBody = (input: unknown): Checked<BulkBody> => {
  if (!Predicate.isObject(input)) return invalid("body", "the body must be a JSON object")
  const byIds = input.hookIDs !== undefined && input.hookIDs !== null
  const byFilter = ["startTime", "endTime", "limit"].some((key) => input[key] !== undefined && input[key] !== null)
  if (byIds && byFilter) return invalid("hookIDs", "give either hookIDs or a time-range filter, not both")
  if (byIds) return Result.map(validateIds(input.hookIDs), (hookIDs) => ({ hookIDs }))
  return validateFilter(input)
}

/**
 * The SDK's input for a bulk action by filter.
 *
 * @internal
 */
export interface BulkFilterInput {
  readonly startTime: TimeInput
  readonly endTime: TimeInput
  readonly limit: number
  readonly endpointKey?: string | undefined
  readonly sequenceId?: string | undefined
}

/**
 * Encodes a list of ids as a bulk body.
 *
 * @internal
 */
export const encodeBulkByIds = (hookIds: ReadonlyArray<string>): Checked<BulkByIdsBody> =>
  Result.map(validateIds(hookIds), (hookIDs) => ({ hookIDs }))

/**
 * Encodes a bulk filter as a bulk body (`sequenceId` → `sequenceID`).
 *
 * @internal
 */
export const encodeBulkFilter = (input: BulkFilterInput): Checked<BulkByFilterBody> =>
  Result.gen(function*() {
    return yield* validateFilter({
      startTime: yield* toUtcString("startTime", input.startTime),
      endTime: yield* toUtcString("endTime", input.endTime),
      limit: input.limit,
      endpointKey: input.endpointKey,
      sequenceID: input.sequenceId
    })
  })

/**
 * Checks a hook id before it goes into a URL.
 *
 * @internal
 */
export const validateHookId = (input: unknown): Checked<string> =>
  typeof input === "string" && input.length > 0
    ? Result.succeed(input)
    : invalid("id", "id must be a non-empty hook id")
