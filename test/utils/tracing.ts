/**
 * A tracer for tests that records every span it starts, on top of the
 * native one (so spans behave as in production).
 */
import { Effect, Tracer } from "effect"

/** Records every span a tracer starts: `spans` fills as the tracer runs. */
export const recordingTracer = Effect.map(Effect.tracer, (native) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span(options) {
      const span = native.span(options)
      spans.push(span)
      return span
    },
    ...(native.context === undefined ? {} : { context: native.context })
  })
  return { spans, tracer }
})
