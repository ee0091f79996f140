/**
 * Reading request headers whatever shape the server framework hands them
 * over in: a Web `Headers`, a plain record with names in any case, or Node's
 * `IncomingHttpHeaders` (where repeated headers can be arrays).
 *
 * @internal
 */
import * as Predicate from "effect/Predicate"

/**
 * Request headers as any server framework gives them. `@effect/platform`'s
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
 * Every header looked up by lower-case name, built in one pass over a
 * record (instead of one pass per lookup). A Web `Headers` is already indexed.
 *
 * @internal
 */
export interface HeaderIndex {
  readonly values: (name: string) => ReadonlyArray<string>
  readonly value: (name: string) => string | undefined
}

const joined = (values: ReadonlyArray<string>): string | undefined =>
  values.length === 0 ? undefined : values.join(", ")

const none: ReadonlyArray<string> = []

/** @internal */
export const indexHeaders = (headers: HeadersInput): HeaderIndex => {
  if (isHeadersLike(headers) || !Predicate.isObject(headers)) {
    const values = (name: string) => headerValues(headers, name)
    return { values, value: (name) => joined(values(name)) }
  }
  // A verifier looks up five names: scanning the keys once per name, lower-casing
  // only keys of the right length, is cheaper than indexing every header.
  const record = headers as Readonly<Record<string, unknown>>
  const keys = Object.keys(record)
  const values = (name: string): ReadonlyArray<string> => {
    let found: Array<string> | undefined
    for (const key of keys) {
      if (key.length === name.length && (key === name || key.toLowerCase() === name)) {
        found ??= []
        collect(record[key], found)
      }
    }
    return found === undefined || found.length === 0 ? none : found
  }
  return { values, value: (name) => joined(values(name)) }
}
