import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import * as RetryPolicy from "../../src/server/RetryPolicy.js"

describe("RetryPolicy", () => {
  it("fixed: the same delay every time; attempts = 1 + minRetries", () => {
    const policy = { minRetries: 4, delaySecs: 30, strategy: "fixed" } as const
    expect([1, 2, 3, 4].map((retry) => RetryPolicy.delayMillis(policy, retry, 0.5))).toEqual([
      30_000,
      30_000,
      30_000,
      30_000
    ])
    expect(RetryPolicy.maxAttempts(policy)).toBe(5)
  })

  it("exponential: delaySecs × factor^(n-1), capped at maxDelaySecs; factor defaults to 2", () => {
    const policy = { minRetries: 6, delaySecs: 5, strategy: "exponential", backoffFactor: 3, maxDelaySecs: 200 } as const
    expect([1, 2, 3, 4, 5].map((retry) => RetryPolicy.delayMillis(policy, retry, 0))).toEqual([
      5_000,
      15_000,
      45_000,
      135_000,
      200_000
    ])
    const doubling = { minRetries: 3, delaySecs: 10, strategy: "exponential", maxDelaySecs: 3600 } as const
    expect([1, 2, 3].map((retry) => RetryPolicy.delayMillis(doubling, retry, 0))).toEqual([10_000, 20_000, 40_000])
  })

  it.prop(
    "jitter adds 0–25 % and never removes any",
    [FastCheck.integer({ min: 1, max: 10 }), FastCheck.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })],
    ([retry, random]) => {
      const policy = { minRetries: 10, delaySecs: 20, strategy: "exponential", maxDelaySecs: 600, jitter: true } as const
      const base = RetryPolicy.delayMillis({ ...policy, jitter: false }, retry, random)
      const jittered = RetryPolicy.delayMillis(policy, retry, random)
      expect(jittered).toBeGreaterThanOrEqual(base)
      expect(jittered).toBeLessThanOrEqual(Math.round(base * 1.25))
    }
  )

  it("the project default is 3 retries, 5 s apart", () => {
    expect(RetryPolicy.DEFAULT).toEqual({ minRetries: 3, delaySecs: 5, strategy: "fixed", jitter: false })
  })
})
