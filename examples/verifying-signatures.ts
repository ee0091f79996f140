/**
 * Verifying webhook signatures: the `Signatures` service checks the
 * `Posthook-Timestamp` window and the HMAC over the raw body, then reads the
 * delivery. Receiving needs only the signing key, never the API key.
 *
 * Run: npx tsx examples/verifying-signatures.ts
 */
import { Effect } from "effect"
import { Signatures } from "posthook-effect"

// From options; fails to build without a key.
const SignaturesLive = Signatures.layer({ signingKey: "ph_sk_..." })
// From POSTHOOK_SIGNING_KEY (comma-separated for several keys).
const SignaturesFromEnv = Signatures.layerConfig()

const receive = (body: Uint8Array, headers: Signatures.HeadersInput) =>
  Effect.gen(function* () {
    const signatures = yield* Signatures.Signatures
    const delivery = yield* signatures.parseDelivery(body, headers)
    console.log(delivery.hookId)    // the hook id
    console.log(delivery.path)      // "/webhooks/user-created"
    console.log(delivery.data)      // your payload (unknown, or typed: see below)
    console.log(delivery.postAt)    // DateTime.Utc: when it was scheduled
    console.log(delivery.postedAt)  // DateTime.Utc: when it was delivered
  })

/** Receives a delivery signed as Posthook would sign it, with the same key. */
const selfCheck = Effect.gen(function* () {
  const signed = yield* Signatures.signDelivery(
    { path: "/webhooks/user-created", data: { userId: "123" } },
    { signingKey: "ph_sk_..." }
  )
  yield* receive(new TextEncoder().encode(signed.body), signed.headers)
})

export { receive, SignaturesFromEnv }

Effect.runPromise(selfCheck.pipe(Effect.provide(SignaturesLive))).catch((error: unknown) => console.error(error))
