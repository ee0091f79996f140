import { describe, expect, it } from "@effect/vitest"
import { Option, Schema } from "effect"
import * as CallbackTokens from "../../src/server/internal/callbackTokens.js"

const secret = CallbackTokens.newSecret()
// Hook ids are lowercase UUIDs (`crypto.randomUUID`); the generator also makes uppercase ones.
const HookId = Schema.String.check(Schema.isUUID())
const attemptUpTo = (maximum: number) => Schema.Int.check(Schema.isBetween({ minimum: 1, maximum }))

describe("callback tokens", () => {
  it.prop("name exactly the hook and attempt they were minted for", [HookId, attemptUpTo(999_999)], ([anyCaseId, attempt]) => {
    const hookId = anyCaseId.toLowerCase()
    const token = CallbackTokens.mint(secret, { hookId, attempt })
    expect(CallbackTokens.verify(secret, token)).toEqual(Option.some({ hookId, attempt }))
    // Short enough for a path parameter of the router (100 characters).
    expect(token.length).toBeLessThanOrEqual(100)
  })

  it.prop("are refused when any part is changed or the secret differs", [HookId, attemptUpTo(99)], ([anyCaseId, attempt]) => {
    const hookId = anyCaseId.toLowerCase()
    const token = CallbackTokens.mint(secret, { hookId, attempt })
    const [id, , mac] = token.split(".")
    expect(CallbackTokens.verify(secret, `${id}.${attempt + 1}.${mac}`)).toEqual(Option.none())
    expect(CallbackTokens.verify(CallbackTokens.newSecret(), token)).toEqual(Option.none())
    expect(CallbackTokens.verify(secret, `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`)).toEqual(Option.none())
    expect(CallbackTokens.verify(secret, token.slice(1))).toEqual(Option.none())
  })
})
