/**
 * Unit-testing a delivery handler without Posthook: `Signatures.signDelivery`
 * builds a correctly signed request (timestamped from `Clock`, so it works
 * under `TestClock`), and `WebHandler.toResponse` runs the whole exchange.
 *
 * Run: npx tsx examples/testing-handlers.ts
 */
import { Effect } from "effect"
import { Delivery, Signatures, WebHandler } from "posthook-effect"

/** The handler under test. */
const onHook = (delivery: Delivery.Delivery) =>
  Effect.succeed(delivery.path === "/webhooks/user-created" ? Delivery.Result.ack() : Delivery.Result.nack("unknown path"))

const status = Effect.gen(function* () {
  const signed = yield* Signatures.signDelivery({ path: "/webhooks/user-created", data: { userId: "123" } }, {
    signingKey: "ph_sk_test"
  })
  const response = yield* WebHandler.toResponse(
    new Request("http://localhost/webhooks/user-created", { method: "POST", headers: signed.headers, body: signed.body }),
    onHook
  )
  return response.status // 200
}).pipe(Effect.provide(Signatures.layer({ signingKey: "ph_sk_test" })))

/** Or sign an exact body yourself, e.g. a fixture captured from Posthook. */
export const fixtureHeaders = Signatures.sign("{\"id\":\"…\"}", {
  signingKey: "ph_sk_test",
  timestamp: 1_767_225_600,
  hookId: "…"
})

Effect.runPromise(status).then(
  (code) => console.log(`the handler answered ${code}`),
  (error: unknown) => console.error(error)
)
