// The database side of migrations: one connection (waited for), the advisory lock (with its holder named while
// waiting), and the history table. `@systemprompt/pg` (and with it the `pg` driver) is loaded on first use.
import { ErrorCode, SystempromptError } from '@systemprompt/config/core'
import type { PgClient, PgTarget } from '@systemprompt/pg'
import type { HistoryRow } from './plan.js'

export const HISTORY_TABLE = 'systemprompt_schema_migrations'
/** The lock key: one per database, so two apps on one server do not wait for each other. */
const LOCK_KEY = `hashtextextended('${HISTORY_TABLE}:' || current_database(), 0)`

const CREATE_HISTORY = `CREATE TABLE IF NOT EXISTS ${HISTORY_TABLE} (
  version bigint PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  execution_ms integer NOT NULL,
  applied_by text NOT NULL
)`
const SELECT_HISTORY = `SELECT version::text AS version, name, checksum, applied_at, execution_ms, applied_by FROM ${HISTORY_TABLE} ORDER BY version`

/** `host:port/database`: how messages name the database (never the URL: it holds the password). */
export function describeTarget(target: PgTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host
  return `${host}:${target.port}/${target.database}`
}

export interface OpenOptions {
  /** How long to wait for a login (0: one attempt). */
  waitMs: number
  applicationName: string
  /** Where the URL came from (`DATABASE_URL`, ...), for the fix. */
  from: string
  /** Called on the first transient failure and then every `reportEveryMs`. */
  onWait?: (reason: string, elapsedMs: number) => void
  reportEveryMs?: number
}

/**
 * One connection, retried while the server is not listening or still starting up (pg's
 * isTransientLoginError), up to `waitMs`; then DATABASE_UNREACHABLE naming host:port. A refused login
 * (28P01 / 28000: DATABASE_AUTH_FAILED) or a missing database is final at once.
 */
export async function openSession(target: PgTarget, options: OpenOptions): Promise<PgClient> {
  const pg = await import('@systemprompt/pg')
  const started = Date.now()
  const deadline = started + options.waitMs
  const every = options.reportEveryMs ?? 5000
  let reported = -Infinity
  for (;;) {
    const remaining = deadline - Date.now()
    try {
      return await pg.connect(target, {
        timeoutMs: Math.min(5000, Math.max(1000, remaining)),
        applicationName: options.applicationName,
        action: `connecting to database ${JSON.stringify(target.database)} to migrate it`,
        login: 'url',
        unreachableFix: `Check that PostgreSQL runs and that the host and port in ${options.from} are right`,
      })
    } catch (error) {
      const raw = error instanceof SystempromptError && error.cause instanceof Error ? error.cause : error
      if (!(raw instanceof Error) || !(pg.isTransientLoginError(raw) || isNotResolvableYet(raw))) throw error
      const elapsed = Date.now() - started
      if (Date.now() >= deadline) throw unreachable(target, options, raw, error)
      if (elapsed - reported >= every) {
        reported = elapsed
        options.onWait?.(raw.message, elapsed)
      }
      await sleep(Math.min(250, Math.max(0, deadline - Date.now())))
    }
  }
}

/**
 * A host name that does not resolve or route yet: in compose, Swarm or any Docker network the database's name
 * exists only once its container runs, so the app may start first (SPEC 5: migrate waits for it).
 */
export function isNotResolvableYet(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code
  return code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENETUNREACH' || code === 'EHOSTUNREACH'
}

function unreachable(target: PgTarget, options: OpenOptions, raw: Error, cause: unknown): SystempromptError {
  const seconds = Math.round(options.waitMs / 100) / 10
  return new SystempromptError({
    code: ErrorCode.DATABASE_UNREACHABLE,
    category: 'database',
    message: `PostgreSQL at ${describeTarget(target)} did not accept a login${options.waitMs > 0 ? ` within ${seconds} s` : ''} (${options.waitMs > 0 ? 'last error: ' : ''}${raw.message})`,
    fix: `Check that PostgreSQL runs and that the host and port in ${options.from} are right${options.waitMs > 0 ? '; --wait S waits longer' : ''}`,
    cause,
    details: { host: target.host, port: target.port, database: target.database },
  })
}

/**
 * An error of a session query (the lock, the history table) as ours: a raw pg error (42501 no CREATE on
 * schema public, the connection lost while waiting) gets its code and fix from the pg edge.
 */
export async function sessionError(error: unknown, target: PgTarget, action: string): Promise<unknown> {
  if (error instanceof SystempromptError || !(error instanceof Error)) return error
  const { mapPgError } = await import('@systemprompt/pg')
  return mapPgError(error, {
    action,
    host: target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    login: 'url',
  })
}

/** The session holding the migration lock, as pg_stat_activity shows it. */
export interface LockHolder {
  pid: number
  applicationName: string | null
  clientAddr: string | null
  backendStart: string | null
}

export function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return 'a session that just released it'
  const parts = [`pid ${holder.pid}`]
  if (holder.applicationName) parts.push(JSON.stringify(holder.applicationName))
  parts.push(holder.clientAddr ? `from ${holder.clientAddr}` : 'over a local socket')
  if (holder.backendStart) parts.push(`connected since ${holder.backendStart}`)
  return parts.join(', ')
}

export interface LockOptions {
  timeoutMs: number
  /** Length of one blocking wait between two reports of the holder. */
  sliceMs?: number
  /** Called when the lock is held by another session (first at once, then after every slice). */
  onWait?: (holder: LockHolder | undefined, elapsedMs: number) => void
  /** Called once, before waiting: the history as it is now (to refuse early, without waiting). */
  beforeWait?: (historyExists: boolean) => Promise<void>
}

/**
 * Takes the session-level advisory lock of this database. Uncontended: one query, which also tells whether
 * the history table exists. Contended: `SET lock_timeout = slice; SELECT pg_advisory_lock(...)` until
 * `timeoutMs`, naming the holder between slices; then MIGRATION_LOCK_TIMEOUT naming it. The session's
 * lock_timeout is reset once the lock is held. Returns whether the history table existed before.
 */
export async function acquireLock(client: PgClient, options: LockOptions): Promise<boolean> {
  const first = await client.query<{ locked: boolean; history: boolean }>(
    `SELECT pg_try_advisory_lock(${LOCK_KEY}) AS locked, to_regclass('${HISTORY_TABLE}') IS NOT NULL AS history`,
  )
  const row = first.rows[0] as { locked: boolean; history: boolean }
  if (row.locked) return row.history
  const started = Date.now()
  const slice = options.sliceMs ?? 3000
  options.onWait?.(await lockHolder(client), 0)
  await options.beforeWait?.(row.history)
  for (;;) {
    const remaining = started + options.timeoutMs - Date.now()
    if (remaining <= 0) {
      const holder = await lockHolder(client)
      throw new SystempromptError({
        code: ErrorCode.MIGRATION_LOCK_TIMEOUT,
        category: 'conflict',
        message: `The migration lock was not acquired within ${Math.round(options.timeoutMs / 100) / 10} s: it is held by ${describeHolder(holder)}; nothing was applied`,
        fix: 'Wait for that migration to finish (or end that session: SELECT pg_terminate_backend(pid)), or raise --lock-timeout',
        details: { holder: holder ?? null },
      })
    }
    try {
      await client.query(
        `SET lock_timeout = ${Math.max(1, Math.round(Math.min(slice, remaining)))}; SELECT pg_advisory_lock(${LOCK_KEY})`,
      )
      await client.query('RESET lock_timeout')
      return row.history
    } catch (error) {
      if ((error as { code?: unknown }).code !== '55P03') throw error
    }
    if (started + options.timeoutMs - Date.now() > 0)
      options.onWait?.(await lockHolder(client), Date.now() - started)
  }
}

async function lockHolder(client: PgClient): Promise<LockHolder | undefined> {
  const result = await client.query<{
    pid: number
    application_name: string | null
    client_addr: string | null
    backend_start: Date | null
  }>(
    `SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND ((l.classid::bigint << 32) | l.objid::bigint) = ${LOCK_KEY}
      LIMIT 1`,
  )
  const row = result.rows[0]
  if (!row) return undefined
  return {
    pid: row.pid,
    applicationName: row.application_name || null,
    clientAddr: row.client_addr,
    backendStart: row.backend_start ? row.backend_start.toISOString() : null,
  }
}

/** Whether the history table exists (without creating it: dry runs and status). */
export async function historyExists(client: PgClient): Promise<boolean> {
  const result = await client.query<{ exists: boolean }>(
    `SELECT to_regclass('${HISTORY_TABLE}') IS NOT NULL AS exists`,
  )
  return result.rows[0]?.exists === true
}

/**
 * The history, in version order. With `create`, the table is made first if missing (only ever under the
 * lock: concurrent CREATE TABLE IF NOT EXISTS race on the catalog); one round trip either way.
 */
export async function readHistory(client: PgClient, create: boolean): Promise<HistoryRow[]> {
  const raw = await client.query(create ? `${CREATE_HISTORY}; ${SELECT_HISTORY}` : SELECT_HISTORY)
  const results = Array.isArray(raw) ? raw : [raw]
  const last = results[results.length - 1] as { rows: Record<string, unknown>[] }
  return last.rows.map((r) => ({
    version: Number(r.version),
    name: String(r.name),
    checksum: String(r.checksum),
    appliedAt: r.applied_at instanceof Date ? r.applied_at.toISOString() : String(r.applied_at),
    executionMs: Number(r.execution_ms),
    appliedBy: String(r.applied_by),
  }))
}

export async function insertHistory(
  client: PgClient,
  row: { version: number; name: string; checksum: string; executionMs: number; appliedBy: string },
): Promise<void> {
  await client.query(
    `INSERT INTO ${HISTORY_TABLE} (version, name, checksum, execution_ms, applied_by) VALUES ($1, $2, $3, $4, $5)`,
    [row.version, row.name, row.checksum, row.executionMs, row.appliedBy],
  )
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
