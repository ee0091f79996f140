/**
 * Generators shared by the property tests, on Effect's own `Arbitrary`
 * (Effect 4 has no FastCheck re-export): a few fast-check-style helpers
 * (`oneOf`, `weighted`, `constantFrom`, `integer`, …), the receiving side's
 * bodies, keys and header maps, and the date texts the hand-written decoders
 * are pinned against.
 */
import * as Arbitrary from "effect/Arbitrary"
import * as Schema from "effect/Schema"

/** The type an `Arbitrary` generates. */
export type Value<T> = T extends Arbitrary.Arbitrary<infer A> ? A : never

/** One of the given values. */
export const constantFrom = <const A extends ReadonlyArray<unknown>>(...values: A): Arbitrary.Arbitrary<A[number]> =>
  Arbitrary.map(integer({ min: 0, max: values.length - 1 }), (index) => values[index])

/** An integer from `min` to `max`, both included. */
export const integer = (range: { readonly min: number; readonly max: number }): Arbitrary.Arbitrary<number> =>
  Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum: range.min, maximum: range.max })))

/** A natural number (0 and up, a safe integer). */
export const nat: Arbitrary.Arbitrary<number> = integer({ min: 0, max: Number.MAX_SAFE_INTEGER })

/** Any JavaScript number, `NaN`, `±Infinity` and `-0` included. */
export const double: Arbitrary.Arbitrary<number> = Arbitrary.schema(Schema.Number)

/** Any string, lone surrogates included. */
export const string: Arbitrary.Arbitrary<string> = Arbitrary.schema(Schema.String)

/** A string of `minLength` to `maxLength` UTF-16 units. */
export const stringOfLength = (
  length: { readonly minLength: number; readonly maxLength: number }
): Arbitrary.Arbitrary<string> =>
  Arbitrary.schema(Schema.String.check(Schema.isMinLength(length.minLength), Schema.isMaxLength(length.maxLength)))

const utf8 = new TextEncoder()
const utf8Decoder = new TextDecoder()

/** Whether a string survives UTF-8 unchanged (it has no lone surrogate, which encodes as U+FFFD). */
export const isWellFormed = (text: string): boolean => utf8Decoder.decode(utf8.encode(text)) === text

/** A UUID text (any version). */
export const uuid: Arbitrary.Arbitrary<string> = Arbitrary.schema(Schema.String.check(Schema.isUUID()))

/** Any JSON value (what `JSON.parse` can return). */
export const jsonValue: Arbitrary.Arbitrary<Schema.Json> = Arbitrary.schema(Schema.Json)

/** Any JSON text. */
export const jsonText: Arbitrary.Arbitrary<string> = Arbitrary.map(jsonValue, (value) => JSON.stringify(value))

/** A boolean. */
export const boolean: Arbitrary.Arbitrary<boolean> = Arbitrary.schema(Schema.Boolean)

/** Picks one generator, each with the given weight, then generates from it. */
export const weighted = <const Arbs extends ReadonlyArray<readonly [number, Arbitrary.Arbitrary<unknown>]>>(
  ...choices: Arbs
): Arbitrary.Arbitrary<Value<Arbs[number][1]>> => {
  const total = choices.reduce((sum, [weight]) => sum + weight, 0)
  return Arbitrary.flatMap(integer({ min: 0, max: total - 1 }), (ticket) => {
    let rest = ticket
    for (const [weight, arbitrary] of choices) {
      // The tuple pairs each generator with its own weight; `Value` names what it makes.
      if (rest < weight) return arbitrary as Arbitrary.Arbitrary<Value<Arbs[number][1]>>
      rest -= weight
    }
    return choices[choices.length - 1]![1] as Arbitrary.Arbitrary<Value<Arbs[number][1]>>
  })
}

/** One of the generators, equally likely. */
export const oneOf = <const Arbs extends ReadonlyArray<Arbitrary.Arbitrary<unknown>>>(
  ...arbitraries: Arbs
): Arbitrary.Arbitrary<Value<Arbs[number]>> =>
  Arbitrary.flatMap(
    integer({ min: 0, max: arbitraries.length - 1 }),
    // Each element of `Arbs` generates a `Value<Arbs[number]>`.
    (index) => arbitraries[index] as Arbitrary.Arbitrary<Value<Arbs[number]>>
  )

/** Bytes, `minLength` (default 0) to `maxLength` of them. */
export const bytes = (
  length: { readonly minLength?: number; readonly maxLength: number }
): Arbitrary.Arbitrary<Uint8Array> =>
  Arbitrary.map(
    Arbitrary.array(integer({ min: 0, max: 255 }), { minLength: length.minLength ?? 0, maxLength: length.maxLength }),
    (values) => Uint8Array.from(values)
  )

/** Lower-case hex digits, any length. */
export const hexString: Arbitrary.Arbitrary<string> = Arbitrary.map(
  Arbitrary.array(constantFrom(..."0123456789abcdef")),
  (digits) => digits.join("")
)

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
 * A record whose keys not listed in `required` may each be absent; the
 * required ones are always there.
 */
export const record = <Fields extends Record<string, Arbitrary.Arbitrary<unknown>>>(
  fields: Fields,
  required: ReadonlyArray<keyof Fields & string>
): Arbitrary.Arbitrary<Record<string, unknown>> => {
  const maybe: Record<string, Arbitrary.Arbitrary<unknown>> = {}
  for (const [name, field] of Object.entries(fields)) {
    maybe[name] = required.includes(name) ? field : oneOf(Arbitrary.Constant(absent), field)
  }
  return Arbitrary.map(Arbitrary.all(maybe), (values) => {
    const present: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(values)) if (value !== absent) present[name] = value
    return present
  })
}

/** A `Date` from `min` to `max` (never an invalid one). */
export const date = (range: { readonly min: Date; readonly max: Date }): Arbitrary.Arbitrary<Date> =>
  Arbitrary.map(integer({ min: range.min.getTime(), max: range.max.getTime() }), (millis) => new Date(millis))

/**
 * Date texts that hit every branch of a `Schema.DateTimeUtcFromString`
 * decode: any ISO instant a `Date` can hold (its whole ±8.64e15 ms range), and
 * valid, zone-less, offset, impossible and garbage texts.
 */
export const dateText: Arbitrary.Arbitrary<string> = oneOf(
  Arbitrary.map(date({ min: new Date(-8.64e15), max: new Date(8.64e15) }), (value) => value.toISOString()),
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
