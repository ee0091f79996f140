import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import * as DeliveryRetries from "../../src/server/DeliveryRetries.js"

describe("DeliveryRetries", () => {
  it("fixed: the same delay every time; attempts = 1 + minRetries", () => {
    const policy = { minRetries: 4, delaySecs: 30, strategy: "fixed" } as const
    expect([1, 2, 3, 4].map((retry) => DeliveryRetries.delayMillis(policy, retry, 0.5))).toEqual([
      30_000,
      30_000,
      30_000,
      30_000
    ])
    expect(DeliveryRetries.maxAttempts(policy)).toBe(5)
  })

  it("exponential: delaySecs × factor^(n-1), capped at maxDelaySecs; factor defaults to 2", () => {
    const policy = { minRetries: 6, delaySecs: 5, strategy: "exponential", backoffFactor: 3, maxDelaySecs: 200 } as const
    expect([1, 2, 3, 4, 5].map((retry) => DeliveryRetries.delayMillis(policy, retry, 0))).toEqual([
      5_000,
      15_000,
      45_000,
      135_000,
      200_000
    ])
    const doubling = { minRetries: 3, delaySecs: 10, strategy: "exponential", maxDelaySecs: 3600 } as const
    expect([1, 2, 3].map((retry) => DeliveryRetries.delayMillis(doubling, retry, 0))).toEqual([10_000, 20_000, 40_000])
  })

  it.prop(
    "jitter adds 0–25 % and never removes any",
    [
      Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 10 })),
      Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(1))
    ],
    ([retry, random]) => {
      const policy = { minRetries: 10, delaySecs: 20, strategy: "exponential", maxDelaySecs: 600, jitter: true } as const
      const base = DeliveryRetries.delayMillis({ ...policy, jitter: false }, retry, random)
      const jittered = DeliveryRetries.delayMillis(policy, retry, random)
      expect(jittered).toBeGreaterThanOrEqual(base)
      expect(jittered).toBeLessThanOrEqual(Math.round(base * 1.25))
    }
  )

  it("the project default is 3 retries, 5 s apart", () => {
    expect(DeliveryRetries.DEFAULT).toEqual({ minRetries: 3, delaySecs: 5, strategy: "fixed", jitter: false })
  })
})
