/**
 * Ack/nack callback tokens (docs/protocol.md §3): `<hookId>.<attempt>.<mac>` where
 * `mac = base64url(HMAC-SHA256(secret, "<hookId>.<attempt>"))` (43
 * characters: the whole token stays under the router's 100-character limit
 * for a path parameter). They are
 * unguessable without the server's secret, name exactly one attempt of one
 * hook, and need no table: the hook's own state says whether the attempt is
 * still open. With the SQLite store the secret is persisted, so URLs handed
 * out before a restart keep working after it.
 *
 * @internal
 */
import * as Crypto from "node:crypto"
import * as Option from "effect/Option"
import { type HmacKey, prepareHmacKey } from "../../protocol/signing.js"

/** @internal */
export interface CallbackTarget {
  readonly hookId: string
  readonly attempt: number
}

const TOKEN = /^([0-9a-f-]{36})\.(\d{1,6})\.([A-Za-z0-9_-]{43})$/

// The secret's key object, made once: importing the key anew is part of every mint otherwise.
let lastKey: { readonly secret: string; readonly key: HmacKey } | undefined

const keyOf = (secret: string): HmacKey => {
  if (lastKey?.secret !== secret) lastKey = { secret, key: prepareHmacKey(secret) }
  return lastKey.key
}

const mac = (secret: string, hookId: string, attempt: number): Buffer =>
  Crypto.createHmac("sha256", keyOf(secret)).update(`${hookId}.${attempt}`).digest()

/** @internal */
export const mint = (secret: string, target: CallbackTarget): string =>
  `${target.hookId}.${target.attempt}.${mac(secret, target.hookId, target.attempt).toString("base64url")}`

/** @internal */
export const verify = (secret: string, token: string): Option.Option<CallbackTarget> => {
  const match = TOKEN.exec(token)
  if (match === null) return Option.none()
  const [, hookId, attemptText, given] = match
  const attempt = Number(attemptText)
  if (hookId === undefined || given === undefined) return Option.none()
  // Compare the canonical text, not decoded bytes: base64 decoding ignores the last character's low bits.
  const expected = Buffer.from(mac(secret, hookId, attempt).toString("base64url"))
  const actual = Buffer.from(given)
  return actual.length === expected.length && Crypto.timingSafeEqual(actual, expected)
    ? Option.some({ hookId, attempt })
    : Option.none()
}

/** @internal */
export const newSecret = (): string => Crypto.randomBytes(32).toString("hex")
