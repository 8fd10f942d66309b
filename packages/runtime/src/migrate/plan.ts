// Files against history: what is applied, what is pending, and what refuses the whole run. Pure.
import { ErrorCode, type ErrorLocationIssue, SystempromptError } from '@systemprompt/config/core'
import type { MigrationFile } from './files.js'

/** One row of `systemprompt_schema_migrations`. */
export interface HistoryRow {
  version: number
  name: string
  checksum: string
  /** ISO 8601. */
  appliedAt: string
  executionMs: number
  appliedBy: string
}

/** An applied file whose bytes changed since. */
interface ChecksumMismatch {
  version: number
  file: string
  path: string
  recorded: string
  actual: string
}

export interface Plan {
  /** History rows, in version order. */
  applied: HistoryRow[]
  /** Files not in the history, in version order. */
  pending: MigrationFile[]
  mismatched: ChecksumMismatch[]
  /** History rows whose file is gone (a warning for migrate, drift for status). */
  missing: HistoryRow[]
  /** Pending files older than the highest applied version. */
  outOfOrder: MigrationFile[]
  highestApplied: number | undefined
}

export function planMigrations(files: readonly MigrationFile[], history: readonly HistoryRow[]): Plan {
  const byVersion = new Map(files.map((f) => [f.version, f]))
  const recorded = new Set(history.map((h) => h.version))
  const applied = [...history].sort((a, b) => a.version - b.version)
  const highestApplied = applied.length > 0 ? (applied[applied.length - 1] as HistoryRow).version : undefined
  const mismatched: ChecksumMismatch[] = []
  const missing: HistoryRow[] = []
  for (const row of applied) {
    const file = byVersion.get(row.version)
    if (!file) missing.push(row)
    else if (file.checksum !== row.checksum)
      mismatched.push({
        version: row.version,
        file: file.file,
        path: file.path,
        recorded: row.checksum,
        actual: file.checksum,
      })
  }
  const pending = files.filter((f) => !recorded.has(f.version))
  const outOfOrder = highestApplied === undefined ? [] : pending.filter((f) => f.version < highestApplied)
  return { applied, pending, mismatched, missing, outOfOrder, highestApplied }
}

/** The warning for applied migrations whose files are gone. */
export function missingFileMessages(plan: Plan): { code: string; message: string }[] {
  return plan.missing.map((row) => ({
    code: ErrorCode.MIGRATION_FILE_MISSING,
    message: `Migration ${row.version} (${row.name}) was applied on ${row.appliedAt} but its file is no longer in the migrations directory`,
  }))
}

/**
 * Why the plan may not run (checked before any file's SQL runs): an edited applied file
 * (MIGRATION_CHECKSUM_MISMATCH, both hashes named), or a pending version below the highest applied one
 * (MIGRATION_OUT_OF_ORDER, unless allowed). Undefined when it may run.
 */
export function planRefusal(
  plan: Plan,
  options: { allowOutOfOrder?: boolean },
): SystempromptError | undefined {
  if (plan.mismatched.length > 0) {
    const issues: ErrorLocationIssue[] = plan.mismatched.map((m) => ({
      code: ErrorCode.MIGRATION_CHECKSUM_MISMATCH,
      message: `${m.file} was edited after it was applied: recorded sha256 ${m.recorded}, file now ${m.actual}`,
      file: m.path,
    }))
    const first = plan.mismatched[0] as ChecksumMismatch
    return new SystempromptError({
      code: ErrorCode.MIGRATION_CHECKSUM_MISMATCH,
      category: 'user',
      message: `${issues.map((i) => i.message).join('; ')}; nothing was applied`,
      fix: 'Restore the applied file as it was (git checkout it) and put the change in a new migration file',
      file: first.path,
      issues,
      details: { mismatched: plan.mismatched },
    })
  }
  if (plan.outOfOrder.length > 0 && !options.allowOutOfOrder) {
    const names = plan.outOfOrder.map((f) => f.file)
    const first = plan.outOfOrder[0] as MigrationFile
    return new SystempromptError({
      code: ErrorCode.MIGRATION_OUT_OF_ORDER,
      category: 'user',
      message: `Pending migration${names.length === 1 ? '' : 's'} ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} older than the highest applied version ${plan.highestApplied}; nothing was applied`,
      fix: 'Renumber the file above the highest applied version, or run with --allow-out-of-order if it is independent of the later ones',
      file: first.path,
      issues: plan.outOfOrder.map((f) => ({
        code: ErrorCode.MIGRATION_OUT_OF_ORDER,
        message: `${f.file} (version ${f.version}) is pending below version ${plan.highestApplied}`,
        file: f.path,
      })),
      details: { outOfOrder: names, highestApplied: plan.highestApplied },
    })
  }
  return undefined
}
