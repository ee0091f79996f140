/**
 * The `posthook` bin. `@effect/platform-node` is an optional peer of
 * posthook-effect that the command line needs: when it is not installed,
 * say so in one line instead of a module-resolution stack trace. Otherwise
 * load and run the command line (`app.ts`).
 *
 * @internal
 */

const PLATFORM_NODE = "@effect/platform-node"

/** True when `error` says the platform package itself could not be found. */
const isPlatformNodeMissing = (error: unknown): boolean =>
  error instanceof Error && "code" in error && error.code === "ERR_MODULE_NOT_FOUND" &&
  error.message.includes(PLATFORM_NODE)

try {
  await import("@effect/platform-node/NodeRuntime")
} catch (error) {
  if (!isPlatformNodeMissing(error)) throw error
  process.stderr.write(`error: posthook needs ${PLATFORM_NODE}: npm i -D ${PLATFORM_NODE}\n`)
  process.exit(1)
}

await import("./app.js")

export {}
