import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Cause, Duration, Effect, Exit, Option, Redacted } from "effect"
import { createHmac } from "node:crypto"
import { PosthookError, Signatures } from "posthook-effect"
import * as arb from "./utils/arbitraries.js"

// Plain `it.prop` with `Effect.runSyncExit`: `it.effect.prop` builds a fresh
// test environment per run (~50 ms each), too slow for hundreds of runs on CI.
// The time window is covered with TestClock in Signatures.test.ts; here an
// infinite tolerance takes the clock out of the signature properties.

const hmac = (key: string, timestamp: number, body: Uint8Array): string =>
  createHmac("sha256", key).update(`${timestamp}.`).update(body).digest("hex")

/**
 * Signing keys are never blank; anything else goes, including non-ASCII. Lone
 * surrogates are left out: they all encode as U+FFFD, so two such keys would
 * be the same key on the wire.
 */
const keyArb = Arbitrary.filter(
  arb.stringOfLength({ minLength: 1, maxLength: 64 }),
  (key) => key.trim().length > 0 && arb.isWellFormed(key)
)

/** HMAC pads short keys with zero bytes, so `"k"` and `"k\u0000"` are one key. */
const sameHmacKey = (a: string, b: string): boolean => a.replace(/\u0000+$/, "") === b.replace(/\u0000+$/, "")
const bodyArb = arb.bytes({ maxLength: 2048 })
const timestampArb = arb.integer({ min: 0, max: 4_102_444_800 })

const headersFor = (key: string, timestamp: number, body: Uint8Array) => ({
  "posthook-timestamp": String(timestamp),
  "posthook-signature": `v1,${hmac(key, timestamp, body)}`
})

const verify = (keys: ReadonlyArray<string>, body: Uint8Array, headers: Record<string, string>) =>
  Effect.runSyncExit(
    Signatures.fromKeys(keys.map((key) => Redacted.make(key))).verify(body, headers, { tolerance: Duration.infinity })
  )

const failureReason = (exit: Exit.Exit<unknown, PosthookError.SignatureVerificationError>) =>
  Exit.match(exit, {
    onSuccess: () => "verified",
    onFailure: (cause) =>
      Option.match(Cause.findErrorOption(cause), { onNone: () => "defect", onSome: (error) => error.reason })
  })

describe("Signatures properties", () => {
  it.prop(
    "any key, body and timestamp: signed independently, then verified",
    { key: keyArb, body: bodyArb, timestamp: timestampArb },
    ({ body, key, timestamp }) => {
      const exit = verify([key], body, headersFor(key, timestamp, body))
      expect(Exit.isSuccess(exit) && exit.value.timestamp === timestamp).toBe(true)
    }
  )

  it.prop(
    "the SDK's signer and the verifier agree, for several keys",
    { keys: Arbitrary.array(keyArb, { minLength: 1, maxLength: 3 }), body: bodyArb, timestamp: timestampArb },
    ({ body, keys, timestamp }) => {
      const headers = Signatures.sign(body, { signingKey: keys, timestamp })
      for (const key of keys) expect(failureReason(verify([key], body, headers))).toBe("verified")
    }
  )

  it.prop(
    "changing any one byte of the body fails",
    {
      key: keyArb,
      body: arb.bytes({ minLength: 1, maxLength: 512 }),
      timestamp: timestampArb,
      index: arb.integer({ min: 0, max: 2 ** 31 - 1 }),
      delta: arb.integer({ min: 1, max: 255 })
    },
    ({ body, delta, index, key, timestamp }) => {
      const headers = headersFor(key, timestamp, body)
      const tampered = Uint8Array.from(body)
      const position = index % body.length
      tampered[position] = ((tampered[position] ?? 0) + delta) % 256
      expect(failureReason(verify([key], tampered, headers))).toBe("NoMatchingSignature")
    }
  )

  it.prop(
    "a different timestamp under the same signature fails",
    { key: keyArb, body: bodyArb, timestamp: timestampArb, shift: arb.integer({ min: -1000, max: 1000 }) },
    ({ body, key, shift, timestamp }) => {
      if (shift === 0 || timestamp + shift < 0) return // not a different valid timestamp
      const headers = { ...headersFor(key, timestamp, body), "posthook-timestamp": String(timestamp + shift) }
      expect(failureReason(verify([key], body, headers))).toBe("NoMatchingSignature")
    }
  )

  it.prop(
    "changing any one hex digit of the signature fails",
    {
      key: keyArb,
      body: bodyArb,
      timestamp: timestampArb,
      index: arb.integer({ min: 0, max: 63 }),
      delta: arb.integer({ min: 1, max: 15 })
    },
    ({ body, delta, index, key, timestamp }) => {
      const signature = hmac(key, timestamp, body)
      const digit = (parseInt(signature.charAt(index), 16) + delta) % 16
      const tampered = `${signature.slice(0, index)}${digit.toString(16)}${signature.slice(index + 1)}`
      const headers = { "posthook-timestamp": String(timestamp), "posthook-signature": `v1,${tampered}` }
      expect(failureReason(verify([key], body, headers))).toBe("NoMatchingSignature")
    }
  )

  it.prop(
    "a signature made with another key fails",
    { key: keyArb, other: keyArb, body: bodyArb, timestamp: timestampArb },
    ({ body, key, other, timestamp }) => {
      if (sameHmacKey(key, other)) return // the same key signs validly
      expect(failureReason(verify([key], body, headersFor(other, timestamp, body)))).toBe("NoMatchingSignature")
    }
  )

  const headerName = arb.oneOf(
    arb.constantFrom(
      "posthook-timestamp",
      "Posthook-Timestamp",
      "posthook-signature",
      "POSTHOOK-SIGNATURE",
      "posthook-id",
      "posthook-ack-url",
      "posthook-nack-url",
      "__proto__",
      "constructor",
      "get",
      "forEach"
    ),
    arb.string
  )
  const headerValue = arb.oneOf(
    arb.string,
    Arbitrary.array(arb.string),
    Arbitrary.Constant(undefined),
    Arbitrary.map(arb.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), String),
    Arbitrary.map(arb.hexString, (hex) => `v1,${hex}`)
  )

  it.prop(
    "arbitrary header maps and bodies never cause a defect",
    {
      headers: arb.dictionary(headerName, headerValue),
      body: arb.oneOf(arb.bytes({ maxLength: 512 }), arb.string, arb.jsonText),
      tolerance: arb.constantFrom(Duration.zero, Duration.minutes(5), Duration.infinity)
    },
    ({ body, headers, tolerance }) => {
      const exit = Effect.runSyncExit(
        Signatures.fromKeys([Redacted.make("ph_sk_prop")]).parseDelivery(body, headers, { tolerance })
      )
      expect(failureReason(exit)).not.toBe("defect")
    }
  )

  it.prop(
    "validly signed arbitrary bodies: a delivery or a clean InvalidBody, never a defect",
    {
      body: arb.oneOf(
        arb.bytes({ maxLength: 512 }),
        Arbitrary.map(arb.jsonText, (json) => new TextEncoder().encode(json))
      )
    },
    ({ body }) => {
      const key = "ph_sk_prop"
      const exit = Effect.runSyncExit(
        Signatures.fromKeys([Redacted.make(key)]).parseDelivery(body, headersFor(key, 1_700_000_000, body), {
          tolerance: Duration.infinity
        })
      )
      expect(["verified", "InvalidBody"]).toContain(failureReason(exit))
    }
  )
})
