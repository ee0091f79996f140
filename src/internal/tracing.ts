/**
 * When a span is worth making on a hot path.
 *
 * @internal
 */
import type * as Fiber from "effect/Fiber"
import * as Tracer from "effect/Tracer"

/**
 * Whether work run by `fiber` needs no span: the app installed no tracer that
 * exports spans (with Effect's built-in `Tracer.nativeTracer` nobody reads
 * them), or tracing is off. Read from the fiber's cache of its context, where
 * Effect keeps both: looking each up in the context costs more than the check.
 *
 * @internal
 */
export const untraced = (fiber: Fiber.Fiber<unknown, unknown>): boolean => {
  const cache = fiber.cache
  return !cache.tracerEnabled || cache.tracer === undefined || cache.tracer === Tracer.nativeTracer
}
