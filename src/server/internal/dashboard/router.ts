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
 * When the server can be reached beyond loopback, every route but the
 * script and the style needs the dashboard's token (`guard.ts`); a page
 * opened with `?token=` sets the cookie and redirects (303) to itself
 * without it.
 *
 * Errors are `{"error": "<message>"}` (JSON) or a page with the message
 * (HTML), never a stack trace.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Hook from "../../../Hook.js"
import type { HookRecord } from "../../HookRecord.js"
import type { LocalPosthook } from "../../LocalPosthook.js"
import type { StoreError } from "../../Store.js"
import * as Rest from "../rest.js"
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
export const HookId = Schema.String.check(Schema.isPattern(UUID))

/** @internal */
export const ActionParam = Schema.Literals(Views.ACTIONS)

/**
 * One query parameter of the hook list: its schema, and the one message
 * every failure of it reads (whatever the schema's own issue says).
 */
const listParam = <S extends Schema.Decoder<unknown>>(schema: S, message: string) => ({
  decode: Schema.decodeUnknownResult(schema),
  message
})

const LIST_PARAMS = {
  status: listParam(Hook.HookStatus, `status must be one of ${Hook.HookStatus.literals.join(", ")}`),
  path: listParam(
    Schema.String.check(Schema.isPattern(/^\//)),
    "path must start with \"/\" (it is matched exactly, e.g. /webhooks/user-created)"
  ),
  q: listParam(Schema.String.check(Schema.isMaxLength(64)), "q (the id search) must be at most 64 characters"),
  limit: listParam(
    Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: MAX_PAGE_SIZE })),
    `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`
  ),
  offset: listParam(
    Schema.NumberFromString.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0)),
    "offset must be a whole number, 0 or more"
  )
} as const

/** The hook list's query, decoded. @internal */
export interface ListParams {
  readonly status?: Hook.HookStatus | undefined
  readonly path?: string | undefined
  readonly q?: string | undefined
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}

/**
 * Decodes the hook list's query. Empty parameters count as absent; every
 * invalid parameter is reported, in a fixed order, joined by "; ".
 *
 * @internal
 */
export const decodeListParams = (
  search: Readonly<Record<string, string | ReadonlyArray<string>>>
): Result.Result<ListParams, string> => {
  const errors: Array<string> = []
  const given = (name: keyof typeof LIST_PARAMS): unknown => {
    const value = search[name]
    const trimmed = typeof value === "string" ? value.trim() : value
    return trimmed === undefined || trimmed.length === 0 ? undefined : trimmed
  }
  const read = <A>(name: keyof typeof LIST_PARAMS, rule: {
    readonly decode: (input: unknown) => Result.Result<A, unknown>
    readonly message: string
  }): A | undefined => {
    const input = given(name)
    if (input === undefined) return undefined
    return Result.match(rule.decode(input), {
      onFailure: () => {
        errors.push(rule.message)
        return undefined
      },
      onSuccess: (value) => value
    })
  }
  const params: ListParams = {
    status: read("status", LIST_PARAMS.status),
    path: read("path", LIST_PARAMS.path),
    q: read("q", LIST_PARAMS.q),
    limit: read("limit", LIST_PARAMS.limit),
    offset: read("offset", LIST_PARAMS.offset)
  }
  return errors.length === 0 ? Result.succeed(params) : Result.fail(errors.join("; "))
}

const decodeHookId = Schema.decodeUnknownResult(HookId)
const decodeAction = Schema.decodeUnknownResult(ActionParam)

const jsonResponse = (status: number, body: unknown) =>
  HttpServerResponse.jsonUnsafe(body, { status, headers: Guard.COMMON_HEADERS })

const htmlResponse = (status: number, body: string) =>
  HttpServerResponse.text(body, { status, contentType: "text/html; charset=utf-8", headers: Guard.PAGE_HEADERS })

const assetResponse = (body: string, contentType: string) =>
  HttpServerResponse.text(body, {
    contentType,
    headers: { ...Guard.COMMON_HEADERS, "Cache-Control": "no-cache" }
  })

/**
 * The dashboard's routes for `local`. With a `token`, every route that shows
 * data needs it (see `guard.ts`); without, the server can be reached from
 * this machine only and the Host check is the guard.
 *
 * @internal
 */
export const make = (local: LocalPosthook, token: Redacted.Redacted<string> | undefined): Rest.App => {
  const access: Guard.Access = {
    ownUrls: Array.from(new Set([local.baseUrl, local.publicUrl])),
    listenHost: local.config.host,
    port: local.port,
    token
  }
  const projectName = local.config.projectName

  /**
   * `handler` once the request passed the guards. A page opened with the
   * token in its URL instead gets the cookie and a redirect to the same URL
   * without the token, so the token leaves the address bar and history.
   */
  const guarded = <R>(
    options: { readonly needsToken: boolean; readonly needsHeader: boolean; readonly page?: boolean },
    refuse: (refusal: Guard.Refusal) => HttpServerResponse.HttpServerResponse,
    handler: Effect.Effect<HttpServerResponse.HttpServerResponse, never, R>
  ) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const refused = Guard.check(request, access, options)
      if (refused !== undefined) return Effect.succeed(refuse(refused))
      if (options.page === true && token !== undefined && Guard.queryToken(request.url) !== undefined) {
        return Effect.succeed(
          HttpServerResponse.redirect(Guard.withoutToken(request.url), {
            status: 303,
            headers: { ...Guard.COMMON_HEADERS, "Set-Cookie": Guard.setCookie(access.port, token) }
          })
        )
      }
      return handler
    })

  /** A JSON endpoint: the body on success, the error envelope otherwise. */
  const api = <R>(options: { readonly needsHeader: boolean }, body: Effect.Effect<unknown, Failure, R>) =>
    guarded(
      { needsToken: true, needsHeader: options.needsHeader },
      (refusal) => jsonResponse(refusal.status, { error: refusal.message }),
      body.pipe(
        Effect.map((data) => jsonResponse(200, data)),
        Effect.catch((failure) => Effect.succeed(jsonResponse(failureStatus(failure), { error: failureMessage(failure) }))),
        Effect.catchDefect((defect) => Effect.succeed(jsonResponse(500, { error: defectMessage(defect) })))
      )
    )

  /** A page: the shell for `view`, or an error page. */
  const page = <R>(view: Effect.Effect<readonly [number, Page.View], Failure, R>) =>
    guarded(
      { needsToken: true, needsHeader: false, page: true },
      (refusal) =>
        htmlResponse(
          refusal.status,
          Page.render({ _tag: "Error", title: "Refused", message: refusal.message }, projectName, { script: false })
        ),
      view.pipe(
        Effect.map(([status, shown]) => htmlResponse(status, Page.render(shown, projectName))),
        Effect.catch((failure) =>
          Effect.succeed(
            htmlResponse(
              failureStatus(failure),
              Page.render({ _tag: "Error", title: "Something went wrong", message: failureMessage(failure) }, projectName)
            )
          )
        ),
        Effect.catchDefect((defect) =>
          Effect.succeed(
            htmlResponse(500, Page.render({ _tag: "Error", title: "Something went wrong", message: defectMessage(defect) }, projectName))
          )
        )
      )
    )

  const hookIdParam = Effect.flatMap(HttpRouter.params, (params) => {
    const given = params.id ?? ""
    const shown = given.length > 80 ? `${given.slice(0, 80)}…` : given
    return Result.match(decodeHookId(given), {
      onFailure: () =>
        Effect.fail(
          new Refused({
            status: 400,
            message: `"${shown}" is not a hook id: hook ids are UUIDs such as 0b7e1d1c-8f1a-4c2e-9d3b-6a5f4e3d2c1b.`
          })
        ),
      onSuccess: (id) => Effect.succeed(id.toLowerCase())
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
      const params = yield* Result.match(decodeListParams(search), {
        onFailure: (message) => Effect.fail(new Refused({ status: 400, message })),
        onSuccess: Effect.succeed
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
      const action = yield* Result.match(decodeAction(params.action), {
        onFailure: () =>
          Effect.fail(
            new Refused({
              status: 404,
              message: `Unknown action "${params.action ?? ""}": use ${Views.ACTIONS.join(", ")}.`
            })
          ),
        onSuccess: Effect.succeed
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

  // The script and the style are the same for every server and show no data: no token needed.
  const asset = (body: string, contentType: string) =>
    guarded(
      { needsToken: false, needsHeader: false },
      (refusal) => jsonResponse(refusal.status, { error: refusal.message }),
      Effect.succeed(assetResponse(body, contentType))
    )

  const events = guarded(
    { needsToken: true, needsHeader: false },
    (refusal) => jsonResponse(refusal.status, { error: refusal.message }),
    Effect.map(HttpServerRequest.HttpServerRequest, (request) => Events.response(local, request))
  )

  return Rest.toApp([
    HttpRouter.route("GET", LIST_PATH, listPage),
    HttpRouter.route("GET", HOOK_PATH, hookPage),
    HttpRouter.route("GET", SCRIPT_PATH, asset(SCRIPT, "text/javascript; charset=utf-8")),
    HttpRouter.route("GET", STYLE_PATH, asset(STYLE, "text/css; charset=utf-8")),
    HttpRouter.route("GET", `${API_PREFIX}/overview`, overview),
    HttpRouter.route("GET", `${API_PREFIX}/hooks`, listHooks),
    HttpRouter.route("GET", `${API_PREFIX}/hooks/:id`, hookDetail),
    HttpRouter.route("POST", `${API_PREFIX}/hooks/:id/:action`, hookAction),
    HttpRouter.route("GET", `${API_PREFIX}/keys`, keys),
    HttpRouter.route("GET", `${API_PREFIX}/events`, events)
  ])
}
