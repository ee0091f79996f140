/**
 * Generators for the property tests of the receiving side (signatures,
 * delivery bodies, headers), built on effect's `Arbitrary` and `Schema`.
 */
import { Arbitrary, Schema } from "effect"

/** An integer in `[minimum, maximum]`. */
export const integer = (minimum: number, maximum: number): Arbitrary.Arbitrary<number> =>
  Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum, maximum })))

/** One of the given generators, picked uniformly (list one several times to weight it). */
export const oneOf = <A>(...choices: ReadonlyArray<Arbitrary.Arbitrary<A>>): Arbitrary.Arbitrary<A> =>
  Arbitrary.flatMap(integer(0, choices.length - 1), (index) => choices[index]!)

/** One of the given values. */
export const constantFrom = <A>(...values: ReadonlyArray<A>): Arbitrary.Arbitrary<A> =>
  Arbitrary.map(integer(0, values.length - 1), (index) => values[index]!)

/** Any string, lone surrogates included. */
export const string: Arbitrary.Arbitrary<string> = Arbitrary.schema(Schema.String)

/** A string of `minLength` to `maxLength` UTF-16 units. */
export const stringOfLength = (minLength: number, maxLength: number): Arbitrary.Arbitrary<string> =>
  Arbitrary.schema(Schema.String.check(Schema.isMinLength(minLength), Schema.isMaxLength(maxLength)))

const utf8 = new TextEncoder()
const utf8Decoder = new TextDecoder()

/** Whether a string survives UTF-8 unchanged (it has no lone surrogate, which encodes as U+FFFD). */
export const isWellFormed = (text: string): boolean => utf8Decoder.decode(utf8.encode(text)) === text

/** Bytes, `minLength` to `maxLength` of them. */
export const bytes = (options: { readonly minLength?: number; readonly maxLength: number }) =>
  Arbitrary.map(
    Arbitrary.array(integer(0, 255), { minLength: options.minLength ?? 0, maxLength: options.maxLength }),
    (values) => Uint8Array.from(values)
  )

/** Lower-case hex digits, any length. */
export const hexString: Arbitrary.Arbitrary<string> = Arbitrary.map(
  Arbitrary.array(constantFrom(..."0123456789abcdef")),
  (digits) => digits.join("")
)

/** Any JSON value. */
export const jsonValue: Arbitrary.Arbitrary<unknown> = Arbitrary.schema(Schema.Json)

/** Any JSON text. */
export const jsonText: Arbitrary.Arbitrary<string> = Arbitrary.map(jsonValue, (value) => JSON.stringify(value))

/** A v4 UUID. */
export const uuid: Arbitrary.Arbitrary<string> = Arbitrary.schema(Schema.String.check(Schema.isUUID(4)))

/** A record of own properties built from generated entries (`__proto__` included as an own key). */
export const dictionary = <V>(
  key: Arbitrary.Arbitrary<string>,
  value: Arbitrary.Arbitrary<V>
): Arbitrary.Arbitrary<Record<string, V>> =>
  Arbitrary.map(
    Arbitrary.array(Arbitrary.all([key, value] as const), { maxLength: 8 }),
    (entries) => Object.fromEntries(entries)
  )

const absent: unique symbol = Symbol("absent")

/**
 * A record whose `optional` keys may each be absent; the others are always
 * there.
 */
export const record = <Fields extends Record<string, Arbitrary.Arbitrary<unknown>>>(
  fields: Fields,
  required: ReadonlyArray<keyof Fields & string>
): Arbitrary.Arbitrary<Record<string, unknown>> => {
  const maybe: Record<string, Arbitrary.Arbitrary<unknown>> = {}
  for (const [name, field] of Object.entries(fields)) {
    maybe[name] = required.includes(name) ? field : oneOf<unknown>(Arbitrary.Constant(absent), field)
  }
  return Arbitrary.map(Arbitrary.all(maybe), (values) => {
    const present: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(values)) if (value !== absent) present[name] = value
    return present
  })
}

/**
 * Date texts that hit every branch of a `Schema.DateTimeUtcFromString`
 * decode: any ISO instant a `Date` can hold, and valid, zone-less, offset,
 * impossible and garbage texts.
 */
export const dateText: Arbitrary.Arbitrary<string> = oneOf(
  Arbitrary.map(integer(-8.64e15, 8.64e15), (millis) => new Date(millis).toISOString()),
  constantFrom(
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:00:00",
    "2026-01-01T00:00:00.123+02:00",
    "2026-02-30T00:00:00Z",
    "2026-01-01",
    "soon",
    "",
    "Z",
    "1767225600"
  )
)
