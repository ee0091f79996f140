/**
 * Unit-testing a delivery handler without Posthook: `Signatures.signDelivery`
 * builds a correctly signed request (timestamped from `Clock`, so it works
 * under `TestClock`), and `WebHandler.toResponse` runs the whole exchange.
 */
import { Effect } from "effect"
import { Delivery, Signatures, WebHandler } from "posthook-effect"

const TEST_KEY = "ph_sk_test"

export const onHook = (delivery: Delivery.Delivery) =>
  Effect.succeed(delivery.path === "/webhooks/user-created" ? Delivery.Result.ack() : Delivery.Result.nack("unknown path"))

/** Resolves to the status the handler answers for a signed delivery: 200. */
export const statusForSignedDelivery = Effect.gen(function*() {
  const signed = yield* Signatures.signDelivery(
    { path: "/webhooks/user-created", data: { userId: "123" } },
    { signingKey: TEST_KEY }
  )
  const response = yield* WebHandler.toResponse(
    new Request("http://localhost/webhooks/user-created", { method: "POST", headers: signed.headers, body: signed.body }),
    onHook
  )
  return response.status
}).pipe(Effect.provide(Signatures.layer({ signingKey: TEST_KEY })))

/** Or sign an exact body yourself, e.g. a fixture captured from Posthook. */
export const fixtureHeaders = Signatures.sign("{\"id\":\"…\"}", {
  signingKey: TEST_KEY,
  timestamp: 1_767_225_600,
  hookId: "…"
})
