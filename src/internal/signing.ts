/**
 * The delivery signature of PROTOCOL §2, in one place for the verifier, the
 * test signer and the local server:
 * `hex(HMAC-SHA256(key, "<timestamp>." ++ rawBodyBytes))`, sent as `v1,<hex>`.
 *
 * @internal
 */
import * as Crypto from "node:crypto"

const encoder = new TextEncoder()

/**
 * Lower-case hex HMAC-SHA256 of `"<timestamp>."` followed by the raw body bytes.
 * The body is never turned into a string, so any bytes verify as sent.
 *
 * @internal
 */
export const computeSignature = (key: string, timestamp: number | string, body: Uint8Array | string): string =>
  Crypto.createHmac("sha256", key)
    .update(`${timestamp}.`)
    .update(typeof body === "string" ? encoder.encode(body) : body)
    .digest("hex")

/**
 * The `Posthook-Signature` header value for one or more keys
 * (`v1,<hex>` entries separated by single spaces).
 *
 * @internal
 */
export const signatureHeader = (
  keys: ReadonlyArray<string>,
  timestamp: number | string,
  body: Uint8Array | string
): string => keys.map((key) => `v1,${computeSignature(key, timestamp, body)}`).join(" ")

/**
 * The legacy `X-Ph-Signature`: hex HMAC-SHA256 of the body alone.
 *
 * @internal
 */
export const legacySignature = (key: string, body: Uint8Array | string): string =>
  Crypto.createHmac("sha256", key).update(typeof body === "string" ? encoder.encode(body) : body).digest("hex")

/**
 * Constant-time comparison of two lower-case hex strings.
 *
 * @internal
 */
export const hexEquals = (a: string, b: string): boolean => {
  if (a.length !== b.length || a.length % 2 !== 0 || !/^[0-9a-f]*$/.test(a) || !/^[0-9a-f]*$/.test(b)) return false
  return Crypto.timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"))
}
