/**
 * Receiving deliveries in Fastify. Fastify parses JSON by default, and the
 * signature covers the raw bytes: ask for the Buffer instead and verify it
 * with `parseDelivery`.
 *
 * Needs `npm install fastify`.
 * Run: POSTHOOK_SIGNING_KEY=ph_sk_... npx tsx examples/fastify.ts
 */
import { Effect, ManagedRuntime, Result } from "effect"
import { Signatures } from "posthook-effect"

/** Signatures from POSTHOOK_SIGNING_KEY, built once and shared by every request. */
const runtime = ManagedRuntime.make(Signatures.layerConfig())

import Fastify from "fastify"

const fastify = Fastify()
fastify.addContentTypeParser("application/json", { parseAs: "buffer" }, (_req, body, done) => done(null, body))

fastify.post("/webhooks/user-created", async (request, reply) => {
  const body = request.body
  if (!Buffer.isBuffer(body)) return reply.code(400).send({ error: "expected a raw body" })
  const parsed = await runtime.runPromise(
    Effect.result(Signatures.Signatures.use((s) => s.parseDelivery(body, request.headers)))
  )
  if (Result.isFailure(parsed)) {
    return reply.code(parsed.failure.reason === "InvalidBody" ? 422 : 401).send({ error: parsed.failure.message })
  }
  return reply.code(200).send({ ok: true })
})

await fastify.listen({ port: 3000 })
