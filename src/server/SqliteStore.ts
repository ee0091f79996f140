/**
 * The SQLite store: hooks, attempts, quota usage and the callback-token
 * secret in one file, so pending hooks survive a restart and a `kill -9`
 * (every change is committed before the server acts on it; WAL journal,
 * `synchronous = NORMAL`).
 *
 * `@effect/sql-sqlite-node` (which runs on Node's built-in `node:sqlite`,
 * Node 22.5 or later) is an optional peer dependency: it is imported with a
 * dynamic `import()` when this Layer is built, never when the server module
 * is loaded, so apps that only use the memory store need not install it.
 *
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
// Types only: the module itself is imported on demand (see `importSqliteClient`).
import type * as SqliteClientModule from "@effect/sql-sqlite-node/SqliteClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as SqlClient from "effect/sql/SqlClient"
import type * as Statement from "effect/sql/Statement"
import * as Hook from "../Hook.js"
import { AttemptRecord, InFlight } from "./HookRecord.js"
import type { HookRecord } from "./HookRecord.js"
import type { HookFilter, HookQuery } from "./Store.js"
import * as Store from "./Store.js"

const SCHEMA_STATEMENTS: ReadonlyArray<string> = [
  `CREATE TABLE IF NOT EXISTS hooks (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    data TEXT NOT NULL,
    post_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    cycle_start INTEGER NOT NULL,
    next_attempt_at INTEGER,
    in_flight TEXT,
    failure_error TEXT,
    retry_override TEXT,
    post_duration_seconds REAL NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  )`,
  "CREATE INDEX IF NOT EXISTS hooks_status_post_at ON hooks (status, post_at)",
  "CREATE INDEX IF NOT EXISTS hooks_post_at ON hooks (post_at)",
  "CREATE INDEX IF NOT EXISTS hooks_created_at ON hooks (created_at)",
  `CREATE TABLE IF NOT EXISTS attempts (
    hook_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (hook_id, attempt)
  )`,
  "CREATE INDEX IF NOT EXISTS attempts_started_at ON attempts (started_at)",
  "CREATE TABLE IF NOT EXISTS quota_usage (period TEXT PRIMARY KEY, count INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
]

const HookRow = Schema.Struct({
  id: Schema.String,
  path: Schema.String,
  data: Schema.String,
  post_at: Schema.Number,
  status: Hook.HookStatus,
  attempts: Schema.Number,
  cycle_start: Schema.Number,
  next_attempt_at: Schema.NullOr(Schema.Number),
  in_flight: Schema.NullOr(Schema.fromJsonString(InFlight)),
  failure_error: Schema.NullOr(Schema.String),
  retry_override: Schema.NullOr(Schema.fromJsonString(Hook.RetryOverride)),
  post_duration_seconds: Schema.Number,
  created_at: Schema.Number,
  updated_at: Schema.Number
})

type HookRow = typeof HookRow.Type

const recordFromRow = (row: HookRow): HookRecord => ({
  id: row.id,
  path: row.path,
  data: row.data,
  postAt: row.post_at,
  status: row.status,
  attempts: row.attempts,
  cycleStart: row.cycle_start,
  nextAttemptAt: row.next_attempt_at,
  inFlight: row.in_flight,
  failureError: row.failure_error,
  retryOverride: row.retry_override,
  postDurationSeconds: row.post_duration_seconds,
  createdAt: row.created_at,
  updatedAt: row.updated_at
})

const rowFromRecord = (hook: HookRecord): HookRow => ({
  id: hook.id,
  path: hook.path,
  data: hook.data,
  post_at: hook.postAt,
  status: hook.status,
  attempts: hook.attempts,
  cycle_start: hook.cycleStart,
  next_attempt_at: hook.nextAttemptAt,
  in_flight: hook.inFlight,
  failure_error: hook.failureError,
  retry_override: hook.retryOverride,
  post_duration_seconds: hook.postDurationSeconds,
  created_at: hook.createdAt,
  updated_at: hook.updatedAt
})

// Excess columns are ignored (the default of Schema 4 decoding), so a newer file still opens.
const decodeHookRowEffect = Schema.decodeUnknownEffect(HookRow)
const encodeHookRowEffect = Schema.encodeEffect(HookRow)
const decodeHookRow = (row: unknown) => Effect.map(decodeHookRowEffect(row), recordFromRow)
const encodeHookRow = (hook: HookRecord) => encodeHookRowEffect(rowFromRecord(hook))
const AttemptJson = Schema.fromJsonString(AttemptRecord)
const decodeAttempt = Schema.decodeUnknownEffect(AttemptJson)
const encodeAttempt = Schema.encodeEffect(AttemptJson)
const AttemptRows = Schema.Array(Schema.Struct({ record: Schema.String }))
const CountRows = Schema.Array(Schema.Struct({ count: Schema.Number }))
const ValueRows = Schema.Array(Schema.Struct({ value: Schema.String }))
const decodeAttemptRows = Schema.decodeUnknownEffect(AttemptRows)
const decodeCountRows = Schema.decodeUnknownEffect(CountRows)
const decodeValueRows = Schema.decodeUnknownEffect(ValueRows)

const storeError = (operation: string) => (cause: unknown) =>
  new Store.StoreError({
    operation,
    message: Schema.isSchemaError(cause)
      ? `unreadable row: ${cause.message}`
      : cause instanceof Error
      ? cause.message
      : String(cause),
    cause
  })

/**
 * Builds the store on an open `SqlClient` (creating the tables if needed).
 * Use {@link layer} unless you manage the SQL client yourself.
 *
 * @example
 * ```ts
 * import { SqliteClient } from "@effect/sql-sqlite-node"
 * import { Effect } from "effect"
 * import { SqliteStore } from "posthook-effect/server"
 *
 * const program = Effect.gen(function* () {
 *   const sql = yield* SqliteClient.SqliteClient
 *   const store = yield* SqliteStore.fromClient(sql, "dev.db")
 *   return yield* store.countHooks({ statuses: ["pending"] })
 * }).pipe(Effect.provide(SqliteClient.layer({ filename: "dev.db" })))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromClient = (
  sql: SqlClient.SqlClient,
  description: string
): Effect.Effect<Store.Service, Store.StoreError> =>
  Effect.gen(function*() {
    yield* sql`PRAGMA synchronous = NORMAL`.raw
    for (const statement of SCHEMA_STATEMENTS) yield* sql.unsafe(statement).raw

    const where = (filter: HookFilter): Statement.Fragment => {
      const clauses: Array<Statement.Fragment> = [sql.literal("1=1")]
      if (filter.ids !== undefined) {
        clauses.push(filter.ids.length === 0 ? sql.literal("0=1") : sql.in("id", filter.ids))
      }
      if (filter.statuses !== undefined) {
        clauses.push(filter.statuses.length === 0 ? sql.literal("0=1") : sql.in("status", filter.statuses))
      }
      if (filter.path !== undefined) clauses.push(sql`path = ${filter.path}`)
      if (filter.postAtFrom !== undefined) clauses.push(sql`post_at >= ${filter.postAtFrom}`)
      if (filter.postAtAfter !== undefined) clauses.push(sql`post_at > ${filter.postAtAfter}`)
      if (filter.postAtBefore !== undefined) clauses.push(sql`post_at < ${filter.postAtBefore}`)
      if (filter.createdAtAfter !== undefined) clauses.push(sql`created_at > ${filter.createdAtAfter}`)
      if (filter.createdAtBefore !== undefined) clauses.push(sql`created_at < ${filter.createdAtBefore}`)
      if (filter.idContains !== undefined) clauses.push(sql`instr(id, ${filter.idContains}) > 0`)
      return sql.and(clauses)
    }

    const orderBy = (query: HookQuery): Statement.Fragment => {
      const column = query.sortBy === "postAt" ? "post_at" : "created_at"
      const direction = query.sortOrder === "ASC" ? "ASC" : "DESC"
      return sql.literal(`${column} ${direction}, id ${direction}`)
    }

    const decodeHooks = (rows: ReadonlyArray<unknown>) => Effect.forEach(rows, (row) => decodeHookRow(row))

    const upsertHook = (operation: string) => (hook: HookRecord) =>
      Effect.flatMap(encodeHookRow(hook), (row) => sql`INSERT OR REPLACE INTO hooks ${sql.insert(row)}`).pipe(
        Effect.asVoid,
        Effect.mapError(storeError(operation))
      )

    const service: Store.Service = {
      description,
      insertHook: upsertHook("insertHook"),
      updateHook: upsertHook("updateHook"),
      getHook: (id) =>
        sql`SELECT * FROM hooks WHERE id = ${id}`.pipe(
          Effect.flatMap(decodeHooks),
          Effect.map((hooks) => Option.fromNullishOr(hooks[0])),
          Effect.mapError(storeError("getHook"))
        ),
      deleteHook: (id) =>
        sql.withTransaction(Effect.gen(function*() {
          const existing = yield* sql`SELECT id FROM hooks WHERE id = ${id}`
          yield* sql`DELETE FROM attempts WHERE hook_id = ${id}`
          yield* sql`DELETE FROM hooks WHERE id = ${id}`
          return existing.length > 0
        })).pipe(Effect.mapError(storeError("deleteHook"))),
      listHooks: (query) =>
        sql`SELECT * FROM hooks WHERE ${where(query)} ORDER BY ${orderBy(query)} LIMIT ${query.limit} OFFSET ${query.offset}`
          .pipe(Effect.flatMap(decodeHooks), Effect.mapError(storeError("listHooks"))),
      countHooks: (filter) =>
        sql`SELECT COUNT(*) AS count FROM hooks WHERE ${where(filter)}`.pipe(
          Effect.flatMap(decodeCountRows),
          Effect.map((rows) => rows[0]?.count ?? 0),
          Effect.mapError(storeError("countHooks"))
        ),
      activeHooks: sql`SELECT * FROM hooks WHERE status IN ('pending', 'retry')`.pipe(
        Effect.flatMap(decodeHooks),
        Effect.mapError(storeError("activeHooks"))
      ),
      putAttempt: (attempt) =>
        Effect.flatMap(
          encodeAttempt(attempt),
          (record) =>
            sql`INSERT OR REPLACE INTO attempts ${
              sql.insert({ hook_id: attempt.hookId, attempt: attempt.attempt, started_at: attempt.startedAt, record })
            }`
        ).pipe(Effect.asVoid, Effect.mapError(storeError("putAttempt"))),
      getAttempt: (hookId, attempt) =>
        sql`SELECT record FROM attempts WHERE hook_id = ${hookId} AND attempt = ${attempt}`.pipe(
          Effect.flatMap(decodeAttemptRows),
          Effect.flatMap((rows) =>
            rows[0] === undefined ? Effect.succeedNone : Effect.asSome(decodeAttempt(rows[0].record))
          ),
          Effect.mapError(storeError("getAttempt"))
        ),
      listAttempts: ({ hookId, limit }) =>
        (hookId !== undefined
          ? sql`SELECT record FROM attempts WHERE hook_id = ${hookId} ORDER BY attempt ASC`
          : sql`SELECT record FROM attempts ORDER BY started_at DESC LIMIT ${limit ?? -1}`).pipe(
            Effect.flatMap(decodeAttemptRows),
            Effect.flatMap((rows) => Effect.forEach(rows, (row) => decodeAttempt(row.record))),
            Effect.map((records) => hookId !== undefined && limit !== undefined ? records.slice(-limit) : records),
            Effect.mapError(storeError("listAttempts"))
          ),
      addUsage: (period) =>
        sql.withTransaction(Effect.gen(function*() {
          yield* sql`INSERT INTO quota_usage (period, count) VALUES (${period}, 1)
            ON CONFLICT (period) DO UPDATE SET count = count + 1`
          const rows = yield* sql`SELECT count FROM quota_usage WHERE period = ${period}`
          const decoded = yield* decodeCountRows(rows)
          return decoded[0]?.count ?? 0
        })).pipe(Effect.mapError(storeError("addUsage"))),
      usage: (period) =>
        sql`SELECT count FROM quota_usage WHERE period = ${period}`.pipe(
          Effect.flatMap(decodeCountRows),
          Effect.map((rows) => rows[0]?.count ?? 0),
          Effect.mapError(storeError("usage"))
        ),
      setting: (key, initial) =>
        sql.withTransaction(Effect.gen(function*() {
          const rows = yield* decodeValueRows(yield* sql`SELECT value FROM settings WHERE key = ${key}`)
          const existing = rows[0]
          if (existing !== undefined) return existing.value
          const value = initial()
          yield* sql`INSERT INTO settings (key, value) VALUES (${key}, ${value})`
          return value
        })).pipe(Effect.mapError(storeError("setting")))
    }
    return service
  }).pipe(Effect.mapError(storeError("open")))

const SQLITE_WARNING = "SQLite is an experimental feature"

const isSqliteExperimentalWarning = (warning: string | Error, rest: ReadonlyArray<unknown>): boolean => {
  const message = typeof warning === "string" ? warning : warning.message
  const type = typeof warning === "string"
    ? (typeof rest[0] === "string" ? rest[0] : undefined)
    : warning.name
  return type === "ExperimentalWarning" && message.startsWith(SQLITE_WARNING)
}

/**
 * Runs `load` with Node's "SQLite is an experimental feature" warning dropped.
 *
 * Node 22 prints that `ExperimentalWarning` on stderr the first time
 * `node:sqlite` is loaded, which happens inside the dynamic import of the
 * SQLite client. It is noise in the CLI's output and in test logs, and the
 * user can do nothing about it, so only while that import runs,
 * `process.emitWarning` is wrapped to swallow exactly that warning (matched
 * by type and text); every other warning goes through untouched. Node emits
 * it once per process, and {@link importSqliteClient} imports once, so this
 * wraps `process.emitWarning` once. The original function is put back when
 * the import settles, unless someone else replaced it meanwhile.
 */
const withoutSqliteWarning = <A>(load: () => Promise<A>): Promise<A> => {
  const original = process.emitWarning
  const filtered = (warning: string | Error, ...rest: Array<unknown>): void => {
    if (isSqliteExperimentalWarning(warning, rest)) return
    Reflect.apply(original, process, [warning, ...rest])
  }
  process.emitWarning = filtered
  return load().finally(() => {
    if (process.emitWarning === filtered) process.emitWarning = original
  })
}

/** What to do when the SQLite client cannot be loaded: an older Node lacks `node:sqlite`, else the package is missing. */
const loadFailureMessage = (cause: unknown): string =>
  cause instanceof Error && cause.message.includes("node:sqlite")
    ? `the SQLite store needs Node 22.5 or later (for node:sqlite); this is Node ${process.version}`
    : "the SQLite store needs the optional package @effect/sql-sqlite-node: npm i @effect/sql-sqlite-node"

let sqliteClient: Promise<typeof SqliteClientModule> | undefined

/**
 * The SQLite client module, imported once per process: stores opened at the
 * same time share one import (and one wrap of `process.emitWarning`, which
 * overlapping wraps could not all undo). A failed import is tried again.
 */
const importSqliteClient = () =>
  sqliteClient ??= withoutSqliteWarning(() => import("@effect/sql-sqlite-node/SqliteClient")).catch(
    (cause: unknown) => {
      sqliteClient = undefined
      throw cause
    }
  )

const loadSqliteClient = Effect.tryPromise({
  try: importSqliteClient,
  catch: (cause) => new Store.StoreError({ operation: "open", message: loadFailureMessage(cause), cause })
})

/**
 * Opens (or creates, with its directory) the SQLite file and builds the store. Loads
 * `@effect/sql-sqlite-node` on demand; fails with a `StoreError` saying what
 * to install when it is missing.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SqliteStore } from "posthook-effect/server"
 *
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const store = yield* SqliteStore.make(".posthook/dev.db")
 *   return yield* store.countHooks({})
 * }))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (filename: string): Effect.Effect<Store.Service, Store.StoreError, Scope.Scope> =>
  Effect.gen(function*() {
    const module = yield* loadSqliteClient
    if (filename !== ":memory:" && filename !== "") {
      // A fresh checkout has no `.posthook/` yet: create the file's directory, like the file itself.
      yield* Effect.try({
        try: () => Fs.mkdirSync(Path.dirname(filename), { recursive: true }),
        catch: storeError("open")
      })
    }
    const context = yield* Layer.build(module.layer({ filename })).pipe(
      Effect.mapError(storeError("open")),
      Effect.catchDefect((defect) => Effect.fail(storeError("open")(defect)))
    )
    return yield* fromClient(Context.get(context, module.SqliteClient), filename)
  })

/**
 * The SQLite store as a Layer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SqliteStore, Store } from "posthook-effect/server"
 *
 * const pending = Effect.flatMap(Store.Store, (store) => store.countHooks({ statuses: ["pending"] })).pipe(
 *   Effect.provide(SqliteStore.layer(".posthook/dev.db"))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (filename: string): Layer.Layer<Store.Store, Store.StoreError> =>
  Layer.effect(Store.Store, make(filename))
