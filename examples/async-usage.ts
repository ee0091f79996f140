/**
 * Async usage: there is one client. An Effect is already "sync or async";
 * run it however your app runs code: inside an Effect program, or from
 * Promise-based code through a `ManagedRuntime` built once at start-up.
 *
 * Run: POSTHOOK_API_KEY=pk_... npx tsx examples/async-usage.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, ManagedRuntime } from "effect"
import { Hooks, Posthook } from "posthook-effect"

const runtime = ManagedRuntime.make(Posthook.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici)))

/** A plain async function for code that does not use Effect. */
export const scheduleReminder = (userId: string): Promise<string> =>
  runtime.runPromise(
    Hooks.Hooks.use((hooks) => hooks.schedule({ path: "/webhooks/reminder", postIn: "5m", data: { userId } }))
      .pipe(Effect.map((hook) => hook.id))
  )

/** Several requests at once: Effect runs them concurrently. */
export const pendingAndFailed = () =>
  runtime.runPromise(
    Hooks.Hooks.use((hooks) =>
      Effect.all([hooks.list({ status: "pending" }), hooks.list({ status: "failed" })], { concurrency: "unbounded" }))
  )

const main = async () => {
  try {
    console.log(await scheduleReminder("123"))
    const [pending, failed] = await pendingAndFailed()
    console.log(pending.length, failed.length)
  } finally {
    await runtime.dispose() // closes the HTTP client the runtime created
  }
}

void main()
