import { Effect, Redacted, Duration, DateTime, Either } from "effect"
import { createHmac, timingSafeEqual } from "node:crypto"
import { Signatures } from "posthook-effect"
import * as V from "../src/internal/verify.js"
import { indexHeaders } from "../src/internal/headers.js"
import { makeDelivery } from "../src/internal/delivery.js"
const KEY = "ph_sk_bench_0123456789abcdef"
const TIMESTAMP = Math.floor(Date.now() / 1000)
const base = { id: "0b6f1c7e-1a2b-4c3d-8e9f-0123456789ab", path: "/webhooks/user-created", postAt: "2026-01-01T00:00:00Z", postedAt: "2026-01-01T00:00:01Z", createdAt: "2025-12-31T23:00:00Z", updatedAt: "2025-12-31T23:00:00Z", data: { userId: "123", event: "user.created", note: "x".repeat(800) } }
const text = JSON.stringify(base)
const body = new TextEncoder().encode(text)
const headers = Signatures.sign(body, { signingKey: KEY, timestamp: TIMESTAMP })
const sigHex = headers["Posthook-Signature"]!.slice(3)
const keys = [Redacted.make(KEY)]
const signatures = Signatures.fromKeys(keys, { tolerance: Duration.minutes(5) })
const dec = new TextDecoder()
const json = JSON.parse(text)
const N = 2000
const loop = (f: () => unknown) => () => { for (let i = 0; i < N; i++) f() }
const ops: Record<string, () => void> = {
  bare: loop(() => { timingSafeEqual(createHmac("sha256", KEY).update(`${TIMESTAMP}.`).update(body).digest(), Buffer.from(sigHex, "hex")); return JSON.parse(dec.decode(body)) }),
  hmacCmp: loop(() => timingSafeEqual(createHmac("sha256", KEY).update(`${TIMESTAMP}.`).update(body).digest(), Buffer.from(sigHex, "hex"))),
  parse: loop(() => JSON.parse(dec.decode(body))),
  indexHeaders: loop(() => { const h = indexHeaders(headers); return [h.value("posthook-timestamp"), h.values("posthook-signature"), h.value("posthook-id"), h.value("posthook-ack-url"), h.value("posthook-nack-url")] }),
  dates3: loop(() => [DateTime.unsafeMake(base.postAt), DateTime.unsafeMake(base.postedAt), DateTime.unsafeMake(base.createdAt)]),
  fieldsNoParse: loop(() => V.decodeDeliveryFields(json)),
  makeDelivery: loop(() => makeDelivery({ hookId: "x", timestamp: 1, path: "/p", data: 1, postAt: json, postedAt: json, createdAt: json, updatedAt: json, body })),
  verifyAt: loop(() => V.verifyAt({ body, headers, keys, toleranceMillis: 300000, nowMillis: Date.now() })),
  verifyAtToDelivery: loop(() => Either.flatMap(V.verifyAt({ body, headers, keys, toleranceMillis: 300000, nowMillis: Date.now() }), V.toDelivery)),
  runSyncParse: loop(() => Effect.runSync(signatures.parseDelivery(body, headers))),
  inFiberParse: () => Effect.runSync(Effect.forEach(Array.from({ length: N }), () => signatures.parseDelivery(body, headers), { discard: true })),
}
const res: Record<string, number[]> = {}
for (let round = 0; round < 41; round++) for (const [k, f] of Object.entries(ops)) {
  const c = process.cpuUsage(); f(); const u = process.cpuUsage(c)
  ;(res[k] ??= []).push((u.user + u.system) * 1000 / N)
}
const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!
const b = med(res.bare!)
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(20), med(v).toFixed(0).padStart(7), (med(v) / b).toFixed(2))
