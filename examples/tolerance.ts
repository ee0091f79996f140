/**
 * Signature tolerance: by default a delivery whose `Posthook-Timestamp` is
 * more than 5 minutes from now (either way) is refused. Widen or narrow it
 * per service or per call. Time comes from Effect's `Clock`, so `TestClock`
 * controls it in tests.
 */
import { Effect } from "effect"
import { Signatures } from "posthook-effect"

// For every call of the service:
export const SignaturesLive = Signatures.layer({ signingKey: "ph_sk_...", tolerance: "10 minutes" })
// For one call:
export const parseLenient = (body: Uint8Array, headers: Signatures.HeadersInput) =>
  Signatures.Signatures.use((signatures) => signatures.parseDelivery(body, headers, { tolerance: "10 minutes" }))

// Telling the failures apart: `reason` says which check failed.
export const describeRejection = (body: Uint8Array, headers: Signatures.HeadersInput) =>
  parseLenient(body, headers).pipe(
    Effect.map((delivery) => `ok: ${delivery.hookId}`),
    Effect.catchTag("SignatureVerificationError", (error) =>
      Effect.succeed(
        error.reason === "TimestampTooOld" || error.reason === "TimestampTooNew"
          ? `clock skew or replay: ${error.message}`
          : `rejected (${error.reason}): ${error.message}`
      ))
  )
