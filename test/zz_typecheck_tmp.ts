import { Context, Effect, Layer, ManagedRuntime, Runtime } from "effect"
import { Delivery, NodeHandler, Signatures, WebHandler } from "posthook-effect"
class Users extends Context.Tag("Users")<Users, { readonly n: number }>() {}
const needsUsers = (d: Delivery.Delivery) => Effect.as(Effect.flatMap(Users, (u) => Effect.log(u.n, d.hookId)), Delivery.Result.ack())
const onlySig = ManagedRuntime.make(Signatures.layer({ signingKey: "k" }))
const both = ManagedRuntime.make(Layer.mergeAll(Signatures.layer({ signingKey: "k" }), Layer.succeed(Users, { n: 1 })))
const onlyUsers = ManagedRuntime.make(Layer.succeed(Users, { n: 1 }))
// ok
export const a = WebHandler.make(needsUsers, { runtime: both })
export const b = WebHandler.make(needsUsers, { runtime: onlyUsers, signatures: Signatures.unsafeMake("k") })
export const c = NodeHandler.make((d) => Effect.as(Effect.log(d.hookId), Delivery.Result.ack()), { runtime: Runtime.defaultRuntime, signatures: Signatures.unsafeMake("k") })
// errors expected below
export const e1 = WebHandler.make(needsUsers, { runtime: onlySig })
export const e2 = WebHandler.make(needsUsers, { runtime: onlyUsers })
export const e3 = NodeHandler.make((d) => Effect.as(Effect.log(d.hookId), Delivery.Result.ack()), { runtime: Runtime.defaultRuntime })
export const e4 = WebHandler.make((d) => Effect.as(Effect.flatMap(Users, (u) => Effect.log(u.n, d.hookId)), Delivery.Result.ack()), { runtime: onlySig })
