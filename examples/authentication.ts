/**
 * Authentication: an API key (Project Settings in the dashboard), passed
 * explicitly or read from POSTHOOK_API_KEY; optionally a signing key for
 * verifying deliveries (POSTHOOK_SIGNING_KEY). Keys are `Redacted` from the
 * Layer to the request header: they never show up in logs, errors or inspect.
 *
 * Run: POSTHOOK_API_KEY=pk_... npx tsx examples/authentication.ts
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Redacted from "effect/Redacted"
import { Config, ConfigProvider, Effect, Layer } from "effect"
import { Posthook } from "posthook-effect"

// Explicit API key (a plain string or a Redacted).
export const Explicit = Posthook.layer({ apiKey: "pk_..." })

// With a signing key for webhook signature verification.
export const WithSigningKey = Posthook.layer({ apiKey: "pk_...", signingKey: "ph_sk_..." })

// From the environment: POSTHOOK_API_KEY (required), POSTHOOK_SIGNING_KEY, POSTHOOK_BASE_URL.
// A missing POSTHOOK_API_KEY fails when the Layer is built, naming the variable.
export const FromEnvironment = Posthook.layerConfig()

// Any ConfigProvider works, e.g. keys kept in a secrets manager under other names:
export const FromSecrets = Posthook.layerConfig().pipe(
  Layer.provide(ConfigProvider.layer(
    ConfigProvider.fromUnknown({ POSTHOOK_API_KEY: "pk_from_vault" })
  ))
)

// Or build the options yourself with Config and keep the key Redacted all along:
export const FromConfig = Layer.unwrap(
  Effect.map(Config.Redacted("MY_APP_POSTHOOK_KEY"), (apiKey) => Posthook.layer({ apiKey }))
)

const program = Effect.gen(function*() {
  const posthook = yield* Posthook.Posthook
  // Logs "<redacted>": the key is only unwrapped when the request header is written.
  yield* Effect.log(`api key: ${posthook.config.apiKey}`)
  yield* Effect.log(`api key length: ${Redacted.value(posthook.config.apiKey).length}`)
})

program.pipe(Effect.provide(FromEnvironment.pipe(Layer.provide(NodeHttpClient.layerUndici))), NodeRuntime.runMain)
