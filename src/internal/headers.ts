/**
 * Reading request headers whatever shape the server framework hands them
 * over in: a Web `Headers`, a plain record with names in any case, or Node's
 * `IncomingHttpHeaders` (where repeated headers can be arrays).
 *
 * @internal
 */
import * as Predicate from "effect/Predicate"

/**
 * Request headers as any server framework gives them. `effect/http`'s
 * `Headers` is a plain record and fits too.
 *
 * @since 0.1.0
 * @category models
 */
export type HeadersInput =
  | globalThis.Headers
  | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

interface HeadersLike {
  readonly get: (name: string) => unknown
}

/**
 * A Web `Headers`, also one from another realm or a polyfill. The `in` tests
 * are written here rather than through `Predicate.hasProperty`: in one place
 * they see only header objects and stay fast, where the shared helper sees
 * every kind of value in the program.
 */
const isHeadersLike = (input: unknown): input is HeadersLike =>
  ((typeof input === "object" && input !== null) || typeof input === "function") &&
  ((typeof Headers !== "undefined" && input instanceof Headers) ||
    ("get" in input && typeof input.get === "function" && "forEach" in input))

const collect = (value: unknown, into: Array<string>): void => {
  if (Predicate.isString(value)) into.push(value)
  else if (Array.isArray(value)) {
    for (const item of value) if (Predicate.isString(item)) into.push(item)
  }
}

/**
 * Every value given for `name` (lower case), in order. Values that are not
 * strings (a caller bypassing the types) are ignored rather than trusted.
 *
 * @internal
 */
export const headerValues = (headers: HeadersInput, name: string): ReadonlyArray<string> => {
  const values: Array<string> = []
  if (isHeadersLike(headers)) {
    collect(headers.get(name), values)
    return values
  }
  if (!Predicate.isObject(headers)) return values
  for (const key of Object.keys(headers)) {
    if (key.length === name.length && sameNameIgnoringCase(key, name)) collect(headers[key], values)
  }
  return values
}

/**
 * The single value of a header, `undefined` when absent. Several values are
 * joined with `", "`, as HTTP folds repeated headers, so a duplicated
 * single-valued header reads as malformed instead of picking one silently.
 *
 * @internal
 */
export const headerValue = (headers: HeadersInput, name: string): string | undefined => {
  const values = headerValues(headers, name)
  return values.length === 0 ? undefined : values.join(", ")
}

/**
 * One header's values, in order: `undefined` when absent, a string when
 * given once (nearly always), an array of two or more otherwise. A single
 * value needs no array: reading a delivery's headers allocates nothing but
 * the record that holds them.
 *
 * @internal
 */
export type HeaderField = string | ReadonlyArray<string> | undefined

const none: ReadonlyArray<string> = []

/**
 * Every value of a {@link HeaderField}, as {@link headerValues} gives them.
 *
 * @internal
 */
export const fieldValues = (field: HeaderField): ReadonlyArray<string> =>
  field === undefined ? none : typeof field === "string" ? [field] : field

/**
 * The headers a delivery is verified and read with, found in one pass.
 * Each holds every value given for it, in order.
 *
 * @internal
 */
export interface DeliveryHeaders {
  readonly timestamp: HeaderField
  readonly signature: HeaderField
  readonly id: HeaderField
  readonly ackUrl: HeaderField
  readonly nackUrl: HeaderField
}

/**
 * {@link headerValue}'s folding: `undefined` when absent, several values
 * joined with `", "`.
 *
 * @internal
 */
export const single = (field: HeaderField): string | undefined =>
  field === undefined || typeof field === "string"
    ? field
    : field.length === 0
    ? undefined
    : field.length === 1
    ? field[0]
    : field.join(", ")

/** The strings of a header value as a {@link HeaderField}; anything else (a caller bypassing the types) is ignored. */
const fieldOf = (value: unknown): HeaderField => {
  if (Predicate.isString(value)) return value
  if (!Array.isArray(value)) return undefined
  const values: Array<string> = []
  collect(value, values)
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values
}

/** `field` followed by the values of `value`. */
const add = (field: HeaderField, value: unknown): HeaderField => {
  const more = fieldOf(value)
  if (more === undefined) return field
  if (field === undefined) return more
  return [...fieldValues(field), ...fieldValues(more)]
}

/**
 * `key.toLowerCase() === name` for a lower-case ASCII `name` of the same
 * length, without making the lower-cased copy: ASCII letters are folded in
 * place; a key with any other character goes through `toLowerCase` (which
 * folds some of them to ASCII, e.g. the Kelvin sign to `k`).
 */
const sameNameIgnoringCase = (key: string, name: string): boolean => {
  for (let index = 0; index < name.length; index++) {
    const code = key.charCodeAt(index)
    if (code > 127) return key.toLowerCase() === name
    const folded = code >= 65 && code <= 90 ? code + 32 : code
    if (folded !== name.charCodeAt(index)) return false
  }
  return true
}

/**
 * `key` names the header `lower` (its lower-case name; `canonical` is how
 * Posthook and `Signatures.sign` spell it). Those two spellings are nearly
 * every key seen, and comparing property names to constants is a pointer
 * comparison; any other key of the right length is folded character by
 * character.
 */
const isHeader = (key: string, lower: string, canonical: string): boolean =>
  key === lower || key === canonical || sameNameIgnoringCase(key, lower)

/**
 * The delivery headers, the same values {@link headerValues} gives for each
 * name, read in one pass over a record (comparing only keys of a length that
 * can match, without lower-cased copies) instead of one pass per name.
 *
 * @internal
 */
export const deliveryHeaders = (headers: HeadersInput): DeliveryHeaders => {
  if (isHeadersLike(headers)) {
    return {
      timestamp: fieldOf(headers.get("posthook-timestamp")),
      signature: fieldOf(headers.get("posthook-signature")),
      id: fieldOf(headers.get("posthook-id")),
      ackUrl: fieldOf(headers.get("posthook-ack-url")),
      nackUrl: fieldOf(headers.get("posthook-nack-url"))
    }
  }
  if (!Predicate.isObject(headers)) {
    return { timestamp: undefined, signature: undefined, id: undefined, ackUrl: undefined, nackUrl: undefined }
  }
  // Narrowed by the guards above; values stay `unknown` until `add` checks them.
  const record: { readonly [key: string]: unknown } = headers
  let timestamp: HeaderField
  let signature: HeaderField
  let id: HeaderField
  let ackUrl: HeaderField
  let nackUrl: HeaderField
  for (const key of Object.keys(record)) {
    switch (key.length) {
      case 11:
        if (isHeader(key, "posthook-id", "Posthook-Id")) id = add(id, record[key])
        break
      case 16:
        if (isHeader(key, "posthook-ack-url", "Posthook-Ack-URL")) ackUrl = add(ackUrl, record[key])
        break
      case 17:
        if (isHeader(key, "posthook-nack-url", "Posthook-Nack-URL")) nackUrl = add(nackUrl, record[key])
        break
      case 18:
        // Both usual spellings of both names first: the fold runs only for a key spelled otherwise.
        if (key === "posthook-timestamp" || key === "Posthook-Timestamp") timestamp = add(timestamp, record[key])
        else if (key === "posthook-signature" || key === "Posthook-Signature") signature = add(signature, record[key])
        else if (sameNameIgnoringCase(key, "posthook-timestamp")) timestamp = add(timestamp, record[key])
        else if (sameNameIgnoringCase(key, "posthook-signature")) signature = add(signature, record[key])
        break
    }
  }
  return { timestamp, signature, id, ackUrl, nackUrl }
}
