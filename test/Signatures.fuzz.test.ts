/**
 * Fuzzing the receiving side: 10,000 generated deliveries of every shape
 * (valid and invalid signatures and timestamps, bodies of the wrong type,
 * nesting thousands of levels deep, bytes that are not UTF-8, strings of a
 * megabyte, headers of the wrong type, schemas that recurse) each end in a
 * delivery or a typed error, never a defect; the HTTP handler answers every
 * one of them with 200, 401 or 422, never a 500.
 *
 * The generator makes a small recipe and the input is built from it inside
 * the property, so a failure prints the recipe (a few lines), never a
 * megabyte body.
 */
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Cause, Effect, Exit, Redacted, References, Schema } from "effect"
import { createHmac } from "node:crypto"
import { Delivery, PosthookError, Signatures } from "posthook-effect"
import * as receive from "../src/internal/receive.js"
import * as arb from "./utils/arbitraries.js"

const KEY = "ph_sk_fuzz"
const RUNS = 10_000

// ---------------------------------------------------------------------------
// Recipes: small values that say how to build one request.

const field = arb.constantFrom("id", "path", "data", "postAt", "postedAt", "createdAt", "updatedAt")

/** A body and how it is built; each kind generates only what it needs. */
const bodyRecipe = arb.weighted(
  [30, Arbitrary.map(Arbitrary.all({ path: arb.string, data: arb.jsonValue, dates: arb.dateText }), (delivery) => ({
    kind: "delivery" as const,
    ...delivery
  }))],
  [10, Arbitrary.map(
    Arbitrary.all({ field, value: arb.jsonValue }),
    (wrong) => ({ kind: "wrongField" as const, ...wrong })
  )],
  [10, Arbitrary.map(
    Arbitrary.all({ field, depth: arb.integer({ min: 5_000, max: 12_000 }), brackets: arb.boolean }),
    (deep) => ({ kind: "deepField" as const, ...deep })
  )],
  [5, Arbitrary.map(arb.integer({ min: 5_000, max: 30_000 }), (depth) => ({ kind: "deepBody" as const, depth }))],
  [10, Arbitrary.map(
    Arbitrary.all({
      sequence: arb.constantFrom("ff", "c0af", "80", "e282", "eda080", "f4908080", "fe"),
      at: arb.integer({ min: 0, max: 1_000 })
    }),
    (broken) => ({ kind: "notUtf8" as const, ...broken })
  )],
  // Rare, and built once each: a megabyte costs milliseconds to sign and parse.
  [1, Arbitrary.map(
    Arbitrary.all({
      field: arb.constantFrom("id", "path", "data", "extra"),
      megabytes: arb.constantFrom(0.0625, 0.0625, 1)
    }),
    (huge) => ({ kind: "hugeString" as const, ...huge })
  )],
  [5, Arbitrary.map(arb.jsonValue, (json) => ({ kind: "anyJson" as const, json }))],
  [5, Arbitrary.map(arb.bytes({ maxLength: 256 }), (bytes) => ({ kind: "anyBytes" as const, bytes }))],
  [5, Arbitrary.map(arb.string, (text) => ({ kind: "anyString" as const, text }))],
  [10, Arbitrary.map(
    arb.constantFrom(
      "object",
      "array",
      "number",
      "null",
      "undefined",
      "boolean",
      "bigint",
      "symbol",
      "function",
      "date"
    ),
    (type) => ({ kind: "wrongType" as const, type })
  )]
)

const recipe = Arbitrary.all({
  body: bodyRecipe,
  /** How bytes are handed over. */
  encoding: arb.constantFrom("Uint8Array", "Buffer", "string", "ArrayBuffer", "offset view"),
  signature: arb.constantFrom(
    "valid",
    "valid among others",
    "valid, upper case",
    "valid, as an array",
    "wrong key",
    "tampered",
    "not hex",
    "empty",
    "missing",
    "v0 only",
    "huge",
    "a number"
  ),
  timestamp: arb.constantFrom(
    "now",
    "a minute ago",
    "an hour ago",
    "in an hour",
    " now ",
    "not a number",
    "negative",
    "13 digits",
    "fractional",
    "twice",
    "missing",
    "a number"
  ),
  container: arb.constantFrom(
    "record",
    "record, upper case",
    "Web Headers",
    "Map",
    "null prototype",
    "null",
    "undefined",
    "a string",
    "a number",
    "an array"
  ),
  idHeader: arb.constantFrom("none", "same", "other"),
  callbacks: arb.constantFrom("none", "both", "ack only"),
  schema: arb.constantFrom("none", "struct", "recursive", "json")
})

type Recipe = arb.Value<typeof recipe>

// ---------------------------------------------------------------------------
// Building the request a recipe describes.

const HOOK_ID = "0b6f1c7e-1a2b-4c3d-8e9f-0123456789ab"
const encoder = new TextEncoder()

const deliveryFields = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: HOOK_ID,
  path: "/webhooks/fuzz",
  data: { userId: "123" },
  postAt: "2026-01-01T00:00:00Z",
  postedAt: "2026-01-01T00:00:01Z",
  createdAt: "2025-12-31T23:00:00Z",
  updatedAt: "2025-12-31T23:00:00Z",
  ...overrides
})

/** `JSON.stringify` of a delivery with one field's value spliced in as raw JSON text. */
const withRawField = (name: string, rawJson: string): string =>
  JSON.stringify(deliveryFields({ [name]: "RAW" })).replace("\"RAW\"", () => rawJson)

const hugeBodies = new Map<string, Uint8Array>()
/** A delivery with one field a string of `megabytes` (non-ASCII included), built once per field and size. */
const hugeBody = (field: string, megabytes: number): Uint8Array => {
  const key = `${field} ${megabytes}`
  let body = hugeBodies.get(key)
  if (body === undefined) {
    const text = "é🎉x".repeat(Math.floor((megabytes * 1024 * 1024) / 4))
    body = encoder.encode(JSON.stringify(deliveryFields({ [field]: text })))
    hugeBodies.set(key, body)
  }
  return body
}

const hexBytes = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16))

/** The body's bytes, or a value that is not bytes at all. */
const bodyBytes = (body: Recipe["body"]): Uint8Array | { readonly notBytes: unknown } => {
  switch (body.kind) {
    case "delivery":
      return encoder.encode(JSON.stringify(deliveryFields({
        path: body.path,
        data: body.data,
        postAt: body.dates,
        updatedAt: body.dates
      })))
    case "wrongField":
      return encoder.encode(JSON.stringify(deliveryFields({ [body.field]: body.value })))
    case "deepField": {
      const [open, close] = body.brackets ? ["[", "]"] : ["{\"a\":", "}"]
      return encoder.encode(withRawField(body.field, `${open.repeat(body.depth)}0${close.repeat(body.depth)}`))
    }
    case "deepBody":
      return encoder.encode(`${"[".repeat(body.depth)}${"]".repeat(body.depth)}`)
    case "notUtf8": {
      const json = encoder.encode(JSON.stringify(deliveryFields()))
      const at = body.at % json.length
      const sequence = hexBytes(body.sequence)
      const bytes = new Uint8Array(json.length + sequence.length)
      bytes.set(json.subarray(0, at), 0)
      bytes.set(sequence, at)
      bytes.set(json.subarray(at), at + sequence.length)
      return bytes
    }
    case "hugeString":
      return hugeBody(body.field, body.megabytes)
    case "anyJson":
      return encoder.encode(JSON.stringify(body.json))
    case "anyBytes":
      return body.bytes
    case "anyString":
      return encoder.encode(body.text)
    case "wrongType": {
      const values: Record<typeof body.type, unknown> = {
        object: deliveryFields(),
        array: [deliveryFields()],
        number: 42,
        null: null,
        undefined,
        boolean: true,
        bigint: 10n,
        symbol: Symbol("body"),
        function: () => deliveryFields(),
        date: new Date(0)
      }
      return { notBytes: values[body.type] }
    }
  }
}

const encode = (bytes: Uint8Array, encoding: Recipe["encoding"]): unknown => {
  switch (encoding) {
    case "Uint8Array":
      return bytes
    case "Buffer":
      return Buffer.from(bytes)
    case "string": {
      // Only bytes a string can carry exactly: anything else is sent as bytes.
      const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes)
      return Buffer.from(text, "utf8").equals(bytes) ? text : bytes
    }
    case "ArrayBuffer":
      return Uint8Array.from(bytes).buffer
    case "offset view": {
      const padded = new Uint8Array(bytes.length + 7)
      padded.set(bytes, 3)
      return new DataView(padded.buffer, 3, bytes.length)
    }
  }
}

const HUGE_SIGNATURE = `v1,${"ab".repeat(50_000)} `.repeat(4)

const hmac = (key: string, timestamp: string, bytes: Uint8Array): string =>
  createHmac("sha256", key).update(`${timestamp}.`).update(bytes).digest("hex")

interface Built {
  readonly body: unknown
  /** The request's bytes, when it has any. */
  readonly bytes: Uint8Array | undefined
  readonly headers: unknown
  /** Whether the signature or the timestamp must be refused, whatever the body. */
  readonly unauthentic: boolean
}

const build = (recipe: Recipe, nowSeconds: number): Built => {
  const made = bodyBytes(recipe.body)
  const bytes = made instanceof Uint8Array ? made : undefined
  const signed = bytes ?? new Uint8Array(0)

  const timestamps: Record<Recipe["timestamp"], unknown> = {
    now: String(nowSeconds),
    "a minute ago": String(nowSeconds - 60),
    "an hour ago": String(nowSeconds - 3_600),
    "in an hour": String(nowSeconds + 3_600),
    " now ": ` ${nowSeconds} `,
    "not a number": `${nowSeconds}a`,
    negative: `-${nowSeconds}`,
    "13 digits": "9999999999999",
    fractional: `${nowSeconds}.5`,
    twice: [String(nowSeconds), String(nowSeconds)],
    missing: undefined,
    "a number": nowSeconds
  }
  const timestamp = timestamps[recipe.timestamp]
  const signedTimestamp = typeof timestamp === "string" ? timestamp.trim() : String(nowSeconds)
  const valid = () => hmac(KEY, signedTimestamp, signed)
  // Thunks: only the chosen one is built.
  const signatures: Record<Recipe["signature"], () => unknown> = {
    valid: () => `v1,${valid()}`,
    "valid among others": () => `v0,abc v1,${"0".repeat(64)} v1,${valid()} v2,zz`,
    "valid, upper case": () => `v1,${valid().toUpperCase()}`,
    "valid, as an array": () => ["v1,00", `v1,${valid()}`],
    "wrong key": () => `v1,${hmac("ph_sk_other", signedTimestamp, signed)}`,
    tampered: () => {
      const hex = valid()
      return `v1,${hex.slice(0, 10)}${hex[10] === "0" ? "1" : "0"}${hex.slice(11)}`
    },
    "not hex": () => `v1,${"g".repeat(64)}`,
    empty: () => "",
    missing: () => undefined,
    "v0 only": () => `v0,${valid()}`,
    huge: () => HUGE_SIGNATURE,
    "a number": () => 12345
  }
  const signature = signatures[recipe.signature]()
  // A Web `Headers` turns a number into its text, a valid timestamp then.
  const timestampValid = ["now", "a minute ago", " now "].includes(recipe.timestamp) ||
    (recipe.timestamp === "a number" && recipe.container === "Web Headers")
  const unauthentic = !timestampValid ||
    !["valid", "valid among others", "valid, upper case", "valid, as an array"].includes(recipe.signature) ||
    ["null", "undefined", "a string", "a number", "an array"].includes(recipe.container)

  const entries: Array<readonly [string, unknown]> = [["content-type", "application/json"]]
  if (timestamp !== undefined) entries.push(["posthook-timestamp", timestamp])
  if (signature !== undefined) entries.push(["posthook-signature", signature])
  if (recipe.idHeader !== "none") entries.push(["posthook-id", recipe.idHeader === "same" ? HOOK_ID : "another-hook"])
  if (recipe.callbacks !== "none") entries.push(["posthook-ack-url", "https://posthook.test/ack/token"])
  if (recipe.callbacks === "both") entries.push(["posthook-nack-url", "https://posthook.test/nack/token"])

  const record = (name: (key: string) => string) =>
    Object.fromEntries(entries.map(([key, value]) => [name(key), value]))
  const containers: Record<Recipe["container"], () => unknown> = {
    record: () => record((key) => key),
    "record, upper case": () => record((key) => key.toUpperCase()),
    "Web Headers": () => {
      const headers = new Headers()
      for (const [key, value] of entries) {
        for (const item of Array.isArray(value) ? value : [value]) headers.append(key, String(item))
      }
      return headers
    },
    Map: () => new Map(entries),
    "null prototype": () => Object.assign(Object.create(null), record((key) => key)),
    null: () => null,
    undefined: () => undefined,
    "a string": () => entries.map(([key, value]) => `${key}: ${String(value)}`).join("\r\n"),
    "a number": () => 7,
    "an array": () => entries.flat()
  }
  const body = bytes === undefined ? (made as { readonly notBytes: unknown }).notBytes : encode(bytes, recipe.encoding)
  return { body, bytes, headers: containers[recipe.container](), unauthentic }
}

// ---------------------------------------------------------------------------
// Outcomes, as short texts.

interface Tree {
  readonly children: ReadonlyArray<Tree>
}
const Tree: Schema.Codec<Tree> = Schema.Struct({ children: Schema.Array(Schema.suspend(() => Tree)) })
const schemas: Record<Exclude<Recipe["schema"], "none">, Schema.Decoder<unknown>> = {
  struct: Schema.Struct({ userId: Schema.String }),
  recursive: Tree,
  json: Schema.Json
}

const AUTHENTICATION = new Set([
  "MissingHeader",
  "InvalidTimestamp",
  "TimestampTooOld",
  "TimestampTooNew",
  "NoMatchingSignature"
])

/** "delivery", "SignatureVerificationError/<reason>", "DeliveryDataError", or "defect: …" (cut short). */
const outcomeOf = (exit: Exit.Exit<unknown, unknown>): string => {
  if (Exit.isSuccess(exit)) return "delivery"
  const error = Exit.findErrorOption(exit)
  if (error._tag === "Some") {
    const value = error.value
    if (value instanceof PosthookError.SignatureVerificationError) return `SignatureVerificationError/${value.reason}`
    if (value instanceof PosthookError.DeliveryDataError) return "DeliveryDataError"
    return `defect: an untyped failure ${String(value).slice(0, 100)}`
  }
  return `defect: ${String(Cause.squash(exit.cause)).slice(0, 200)}`
}

const signatures = Signatures.fromKeys([Redacted.make(KEY)])

const parse = (built: Built, recipe: Recipe) =>
  Effect.runSyncExit(
    Effect.suspend((): Effect.Effect<unknown, unknown> => {
      // Built from a recipe on purpose: the types say what callers should pass, the fuzz passes anything.
      const body = built.body as Signatures.Body
      const headers = built.headers as Signatures.HeadersInput
      return recipe.schema === "none"
        ? signatures.parseDelivery(body, headers)
        : signatures.parseDelivery(body, headers, { schema: schemas[recipe.schema] })
    })
  )

/** The receiving handler the HTTP adapters share, logs off. */
const respond = receive.handle(() => Effect.succeed(Delivery.Result.ack()))

const status = (built: Built): string => {
  if (built.bytes === undefined) return "no bytes"
  const exit = Effect.runSyncExit(
    respond(built.bytes, built.headers as Signatures.HeadersInput).pipe(
      Effect.provideService(Signatures.Signatures, signatures),
      Effect.provideService(References.MinimumLogLevel, "None")
    )
  )
  return Exit.isSuccess(exit) ? String(exit.value.status) : `defect: ${String(Cause.squash(exit.cause)).slice(0, 200)}`
}

describe("Signatures fuzz", () => {
  it.prop(
    `${RUNS} generated deliveries each end in a delivery or a typed error, never a defect`,
    { recipe },
    ({ recipe }) => {
      const built = build(recipe, Math.floor(Date.now() / 1000))
      const outcome = outcomeOf(parse(built, recipe))
      expect(outcome).not.toMatch(/^defect/)
      if (recipe.body.kind === "wrongType") {
        expect(outcome).toBe("SignatureVerificationError/InvalidBody")
      } else if (built.unauthentic) {
        // Authentication comes first: nothing unauthentic is ever read, let alone delivered.
        expect(AUTHENTICATION.has(outcome.replace("SignatureVerificationError/", ""))).toBe(true)
      }
      const answer = status(built)
      expect(answer).not.toMatch(/^defect/)
      if (built.bytes !== undefined && built.bytes.length > receive.DEFAULT_MAX_BODY_BYTES) {
        expect(answer).toBe("413")
      } else {
        expect(["no bytes", "200", "401", "422"]).toContain(answer)
        if (built.unauthentic) expect(["no bytes", "401"]).toContain(answer)
      }
    },
    { arbitrary: { runs: RUNS, maxShrinks: 100 }, timeout: 120_000 }
  )
})
