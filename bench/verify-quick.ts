/**
 * Cost of verifying one delivery with a ~1 KB body: median ns per operation
 * for `Signatures.verify` / `parseDelivery` against a bare
 * `crypto.createHmac` + constant-time compare + `JSON.parse`.
 *
 * Run: npx tsx bench/verify-quick.ts
 */
import { Duration, Effect, Redacted } from "effect"
import { createHmac, timingSafeEqual } from "node:crypto"
import { Signatures } from "posthook-effect"

const KEY = "ph_sk_bench_0123456789abcdef"
const TIMESTAMP = Math.floor(Date.now() / 1000)

const makeBody = (targetBytes: number): string => {
  const base = {
    id: "0b6f1c7e-1a2b-4c3d-8e9f-0123456789ab",
    path: "/webhooks/user-created",
    postAt: "2026-01-01T00:00:00Z",
    postedAt: "2026-01-01T00:00:01Z",
    createdAt: "2025-12-31T23:00:00Z",
    updatedAt: "2025-12-31T23:00:00Z",
    data: { userId: "123", event: "user.created", note: "" }
  }
  const overhead = JSON.stringify(base).length
  return JSON.stringify({ ...base, data: { ...base.data, note: "x".repeat(Math.max(0, targetBytes - overhead)) } })
}

const bodyText = makeBody(1024)
const body = new TextEncoder().encode(bodyText)
const headers = Signatures.sign(body, { signingKey: KEY, timestamp: TIMESTAMP })
const signatureHex = (headers["Posthook-Signature"] ?? "").slice(3)
const signatures = Signatures.fromKeys([Redacted.make(KEY)], { tolerance: Duration.minutes(5) })

const bare = (): unknown => {
  const expected = createHmac("sha256", KEY).update(`${TIMESTAMP}.`).update(body).digest()
  if (!timingSafeEqual(expected, Buffer.from(signatureHex, "hex"))) throw new Error("bad signature")
  return JSON.parse(new TextDecoder().decode(body))
}
const verifyOnly = (): unknown => Effect.runSync(signatures.verify(body, headers))
const parse = (): unknown => Effect.runSync(signatures.parseDelivery(body, headers))
const parseInOneFiber = (count: number): void =>
  Effect.runSync(Effect.forEach(Array.from({ length: count }), () => signatures.parseDelivery(body, headers), {
    discard: true
  }))

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

const BATCHES = 31
const PER_BATCH = 2_000

/**
 * Median over batches of wall time and of CPU time (user + system) per op.
 * On a shared machine the CPU time is the steadier of the two.
 */
const measure = (name: string, batch: (count: number) => void): number => {
  batch(PER_BATCH) // warm-up
  const wall: Array<number> = []
  const cpu: Array<number> = []
  for (let i = 0; i < BATCHES; i++) {
    const cpuStart = process.cpuUsage()
    const start = process.hrtime.bigint()
    batch(PER_BATCH)
    wall.push(Number(process.hrtime.bigint() - start) / PER_BATCH)
    const used = process.cpuUsage(cpuStart)
    cpu.push(((used.user + used.system) * 1000) / PER_BATCH)
  }
  const result = median(cpu)
  console.log(
    `${name.padEnd(48)} ${median(wall).toFixed(0).padStart(8)} ns/op wall ${result.toFixed(0).padStart(8)} ns/op cpu`
  )
  return result
}

const repeat = (op: () => unknown) => (count: number) => {
  for (let i = 0; i < count; i++) op()
}

console.log(`body: ${body.byteLength} bytes; ${BATCHES} batches × ${PER_BATCH} ops; median per op`)
const baseline = measure("bare createHmac + timingSafeEqual + JSON.parse", repeat(bare))
const verified = measure("Signatures.verify (runSync each)", repeat(verifyOnly))
const parsed = measure("Signatures.parseDelivery (runSync each)", repeat(parse))
const batched = measure("Signatures.parseDelivery (one fiber, no runSync)", parseInOneFiber)
console.log(
  `CPU-time ratio vs bare: verify ×${(verified / baseline).toFixed(2)}, parseDelivery ×${(parsed / baseline).toFixed(2)} ` +
    `(×${(batched / baseline).toFixed(2)} inside one fiber)`
)
