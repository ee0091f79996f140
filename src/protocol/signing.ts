/**
 * The delivery signature of docs/protocol.md §2, in one place for the verifier, the
 * test signer and the local server:
 * `hex(HMAC-SHA256(key, "<timestamp>." ++ rawBodyBytes))`, sent as `v1,<hex>`.
 *
 * @internal
 */
import * as Crypto from "node:crypto"
import * as Redacted from "effect/Redacted"

/**
 * Lower-case hex HMAC-SHA256 of `"<timestamp>."` followed by the raw body bytes.
 * A byte body is never turned into a string, so any bytes verify as sent; a
 * text body is hashed as its UTF-8 bytes.
 *
 * @internal
 */
export const computeSignature = (key: HmacKey, timestamp: number | string, body: Uint8Array | string): string =>
  computeDigest(key, timestamp, body).toString("hex")

/**
 * A signing key as HMAC takes it: its text, or the same bytes prepared once
 * as a `KeyObject` (see {@link prepareHmacKey}).
 *
 * @internal
 */
export type HmacKey = string | Crypto.KeyObject

/**
 * The key's UTF-8 bytes as a secret `KeyObject`, made once for a verifier
 * that checks many deliveries with the same keys: HMAC then skips turning the
 * key text into bytes on every call. Where `createSecretKey` is missing (some
 * edge runtimes' `node:crypto`), the text itself. A `KeyObject` prints as
 * `SecretKeyObject { type: 'secret', symmetricKeySize: n }`, never the key.
 *
 * @internal
 */
export const prepareHmacKey = (key: string): HmacKey =>
  typeof Crypto.createSecretKey === "function" ? Crypto.createSecretKey(Buffer.from(key, "utf8")) : key

/**
 * {@link computeSignature} as the 32 raw digest bytes, for verifiers that
 * compare bytes rather than hex strings.
 *
 * @internal
 */
export const computeDigest = (key: HmacKey, timestamp: number | string, body: Uint8Array | string): Buffer =>
  // A text body goes in as text: HMAC hashes it as UTF-8 without a `TextEncoder` copy (about 1 µs per KB).
  Crypto.createHmac("sha256", key).update(`${timestamp}.`).update(body).digest()

const SHA256_HEX = /^[0-9a-f]{64}$/

/**
 * The bytes of a lower-case hex SHA-256 digest, or `undefined` when the text
 * is not one (so it can never match).
 *
 * @internal
 */
export const digestFromHex = (hex: string): Buffer | undefined =>
  SHA256_HEX.test(hex) ? Buffer.from(hex, "hex") : undefined

/**
 * Constant-time comparison of two digests of the same length.
 *
 * @internal
 */
export const digestEquals = (a: Uint8Array, b: Uint8Array): boolean =>
  a.byteLength === b.byteLength && Crypto.timingSafeEqual(a, b)

/**
 * The `Posthook-Signature` header value for one or more keys
 * (`v1,<hex>` entries separated by single spaces). A sender that signs many
 * bodies passes keys prepared once by {@link prepareHmacKey}.
 *
 * @internal
 */
export const signatureHeader = (
  keys: ReadonlyArray<HmacKey>,
  timestamp: number | string,
  body: Uint8Array | string
): string => keys.map((key) => `v1,${computeSignature(key, timestamp, body)}`).join(" ")

/**
 * The legacy `X-Ph-Signature`: hex HMAC-SHA256 of the body alone.
 *
 * @internal
 */
export const legacySignature = (key: HmacKey, body: Uint8Array | string): string =>
  Crypto.createHmac("sha256", key).update(body).digest("hex")

/**
 * `POSTHOOK_SIGNING_KEY` holds one key, or several separated by commas while
 * keys rotate. Blank entries are dropped; the keys stay redacted.
 *
 * @internal
 */
export const splitSigningKeys = (value: Redacted.Redacted<string>): ReadonlyArray<Redacted.Redacted<string>> =>
  Redacted.value(value)
    .split(",")
    .map((key) => key.trim())
    .filter((key) => key.length > 0)
    .map((key) => Redacted.make(key))
