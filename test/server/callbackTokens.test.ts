import { describe, expect, it } from "@effect/vitest"
import { FastCheck, Option } from "effect"
import * as CallbackTokens from "../../src/server/internal/callbackTokens.js"

const secret = CallbackTokens.newSecret()

describe("callback tokens", () => {
  it.prop("name exactly the hook and attempt they were minted for", [FastCheck.uuid(), FastCheck.integer({ min: 1, max: 999_999 })], ([hookId, attempt]) => {
    const token = CallbackTokens.mint(secret, { hookId, attempt })
    expect(CallbackTokens.verify(secret, token)).toEqual(Option.some({ hookId, attempt }))
    // Short enough for a path parameter of the router (100 characters).
    expect(token.length).toBeLessThanOrEqual(100)
  })

  it.prop("are refused when any part is changed or the secret differs", [FastCheck.uuid(), FastCheck.integer({ min: 1, max: 99 })], ([hookId, attempt]) => {
    const token = CallbackTokens.mint(secret, { hookId, attempt })
    const [id, , mac] = token.split(".")
    expect(CallbackTokens.verify(secret, `${id}.${attempt + 1}.${mac}`)).toEqual(Option.none())
    expect(CallbackTokens.verify(CallbackTokens.newSecret(), token)).toEqual(Option.none())
    expect(CallbackTokens.verify(secret, `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`)).toEqual(Option.none())
    expect(CallbackTokens.verify(secret, token.slice(1))).toEqual(Option.none())
  })
})
