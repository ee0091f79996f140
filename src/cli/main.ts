/**
 * The `posthook` bin. It is built as one bundle with its dependencies
 * (tsup.config.ts), so it needs no package at run time, not even the
 * optional peer `@effect/platform-node`.
 *
 * Before loading the command line (`app.ts`), it turns on Node's compile
 * cache: V8's compiled code for the bin's files is kept on disk (in the OS
 * temp folder, or `NODE_COMPILE_CACHE`; `NODE_DISABLE_COMPILE_CACHE=1` turns
 * it off), so a command run again skips most of the parsing and compiling
 * that its start-up otherwise spends. Only files imported after this call
 * use the cache: hence `app.ts` is imported dynamically, below.
 *
 * @internal
 */
import * as Module from "node:module"

Module.enableCompileCache()

await import("./app.js")

// Node writes the cache when the process exits; `dev` and `listen` run until killed, and a killed
// process writes nothing. The command line is loaded by now: write what is compiled so far.
Module.flushCompileCache()

export {}
