/**
 * Ack/nack callback tokens (PROTOCOL §3): `<hookId>.<attempt>.<mac>` where
 * `mac = hex(HMAC-SHA256(secret, "<hookId>.<attempt>"))`. They are
 * unguessable without the server's secret, name exactly one attempt of one
 * hook, and need no table: the hook's own state says whether the attempt is
 * still open. With the SQLite store the secret is persisted, so URLs handed
 * out before a restart keep working after it.
 *
 * @internal
 */
import * as Crypto from "node:crypto"
import * as Option from "effect/Option"
import { hexEquals } from "../../internal/signing.js"

/** @internal */
export interface CallbackTarget {
  readonly hookId: string
  readonly attempt: number
}

const TOKEN = /^([0-9a-f-]{36})\.(\d{1,6})\.([0-9a-f]{64})$/

const mac = (secret: string, hookId: string, attempt: number): string =>
  Crypto.createHmac("sha256", secret).update(`${hookId}.${attempt}`).digest("hex")

/** @internal */
export const mint = (secret: string, target: CallbackTarget): string =>
  `${target.hookId}.${target.attempt}.${mac(secret, target.hookId, target.attempt)}`

/** @internal */
export const verify = (secret: string, token: string): Option.Option<CallbackTarget> => {
  const match = TOKEN.exec(token)
  if (match === null) return Option.none()
  const [, hookId, attemptText, given] = match
  const attempt = Number(attemptText)
  if (hookId === undefined || given === undefined) return Option.none()
  return hexEquals(mac(secret, hookId, attempt), given) ? Option.some({ hookId, attempt }) : Option.none()
}

/** @internal */
export const newSecret = (): string => Crypto.randomBytes(32).toString("hex")
