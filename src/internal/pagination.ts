/**
 * Cursor paging over `GET /v1/hooks` (docs/protocol.md §1.3) that yields every hook
 * exactly once, even when many hooks share one `postAt` across a page edge.
 *
 * The API's cursor, `postAtAfter`, is exclusive: moving it to the last hook's
 * `postAt` would skip the hooks with that same `postAt` that did not fit on
 * the page. So the cursor is only moved to the last `postAt` *before* the
 * page's trailing run of equal timestamps, and `offset` skips the part of the
 * run already seen. When a whole page shares one `postAt`, the cursor stays
 * and the offset grows.
 *
 * The cursor is always the server's own string: parsing it into a `Date`
 * would drop sub-millisecond digits and move the cursor.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import * as SchemaParser from "effect/SchemaParser"
import * as Stream from "effect/Stream"
import { fastArray, type FastDecoder, fastDecoderOf, registerFastDecoder } from "./hookDecode.js"

/**
 * One hook of a page, with the raw `id` and `postAt` strings the cursor needs.
 *
 * @internal
 */
export interface PageEntry<A> {
  readonly item: A
  readonly id: string
  readonly postAt: string
}

const RawKeys = Schema.Struct({ id: Schema.String, postAt: Schema.String })
const decodeRawKeys = SchemaParser.decodeUnknownEffect(RawKeys)

/**
 * Decodes one element of a list response twice: with the item schema, and
 * for its raw `id` / `postAt` strings.
 *
 * @internal
 */
export const PageEntry = <A, I>(item: Schema.Codec<A, I>): Schema.Codec<PageEntry<A>, unknown> => {
  // Built once here, not once per element.
  const decodeItem = SchemaParser.decodeUnknownEffect(item)
  const encodeItem = SchemaParser.encodeEffect(item)
  return Schema.Unknown.pipe(
    Schema.decodeTo(Schema.Struct({ item: Schema.toType(item), id: Schema.String, postAt: Schema.String }), {
      decode: SchemaGetter.transformEffect((input: unknown, options) =>
        Effect.zipWith(
          decodeItem(input, options),
          decodeRawKeys(input, options),
          (decoded, raw) => ({ item: decoded, id: raw.id, postAt: raw.postAt })
        )
      ),
      encode: SchemaGetter.transformEffect((entry: PageEntry<A>, options) => encodeItem(entry.item, options))
    })
  )
}

/**
 * A page element through the item schema's hand-written decoder, with the raw
 * `id` and `postAt` texts the cursor keeps; `undefined` sends the page to the Schema.
 */
const fastEntry = <A>(fast: FastDecoder<A>): FastDecoder<PageEntry<A>> => (input) => {
  const item = fast(input)
  if (item === undefined || !Predicate.isObject(input)) return undefined
  const { id, postAt } = input
  return typeof id === "string" && typeof postAt === "string" ? { item, id, postAt } : undefined
}

/** A list response's `data` as {@link PageEntry}s. @internal */
export type PageSchema<A> = Schema.Codec<ReadonlyArray<PageEntry<A>>, ReadonlyArray<unknown>>

const pages = new WeakMap<Schema.Top, Schema.Top>()

/**
 * The schema of a list response's `data`: an array of {@link PageEntry}. One
 * per item schema, so the transport's decoder (cached per schema) is compiled
 * once, not on every `listAll`.
 *
 * @internal
 */
export const Page = <A, I>(item: Schema.Codec<A, I>): PageSchema<A> => {
  const cached = pages.get(item)
  // Keyed by the item schema, so the page stored for it holds its `A`.
  if (cached !== undefined) return cached as PageSchema<A>
  const page: PageSchema<A> = Schema.Array(PageEntry(item))
  pages.set(item, page)
  const fast = fastDecoderOf(item)
  if (fast !== undefined) registerFastDecoder(page, fastArray(fastEntry(fast)))
  return page
}

/**
 * Where the next page starts: hooks with `postAt` after `after` (exclusive),
 * skipping the first `skip` of them. `seen` holds the ids already yielded from
 * that window, to drop a hook a shifting result set would show twice.
 *
 * @internal
 */
export interface Cursor {
  readonly after: string | undefined
  readonly skip: number
  readonly seen: ReadonlySet<string>
  /** The `postAt` of the last hook of the previous page. */
  readonly lastPostAt: string | undefined
}

/**
 * @internal
 */
export const initialCursor = (after: string | undefined): Cursor => ({
  after,
  skip: 0,
  seen: new Set(),
  lastPostAt: undefined
})

/**
 * What one page means for the stream.
 *
 * - `emit`: the entries to yield (those not already seen in this window).
 * - `next`: the cursor of the next page, or none when this page was the last.
 * - `stalled`: a full page brought nothing new (a server that ignores
 *   `offset` would otherwise be asked for the same page forever).
 *
 * @internal
 */
export interface Step<A> {
  readonly emit: ReadonlyArray<PageEntry<A>>
  readonly next: Option.Option<Cursor>
  readonly stalled: boolean
}

/** Up to this many seen ids are compared directly rather than looked up in the set. */
const FEW_SEEN = 8

/**
 * The entries whose id is not in `seen`. `seen` is usually the few hooks of
 * the previous page's trailing run: comparing each id with those few is
 * cheaper than a set lookup, which hashes every fresh id of the page (about
 * 50 ns a hook, 2 % of `listAll`'s CPU).
 */
const unseen = <A>(page: ReadonlyArray<PageEntry<A>>, seen: ReadonlySet<string>): ReadonlyArray<PageEntry<A>> => {
  if (seen.size === 0) return page
  if (seen.size > FEW_SEEN) return page.filter((entry) => !seen.has(entry.id))
  const ids = Array.from(seen)
  return page.filter((entry) => !ids.includes(entry.id))
}

/**
 * The pure paging rule (see the module comment).
 *
 * @internal
 */
export const step = <A>(cursor: Cursor, page: ReadonlyArray<PageEntry<A>>, pageSize: number): Step<A> => {
  const emit = unseen(page, cursor.seen)
  const last = page[page.length - 1]
  if (last === undefined || page.length < pageSize) return { emit, next: Option.none(), stalled: false }
  if (emit.length === 0) return { emit, next: Option.none(), stalled: true }
  let runStart = page.length - 1
  while (runStart > 0 && page[runStart - 1]!.postAt === last.postAt) runStart--
  // The postAt just before the trailing run of equal postAt values: on this page, or
  // (when the whole page is one run) the last one of the previous page if it differs.
  const before = runStart > 0
    ? page[runStart - 1]!.postAt
    : cursor.lastPostAt !== undefined && cursor.lastPostAt !== last.postAt
    ? cursor.lastPostAt
    : undefined
  const next: Cursor = before === undefined
    ? {
      // The run began before this page: keep the cursor, skip further into the run.
      after: cursor.after,
      skip: cursor.skip + page.length,
      seen: new Set([...cursor.seen, ...page.map((entry) => entry.id)]),
      lastPostAt: last.postAt
    }
    : {
      // Restart just before the run, skipping the part of it already yielded.
      after: before,
      skip: page.length - runStart,
      seen: new Set(page.slice(runStart).map((entry) => entry.id)),
      lastPostAt: last.postAt
    }
  return { emit, next: Option.some(next), stalled: false }
}

/**
 * A stream that fetches one page each time the consumer wants more.
 *
 * @internal
 */
export const paginate = <A, E, R>(options: {
  readonly initial: Cursor
  readonly pageSize: number
  readonly fetchPage: (cursor: Cursor) => Effect.Effect<ReadonlyArray<PageEntry<A>>, E, R>
  readonly onStall: (cursor: Cursor) => E
}): Stream.Stream<A, E, R> =>
  Stream.paginate(options.initial, (cursor) =>
    Effect.flatMap(options.fetchPage(cursor), (page) => {
      const result = step(cursor, page, options.pageSize)
      return result.stalled
        ? Effect.fail(options.onStall(cursor))
        : Effect.succeed([result.emit.map((entry) => entry.item), result.next] as const)
    }))
