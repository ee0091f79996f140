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

/** A Web `Headers`, also one from another realm or a polyfill. */
const isHeadersLike = (input: unknown): input is HeadersLike =>
  (typeof Headers !== "undefined" && input instanceof Headers) ||
  (Predicate.hasProperty(input, "get") && Predicate.isFunction(input.get) && Predicate.hasProperty(input, "forEach"))

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
    if (key.length === name.length && key.toLowerCase() === name) collect(headers[key], values)
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
 * The headers a delivery is verified and read with, found in one pass.
 * Each holds every value given for it, in order (empty when absent).
 *
 * @internal
 */
export interface DeliveryHeaders {
  readonly timestamp: ReadonlyArray<string>
  readonly signature: ReadonlyArray<string>
  readonly id: ReadonlyArray<string>
  readonly ackUrl: ReadonlyArray<string>
  readonly nackUrl: ReadonlyArray<string>
}

/**
 * {@link headerValue}'s folding: `undefined` when absent, several values
 * joined with `", "`.
 *
 * @internal
 */
export const single = (values: ReadonlyArray<string>): string | undefined =>
  values.length === 0 ? undefined : values.length === 1 ? values[0] : values.join(", ")

const none: ReadonlyArray<string> = []

const push = (into: Array<string> | undefined, value: unknown): Array<string> | undefined => {
  if (Predicate.isString(value)) {
    if (into === undefined) return [value]
    into.push(value)
    return into
  }
  if (Array.isArray(value)) {
    const target = into ?? []
    collect(value, target)
    return target
  }
  return into
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
 * The delivery headers, the same values {@link headerValues} gives for each
 * name, read in one pass over a record (comparing only keys of a length that
 * can match, without lower-cased copies) instead of one pass per name.
 *
 * @internal
 */
export const deliveryHeaders = (headers: HeadersInput): DeliveryHeaders => {
  if (isHeadersLike(headers) || !Predicate.isObject(headers)) {
    return {
      timestamp: headerValues(headers, "posthook-timestamp"),
      signature: headerValues(headers, "posthook-signature"),
      id: headerValues(headers, "posthook-id"),
      ackUrl: headerValues(headers, "posthook-ack-url"),
      nackUrl: headerValues(headers, "posthook-nack-url")
    }
  }
  // Narrowed by the guards above; values stay `unknown` until `push` checks them.
  const record: { readonly [key: string]: unknown } = headers
  let timestamp: Array<string> | undefined
  let signature: Array<string> | undefined
  let id: Array<string> | undefined
  let ackUrl: Array<string> | undefined
  let nackUrl: Array<string> | undefined
  for (const key of Object.keys(record)) {
    switch (key.length) {
      case 11:
        if (sameNameIgnoringCase(key, "posthook-id")) id = push(id, record[key])
        break
      case 16:
        if (sameNameIgnoringCase(key, "posthook-ack-url")) ackUrl = push(ackUrl, record[key])
        break
      case 17:
        if (sameNameIgnoringCase(key, "posthook-nack-url")) nackUrl = push(nackUrl, record[key])
        break
      case 18:
        if (sameNameIgnoringCase(key, "posthook-timestamp")) timestamp = push(timestamp, record[key])
        else if (sameNameIgnoringCase(key, "posthook-signature")) signature = push(signature, record[key])
        break
    }
  }
  return {
    timestamp: timestamp ?? none,
    signature: signature ?? none,
    id: id ?? none,
    ackUrl: ackUrl ?? none,
    nackUrl: nackUrl ?? none
  }
}
