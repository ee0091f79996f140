/**
 * The dashboard's routes: two pages, their script and style, the JSON API
 * the script reads, the actions, and the live event stream.
 *
 * | method | path | answer |
 * |---|---|---|
 * | GET | `/` | the hook list (HTML) |
 * | GET | `/hooks/:id` | a hook's page (HTML; 400 / 404 page for a bad or unknown id) |
 * | GET | `/_dashboard/app.js`, `/_dashboard/app.css` | the script and the style |
 * | GET | `/_dashboard/api/overview` | server configuration and state |
 * | GET | `/_dashboard/api/hooks?status&path&q&limit&offset` | hooks, newest first |
 * | GET | `/_dashboard/api/hooks/:id` | one hook with its attempts |
 * | POST | `/_dashboard/api/hooks/:id/{retry,replay,cancel,deliver-now}` | an action |
 * | GET | `/_dashboard/api/keys` | the full keys (for the copy buttons) |
 * | GET | `/_dashboard/api/events` | server-sent events |
 *
 * Errors are `{"error": "<message>"}` (JSON) or a page with the message
 * (HTML), never a stack trace.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Hook from "../../../Hook.js"
import type { HookRecord } from "../../HookRecord.js"
import type { LocalPosthook } from "../../LocalPosthook.js"
import type { StoreError } from "../../Store.js"
import { SCRIPT } from "./assets/script.js"
import { STYLE } from "./assets/style.js"
import * as Events from "./events.js"
import * as Guard from "./guard.js"
import * as Page from "./page.js"
import { API_PREFIX, HOOK_PATH, LIST_PATH, SCRIPT_PATH, STYLE_PATH } from "./paths.js"
import * as Views from "./views.js"

/** Largest page of the hook list. @internal */
export const MAX_PAGE_SIZE = 500

/** Default page of the hook list. @internal */
export const DEFAULT_PAGE_SIZE = 50

/** A request the dashboard refuses, with the status and the message to show. */
class Refused extends Data.TaggedError("Refused")<{ readonly status: number; readonly message: string }> {}

type Failure = Refused | StoreError

const failureStatus = (failure: Failure): number => failure._tag === "Refused" ? failure.status : 500

const failureMessage = (failure: Failure): string =>
  failure._tag === "Refused" ? failure.message : `The server's store failed (${failure.operation}): ${failure.message}`

/** A bug: reported by its message only, never with a stack. */
const defectMessage = (defect: unknown): string =>
  `Internal error: ${defect instanceof Error ? defect.message : String(defect)}`

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** @internal */
export const HookId = Schema.String.pipe(Schema.pattern(UUID))

/** An optional query parameter whose every failure reads `message`. */
const param = <A, I, R>(schema: Schema.Schema<A, I, R>, message: string) =>
  Schema.optionalWith(schema.annotations({ message: () => ({ message, override: true }) }), { exact: true })

/** The hook list's query. Empty parameters count as absent. @internal */
export const ListParams = Schema.Struct({
  status: param(Hook.HookStatus, `status must be one of ${Hook.HookStatus.literals.join(", ")}`),
  path: param(
    Schema.String.pipe(Schema.startsWith("/")),
    "path must start with \"/\" (it is matched exactly, e.g. /webhooks/user-created)"
  ),
  q: param(Schema.String.pipe(Schema.maxLength(64)), "q (the id search) must be at most 64 characters"),
  limit: param(
    Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, MAX_PAGE_SIZE)),
    `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`
  ),
  offset: param(Schema.NumberFromString.pipe(Schema.int(), Schema.nonNegative()), "offset must be a whole number, 0 or more")
})

/** @internal */
export const ActionParam = Schema.Literal(...Views.ACTIONS)

const decodeListParams = Schema.decodeUnknownEither(ListParams, { errors: "all", onExcessProperty: "ignore" })
const decodeHookId = Schema.decodeUnknownEither(HookId)
const decodeAction = Schema.decodeUnknownEither(ActionParam)

const parseErrorMessage = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => issue.message).join("; ")

const jsonResponse = (status: number, body: unknown) =>
  HttpServerResponse.unsafeJson(body, { status, headers: Guard.COMMON_HEADERS })

const htmlResponse = (status: number, body: string) =>
  HttpServerResponse.text(body, { status, contentType: "text/html; charset=utf-8", headers: Guard.PAGE_HEADERS })

const assetResponse = (body: string, contentType: string) =>
  HttpServerResponse.text(body, {
    contentType,
    headers: { ...Guard.COMMON_HEADERS, "Cache-Control": "no-cache" }
  })

/** @internal */
export const make = (local: LocalPosthook): HttpRouter.HttpRouter<never, never> => {
  const ownUrls = Array.from(new Set([local.baseUrl, local.publicUrl]))
  const projectName = local.config.projectName

  const guarded = <R>(
    needsHeader: boolean,
    refuse: (message: string) => HttpServerResponse.HttpServerResponse,
    handler: Effect.Effect<HttpServerResponse.HttpServerResponse, never, R>
  ) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const refused = Guard.check(request, ownUrls, needsHeader)
      return refused === undefined ? handler : Effect.succeed(refuse(refused))
    })

  /** A JSON endpoint: the body on success, the error envelope otherwise. */
  const api = <R>(options: { readonly needsHeader: boolean }, body: Effect.Effect<unknown, Failure, R>) =>
    guarded(
      options.needsHeader,
      (message) => jsonResponse(403, { error: message }),
      body.pipe(
        Effect.map((data) => jsonResponse(200, data)),
        Effect.catchAll((failure) => Effect.succeed(jsonResponse(failureStatus(failure), { error: failureMessage(failure) }))),
        Effect.catchAllDefect((defect) => Effect.succeed(jsonResponse(500, { error: defectMessage(defect) })))
      )
    )

  /** A page: the shell for `view`, or an error page. */
  const page = <R>(view: Effect.Effect<readonly [number, Page.View], Failure, R>) =>
    guarded(
      false,
      (message) =>
        htmlResponse(403, Page.render({ _tag: "Error", title: "Refused", message }, projectName, { script: false })),
      view.pipe(
        Effect.map(([status, shown]) => htmlResponse(status, Page.render(shown, projectName))),
        Effect.catchAll((failure) =>
          Effect.succeed(
            htmlResponse(
              failureStatus(failure),
              Page.render({ _tag: "Error", title: "Something went wrong", message: failureMessage(failure) }, projectName)
            )
          )
        ),
        Effect.catchAllDefect((defect) =>
          Effect.succeed(
            htmlResponse(500, Page.render({ _tag: "Error", title: "Something went wrong", message: defectMessage(defect) }, projectName))
          )
        )
      )
    )

  const hookIdParam = Effect.flatMap(HttpRouter.params, (params) => {
    const given = params.id ?? ""
    const shown = given.length > 80 ? `${given.slice(0, 80)}…` : given
    return Either.match(decodeHookId(given), {
      onLeft: () =>
        Effect.fail(
          new Refused({
            status: 400,
            message: `"${shown}" is not a hook id: hook ids are UUIDs such as 0b7e1d1c-8f1a-4c2e-9d3b-6a5f4e3d2c1b.`
          })
        ),
      onRight: (id) => Effect.succeed(id.toLowerCase())
    })
  })

  const findHook = (id: string): Effect.Effect<HookRecord, Failure> =>
    Effect.flatMap(local.hook(id), (found) =>
      Option.match(found, {
        onNone: () =>
          Effect.fail(
            new Refused({
              status: 404,
              message: `No hook with id ${id}. It may have been deleted, or the server was restarted with an in-memory store.`
            })
          ),
        onSome: Effect.succeed
      }))

  const listPage = page(Effect.succeed([200, { _tag: "List" }] as const))

  const hookPage = page(
    Effect.gen(function*() {
      const id = yield* hookIdParam
      yield* findHook(id)
      return [200, { _tag: "Hook", id }] as const
    }).pipe(
      Effect.catchTag("Refused", (refused) =>
        Effect.succeed(
          [
            refused.status,
            { _tag: "Error", title: refused.status === 404 ? "Hook not found" : "Not a hook id", message: refused.message }
          ] as const
        ))
    )
  )

  const overview = api(
    { needsHeader: false },
    Effect.gen(function*() {
      return Views.overview(local, {
        now: yield* Clock.currentTimeMillis,
        targetOrigin: yield* local.targetOrigin,
        listeners: yield* local.listeners,
        quota: yield* local.quota
      })
    })
  )

  const listHooks = api(
    { needsHeader: false },
    Effect.gen(function*() {
      const search = yield* HttpServerRequest.ParsedSearchParams
      const given: Record<string, string | ReadonlyArray<string>> = {}
      for (const [name, value] of Object.entries(search)) {
        const text = typeof value === "string" ? value.trim() : value
        if (text.length > 0) given[name] = text
      }
      const params = yield* Either.match(decodeListParams(given), {
        onLeft: (error) => Effect.fail(new Refused({ status: 400, message: parseErrorMessage(error) })),
        onRight: Effect.succeed
      })
      const limit = params.limit ?? DEFAULT_PAGE_SIZE
      const offset = params.offset ?? 0
      const found = yield* local.hooks({
        status: params.status,
        path: params.path,
        idContains: params.q?.toLowerCase(),
        sortBy: "createdAt",
        sortOrder: "DESC",
        limit: limit + 1,
        offset
      })
      const hooks = yield* Effect.forEach(
        found.slice(0, limit),
        (hook) => Effect.map(local.attempts(hook.id), (attempts) => Views.hookRow(hook, attempts))
      )
      return { hooks, offset, limit, hasMore: found.length > limit, serverTime: yield* Clock.currentTimeMillis }
    })
  )

  const hookDetail = api(
    { needsHeader: false },
    Effect.gen(function*() {
      const hook = yield* findHook(yield* hookIdParam)
      const attempts = yield* local.attempts(hook.id)
      return Views.hookDetail(hook, attempts, local.config.retryPolicy, yield* Clock.currentTimeMillis)
    })
  )

  const perform = (action: Views.Action, id: string): Effect.Effect<number, StoreError> => {
    switch (action) {
      case "retry":
        return local.retry([id])
      case "replay":
        return local.replay([id])
      case "cancel":
        return local.cancel([id])
      case "deliver-now":
        return Effect.map(local.deliverNow(id), (done) => done ? 1 : 0)
    }
  }

  const hookAction = api(
    { needsHeader: true },
    Effect.gen(function*() {
      const params = yield* HttpRouter.params
      const action = yield* Either.match(decodeAction(params.action), {
        onLeft: () =>
          Effect.fail(
            new Refused({
              status: 404,
              message: `Unknown action "${params.action ?? ""}": use ${Views.ACTIONS.join(", ")}.`
            })
          ),
        onRight: Effect.succeed
      })
      const before = yield* findHook(yield* hookIdParam)
      if (!Views.availableActions(before)[action]) {
        return yield* Effect.fail(new Refused({ status: 409, message: Views.refusal(action, before) }))
      }
      // The same code paths as the REST bulk endpoints; the state may have moved on since `before`.
      const affected = yield* perform(action, before.id)
      const after = yield* findHook(before.id)
      if (affected === 0) return yield* Effect.fail(new Refused({ status: 409, message: Views.refusal(action, after) }))
      const attempts = yield* local.attempts(after.id)
      return { ok: true, action, message: Views.success(action), hook: Views.hookRow(after, attempts) }
    })
  )

  const keys = api(
    { needsHeader: true },
    Effect.succeed({
      apiKey: Redacted.value(local.apiKey),
      signingKeys: local.signingKeys.map(Redacted.value)
    })
  )

  const asset = (body: string, contentType: string) =>
    guarded(false, (message) => jsonResponse(403, { error: message }), Effect.succeed(assetResponse(body, contentType)))

  const events = guarded(
    false,
    (message) => jsonResponse(403, { error: message }),
    Effect.map(HttpServerRequest.HttpServerRequest, (request) => Events.response(local, request))
  )

  return HttpRouter.empty.pipe(
    HttpRouter.get(LIST_PATH, listPage),
    HttpRouter.get(HOOK_PATH, hookPage),
    HttpRouter.get(SCRIPT_PATH, asset(SCRIPT, "text/javascript; charset=utf-8")),
    HttpRouter.get(STYLE_PATH, asset(STYLE, "text/css; charset=utf-8")),
    HttpRouter.get(`${API_PREFIX}/overview`, overview),
    HttpRouter.get(`${API_PREFIX}/hooks`, listHooks),
    HttpRouter.get(`${API_PREFIX}/hooks/:id`, hookDetail),
    HttpRouter.post(`${API_PREFIX}/hooks/:id/:action`, hookAction),
    HttpRouter.get(`${API_PREFIX}/keys`, keys),
    HttpRouter.get(`${API_PREFIX}/events`, events)
  )
}
