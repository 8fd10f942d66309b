// `infra db migrate` and `infra db status` (SPEC 5): apply `<migrations>/NNNN_name.sql` in version order, one
// transaction per file holding its SQL and its history row, under a per-database advisory lock.
import { hostname } from 'node:os'
import { ErrorCode, SystempromptError } from '@systemprompt/config/core'
import type { PgClient, PgTarget } from '@systemprompt/pg'
import { type MigrationFile, readMigrationFiles } from './files.js'
import { type HistoryRow, missingFileMessages, type Plan, planMigrations, planRefusal } from './plan.js'
import {
  acquireLock,
  describeHolder,
  describeTarget,
  HISTORY_TABLE,
  historyExists,
  insertHistory,
  type LockHolder,
  openSession,
  readHistory,
  sessionError,
} from './session.js'
import { lineOfPosition, splitStatements } from './split.js'

/** A file of the migrations directory, as results list it (the SQL left out). */
interface MigrationEntry {
  version: number
  name: string
  file: string
  checksum: string
  noTransaction: boolean
}

interface AppliedNow extends MigrationEntry {
  executionMs: number
}

interface RuntimeWarning {
  code: string
  message: string
}

/** Progress, for the CLI to print as it happens. */
export type MigrateEvent =
  | { type: 'waiting-for-database'; database: string; reason: string; elapsedMs: number }
  | { type: 'waiting-for-lock'; holder: LockHolder | undefined; text: string; elapsedMs: number }
  | { type: 'applied'; migration: AppliedNow }
  | { type: 'warning'; warning: RuntimeWarning }

export interface MigrateOptions {
  /** postgres:// URL (its password is never put in a message). */
  databaseUrl: string
  /** Where the URL came from (`DATABASE_URL`, `DATABASE_URL_FILE`, `profile x`), for messages. */
  databaseUrlFrom?: string
  /** The migrations directory (`<services>/database/migrations`). */
  directory: string
  /** Wait this long for the database to accept a login (default 60 s). */
  waitMs?: number
  /** Wait this long for the migration lock (default 60 s). */
  lockTimeoutMs?: number
  /** Only plan: no lock, no table created, nothing applied. */
  dryRun?: boolean
  allowOutOfOrder?: boolean
  /** The session's application_name (what a waiting replica names); default `systemprompt migrate <host>:<pid>`. */
  applicationName?: string
  /** Recorded in `applied_by`; default `<host>:<pid>`. */
  appliedBy?: string
  onEvent?: (event: MigrateEvent) => void
  /** How often a waiting run names the lock holder (default 3 s). */
  lockReportMs?: number
}

export interface MigrateResult {
  /** `host:port/database`. */
  database: string
  directory: string
  dryRun: boolean
  /** Applied by this run, in order. */
  applied: AppliedNow[]
  /** Still to apply: with --dry-run what would be applied; else empty. */
  pending: MigrationEntry[]
  /** Migrations the history already had. */
  alreadyApplied: number
  /** Nothing was pending. */
  upToDate: boolean
  warnings: RuntimeWarning[]
}

/**
 * Applies the pending migrations. Refuses before any file's SQL runs (bad name, duplicate version, edited
 * applied file, out of order); checked again after the lock, on the history re-read under it. A failing file
 * is rolled back (MIGRATION_FAILED with file:line and SQLSTATE) and later files are not run.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const emit = options.onEvent ?? (() => {})
  const warnings: RuntimeWarning[] = []
  const warn = (warning: RuntimeWarning): void => {
    warnings.push(warning)
    emit({ type: 'warning', warning })
  }
  const target = await parseTarget(options)
  const database = describeTarget(target)
  const dryRun = options.dryRun === true
  const base = { database, directory: options.directory, dryRun }

  const { missing, files } = await readMigrationFiles(options.directory)
  if (missing) {
    warn({
      code: ErrorCode.MIGRATIONS_PATH_INVALID,
      message: `No migrations directory at ${options.directory}: nothing to apply`,
    })
    return { ...base, applied: [], pending: [], alreadyApplied: 0, upToDate: true, warnings }
  }

  const client = await openSession(target, {
    waitMs: options.waitMs ?? 60_000,
    applicationName: options.applicationName ?? `systemprompt migrate ${hostname()}:${process.pid}`,
    from: options.databaseUrlFrom ?? 'DATABASE_URL',
    onWait: (reason, elapsedMs) => emit({ type: 'waiting-for-database', database, reason, elapsedMs }),
  })
  try {
    const check = (history: HistoryRow[]): Plan => {
      const plan = planMigrations(files, history)
      const refusal = planRefusal(plan, options)
      if (refusal) throw refusal
      return plan
    }

    if (dryRun) {
      const plan = check((await historyExists(client)) ? await readHistory(client, false) : [])
      for (const w of missingFileMessages(plan)) warn(w)
      return {
        ...base,
        applied: [],
        pending: plan.pending.map(entry),
        alreadyApplied: plan.applied.length,
        upToDate: plan.pending.length === 0,
        warnings,
      }
    }

    const existed = await acquireLock(client, {
      timeoutMs: options.lockTimeoutMs ?? 60_000,
      ...(options.lockReportMs !== undefined ? { sliceMs: options.lockReportMs } : {}),
      onWait: (holder, elapsedMs) =>
        emit({
          type: 'waiting-for-lock',
          holder,
          text: `waiting for the migration lock of ${database}, held by ${describeHolder(holder)}`,
          elapsedMs,
        }),
      // While another run holds the lock: refuse now what will be refused anyway.
      beforeWait: async (exists) => {
        if (exists) check(await readHistory(client, false))
      },
    })
    // Under the lock: the history as the previous holder left it.
    const plan = check(await readHistory(client, !existed))
    for (const w of missingFileMessages(plan)) warn(w)
    const applied: AppliedNow[] = []
    const appliedBy = options.appliedBy ?? `${hostname()}:${process.pid}`
    for (const file of plan.pending) {
      const executionMs = await applyFile(client, file, appliedBy, target)
      const done = { ...entry(file), executionMs }
      applied.push(done)
      emit({ type: 'applied', migration: done })
    }
    return {
      ...base,
      applied,
      pending: [],
      alreadyApplied: plan.applied.length,
      upToDate: plan.pending.length === 0,
      warnings,
    }
  } catch (error) {
    throw await sessionError(error, target, `migrating ${database}`)
  } finally {
    // Ending the session releases the advisory lock.
    await client.end().catch(() => {})
  }
}

export interface StatusOptions {
  databaseUrl: string
  databaseUrlFrom?: string
  directory: string
  /** Wait this long for a login (default 0: one attempt). */
  waitMs?: number
}

export interface MigrationStatus {
  database: string
  directory: string
  /** `up-to-date`, `pending` (exit 2), `drift` (an edited or missing applied file, or out of order: exit 3). */
  state: 'up-to-date' | 'pending' | 'drift'
  applied: (HistoryRow & { file: string | null })[]
  pending: MigrationEntry[]
  drift: {
    /** Applied files whose sha256 changed. */
    mismatched: { version: number; file: string; recorded: string; actual: string }[]
    /** Applied migrations whose file is gone. */
    missing: HistoryRow[]
    /** Pending files below the highest applied version. */
    outOfOrder: string[]
  }
  warnings: RuntimeWarning[]
}

/** Applied, pending and drift, read without the lock and without creating anything. */
export async function migrationStatus(options: StatusOptions): Promise<MigrationStatus> {
  const target = await parseTarget(options)
  const database = describeTarget(target)
  const { missing, files } = await readMigrationFiles(options.directory)
  const warnings: RuntimeWarning[] = missing
    ? [
        {
          code: ErrorCode.MIGRATIONS_PATH_INVALID,
          message: `No migrations directory at ${options.directory}`,
        },
      ]
    : []
  const client = await openSession(target, {
    waitMs: options.waitMs ?? 0,
    applicationName: `systemprompt migrate-status ${hostname()}:${process.pid}`,
    from: options.databaseUrlFrom ?? 'DATABASE_URL',
  })
  let history: HistoryRow[]
  try {
    history = (await historyExists(client)) ? await readHistory(client, false) : []
  } catch (error) {
    throw await sessionError(error, target, `reading the migration history of ${database}`)
  } finally {
    await client.end().catch(() => {})
  }
  const plan = planMigrations(files, history)
  const names = new Map(files.map((f) => [f.version, f.file]))
  const drifted = plan.mismatched.length > 0 || plan.missing.length > 0 || plan.outOfOrder.length > 0
  return {
    database,
    directory: options.directory,
    state: drifted ? 'drift' : plan.pending.length > 0 ? 'pending' : 'up-to-date',
    applied: plan.applied.map((row) => ({ ...row, file: names.get(row.version) ?? null })),
    pending: plan.pending.map(entry),
    drift: {
      mismatched: plan.mismatched.map(({ path: _path, ...m }) => m),
      missing: plan.missing,
      outOfOrder: plan.outOfOrder.map((f) => f.file),
    },
    warnings,
  }
}

/**
 * The error a status stands for (the command throws it, with the status in `details`, after printing the
 * lists): drift MIGRATION_CHECKSUM_MISMATCH / MIGRATION_FILE_MISSING / MIGRATION_OUT_OF_ORDER, pending
 * MIGRATIONS_PENDING; undefined when up to date.
 */
export function statusError(status: MigrationStatus): SystempromptError | undefined {
  const details = { status }
  const { mismatched, missing, outOfOrder } = status.drift
  if (mismatched.length > 0)
    return new SystempromptError({
      code: ErrorCode.MIGRATION_CHECKSUM_MISMATCH,
      category: 'user',
      message: `Applied migration files were edited: ${mismatched.map((m) => `${m.file} (recorded sha256 ${m.recorded}, file now ${m.actual})`).join('; ')}`,
      fix: 'Restore the applied files as they were and put changes in new migration files',
      details,
    })
  if (missing.length > 0)
    return new SystempromptError({
      code: ErrorCode.MIGRATION_FILE_MISSING,
      category: 'user',
      message: `Applied migrations have no file in ${status.directory}: ${missing.map((m) => `${m.version} (${m.name})`).join(', ')}`,
      fix: 'Restore the files (they document the schema), or check SYSTEMPROMPT_SERVICES_PATH',
      details,
    })
  if (outOfOrder.length > 0)
    return new SystempromptError({
      code: ErrorCode.MIGRATION_OUT_OF_ORDER,
      category: 'user',
      message: `Pending migrations older than the highest applied version: ${outOfOrder.join(', ')}`,
      fix: 'Renumber them above the highest applied version, or apply them with `infra db migrate --allow-out-of-order`',
      details,
    })
  if (status.pending.length > 0)
    return new SystempromptError({
      code: ErrorCode.MIGRATIONS_PENDING,
      category: 'user',
      message: `${status.pending.length} migration${status.pending.length === 1 ? '' : 's'} pending on ${status.database}: ${status.pending.map((p) => p.file).join(', ')}`,
      fix: 'Run `systemprompt infra db migrate`',
      details,
    })
  return undefined
}

async function parseTarget(options: { databaseUrl: string; databaseUrlFrom?: string }): Promise<PgTarget> {
  const { parseDatabaseUrl } = await import('@systemprompt/pg')
  return parseDatabaseUrl(
    options.databaseUrl,
    `The database URL in ${options.databaseUrlFrom ?? 'DATABASE_URL'}`,
  )
}

function entry(file: MigrationFile): MigrationEntry {
  return {
    version: file.version,
    name: file.name,
    file: file.file,
    checksum: file.checksum,
    noTransaction: file.noTransaction,
  }
}

/** Runs one file and records it; returns its execution time. */
async function applyFile(
  client: PgClient,
  file: MigrationFile,
  appliedBy: string,
  target: PgTarget,
): Promise<number> {
  const started = performance.now()
  const record = async (): Promise<number> => {
    const executionMs = Math.round(performance.now() - started)
    await insertHistory(client, { ...file, executionMs, appliedBy })
    return executionMs
  }
  if (file.noTransaction) {
    const statements = splitStatements(file.sql)
    for (const [index, statement] of statements.entries()) {
      try {
        await client.query(statement.text)
      } catch (error) {
        throw await failed(error, file, target, {
          at: statement,
          partial: index > 0,
          statement: index + 1,
        })
      }
    }
    try {
      return await record()
    } catch (error) {
      throw await failed(error, file, target, { partial: statements.length > 0 })
    }
  }
  // The file's SQL goes as one simple query, so server positions count from its first character.
  let at: { offset: number; begin?: number } | undefined
  try {
    await client.query('BEGIN')
    at = { offset: 0 }
    await client.query(file.sql)
    at = undefined
    const executionMs = await record()
    await client.query('COMMIT')
    return executionMs
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw await failed(error, file, target, { ...(at ? { at } : {}), partial: false })
  }
}

/**
 * MIGRATION_FAILED for a server error (`file:line` from its position, the SQLSTATE); a lost connection is
 * the pg edge's error (DATABASE_UNREACHABLE: the server rolled the transaction back).
 */
async function failed(
  error: unknown,
  file: MigrationFile,
  target: PgTarget,
  how: {
    /** The text that was running: where it starts in the file, and (split files) its first real character. */
    at?: { offset: number; begin?: number }
    partial: boolean
    /** 1-based statement number of a no-transaction file. */
    statement?: number
  },
): Promise<SystempromptError> {
  const e = error as {
    code?: unknown
    position?: unknown
    message?: unknown
    detail?: unknown
    hint?: unknown
  }
  const sqlstate = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined
  if (sqlstate === undefined) {
    const { mapPgError } = await import('@systemprompt/pg')
    return mapPgError(error, {
      action: `applying ${file.file}`,
      host: target.host,
      port: target.port,
      database: target.database,
    })
  }
  const position = Number(e.position)
  const { at } = how
  const line =
    at === undefined
      ? undefined
      : Number.isInteger(position) && position > 0
        ? lineOfPosition(file.sql, at.offset, position)
        : at.begin !== undefined
          ? lineOfPosition(file.sql, at.begin, 1)
          : undefined
  const where = line === undefined ? file.file : `${file.file}:${line}`
  const extra = [
    typeof e.detail === 'string' ? ` Detail: ${e.detail}` : '',
    typeof e.hint === 'string' ? ` Hint: ${e.hint}` : '',
  ].join('')
  const outcome = how.partial
    ? `It is a no-transaction file: the statements before ${how.statement === undefined ? 'its history row' : `statement ${how.statement}`} stay applied, and it is not recorded; later migrations were not run.`
    : 'Rolled back: nothing of it was applied, and later migrations were not run.'
  return new SystempromptError({
    code: ErrorCode.MIGRATION_FAILED,
    category: 'user',
    message: `Migration ${where} failed (SQLSTATE ${sqlstate}): ${String(e.message)}.${extra} ${outcome}`,
    fix: how.partial
      ? `Fix ${file.file} so it can run again over what is already done (IF NOT EXISTS), then rerun \`systemprompt infra db migrate\``
      : `Fix the SQL in ${file.file}, then rerun \`systemprompt infra db migrate\` (it retries this file)`,
    file: file.path,
    ...(line === undefined ? {} : { line }),
    cause: error,
    details: { sqlstate, migration: file.file, version: file.version, table: HISTORY_TABLE },
  })
}
