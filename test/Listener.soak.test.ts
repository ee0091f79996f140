/**
 * Soak: the server drops the connection 50 times while delivering 5,000
 * hooks. Attempts in flight on a dropped connection are lost (their answers
 * cannot arrive) and redelivered as the next attempt on the next connection,
 * as the service does. Every attempt must get exactly one answer on the
 * connection it was sent on, unless its connection was dropped first; and
 * every hook must end up acked.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schedule } from "effect"
import { Delivery, Listener } from "posthook-effect"
import * as WsTestServer from "./utils/WsTestServer.js"
import { eventually } from "./utils/WsTestServer.js"

const HOOKS = 5_000
const DROPS = 50
const WINDOW = 100
const ANSWERS_BETWEEN_DROPS = Math.floor(HOOKS / (DROPS + 1))

interface Attempt {
  readonly hookId: string
  readonly attempt: number
  readonly connection: number
  answers: number
  lost: boolean
}

describe("Listener soak", () => {
  it.live(`${DROPS} drops while delivering ${HOOKS} hooks: one answer per attempt, every hook acked`, () =>
    Effect.gen(function*() {
      const server = yield* WsTestServer.make
      const context = yield* Layer.build(WsTestServer.quietLayer(server))

      const queue: Array<{ readonly hookId: string; readonly attempt: number }> = Array.from(
        { length: HOOKS },
        (_, i) => ({ hookId: `soak-${i}`, attempt: 1 })
      )
      const attempts: Array<Attempt> = []
      const inFlight = new Map<string, Attempt>()
      const acked = new Set<string>()
      const violations: Array<string> = []
      let drops = 0
      const dropped = new Set<number>()
      let answersSinceDrop = 0
      let current: WsTestServer.ServerConnection | undefined

      const pump = (connection: WsTestServer.ServerConnection) => {
        while (current === connection && inFlight.size < WINDOW && queue.length > 0) {
          const next = queue.shift()!
          const sent: Attempt = { ...next, connection: connection.id, answers: 0, lost: false }
          attempts.push(sent)
          inFlight.set(`${connection.id}/${next.hookId}`, sent)
          connection.sendHook(next.hookId, { attempt: next.attempt, maxAttempts: 100 })
        }
      }

      const dropCurrent = (connection: WsTestServer.ServerConnection) => {
        drops++
        dropped.add(connection.id)
        answersSinceDrop = 0
        current = undefined
        // What was in flight here can no longer be answered: redeliver it.
        for (const [key, attempt] of inFlight) {
          if (attempt.connection !== connection.id) continue
          attempt.lost = true
          inFlight.delete(key)
          queue.unshift({ hookId: attempt.hookId, attempt: attempt.attempt + 1 })
        }
        connection.socket.terminate()
      }

      server.onConnection = (connection) => {
        connection.connected()
        current = connection
        pump(connection)
      }
      server.onFrame = (connection, frame) => {
        // Frames `ws` had already read when the server dropped the socket: a
        // real server would never see them.
        if (dropped.has(connection.id)) return
        const hookId = String(frame.hookId)
        const attempt = inFlight.get(`${connection.id}/${hookId}`)
        if (attempt === undefined) {
          const sent = attempts.find((a) => a.connection === connection.id && a.hookId === hookId)
          violations.push(
            `${frame.type} for ${hookId} on #${connection.id}: ${sent === undefined ? "never sent" : "answered twice"}`
          )
          return
        }
        attempt.answers++
        inFlight.delete(`${connection.id}/${hookId}`)
        if (frame.type === "ack") acked.add(hookId)
        else queue.push({ hookId, attempt: attempt.attempt + 1 })
        answersSinceDrop++
        if (drops < DROPS && answersSinceDrop >= ANSWERS_BETWEEN_DROPS) dropCurrent(connection)
        else pump(connection)
      }

      const handled = new Map<string, number>()
      const listener = yield* Listener.listen(
        (delivery) =>
          Effect.gen(function*() {
            const key = `${delivery.hookId}#${delivery.ws?.attempt}`
            handled.set(key, (handled.get(key) ?? 0) + 1)
            // Let answers interleave with the drops.
            if (delivery.hookId.endsWith("7")) yield* Effect.sleep("1 millis")
            // Some first attempts fail, so retries are part of the soak too.
            return delivery.hookId.endsWith("3") && delivery.ws?.attempt === 1
              ? Delivery.Result.nack("try again")
              : Delivery.Result.ack()
          }),
        { reconnect: Schedule.spaced("2 millis") }
      ).pipe(Effect.provide(context))

      yield* eventually("every hook acked", () => acked.size === HOOKS, "60 seconds")
      yield* listener.close

      expect(violations).toEqual([])
      expect(drops).toBe(DROPS)
      expect(server.connections.length).toBe(DROPS + 1)
      for (const attempt of attempts) {
        // Exactly one answer per attempt, unless the connection it was on was dropped first.
        expect(attempt.answers + (attempt.lost ? 1 : 0), `${attempt.hookId} #${attempt.attempt}`).toBe(1)
      }
      expect(attempts.some((attempt) => attempt.lost)).toBe(true)
      // The listener ran each attempt it received once.
      expect([...handled.values()].every((count) => count === 1)).toBe(true)
      expect(attempts.length).toBeGreaterThan(HOOKS)
    }), { timeout: 90_000 })
})
