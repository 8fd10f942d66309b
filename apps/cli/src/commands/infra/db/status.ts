import { BaseCommand, type NormalizedError } from '@systemprompt/command'
import type { MigrationStatus } from '@systemprompt/runtime'
import { MIGRATION_REFUSALS, migrationsSettings } from '../../../runtime-settings.js'

export default class InfraDbStatus extends BaseCommand<typeof InfraDbStatus> {
  static override summary =
    'Applied and pending database migrations, and drift (edited or missing applied files).'

  static override description =
    `Compares <services>/database/migrations with the history table systemprompt_schema_migrations of DATABASE_URL (or DATABASE_URL_FILE, else the active profile's database). Reads only: no lock, nothing created.

Exit codes (for deploy scripts): 0 up to date; 2 migrations pending (MIGRATIONS_PENDING); 3 drift (an applied file edited or missing, a pending file below the highest applied version) or files migrate refuses (duplicate version, misnamed); 1 the database unreachable or any other error (a usage error included: 2 means pending). With --json, a non-zero status comes as the error envelope whose error.details.status holds {applied, pending, drift}.`

  static override examples = [
    { description: 'What is applied and pending', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'For a deploy script', command: '<%= config.bin %> <%= command.id %> --json' },
  ]

  protected override exitCodeOf(error: NormalizedError): number | undefined {
    if (error.code === 'MIGRATIONS_PENDING') return 2
    // Drift (an applied file gone or edited), or a state migrate refuses.
    if (error.code === 'MIGRATION_FILE_MISSING' || MIGRATION_REFUSALS.has(error.code)) return 3
    // Usage errors too: 2 means "pending" here, and a deploy script must tell them apart.
    return 1
  }

  async run(): Promise<MigrationStatus> {
    const { database, directory } = await migrationsSettings()
    const runtime = await import('@systemprompt/runtime')
    const status = await runtime.migrationStatus({
      databaseUrl: database.url,
      databaseUrlFrom: database.from,
      directory,
    })
    for (const warning of status.warnings) this.warn(warning.message)
    const lines = [`Database:   ${status.database}`, `Migrations: ${status.directory}`]
    lines.push(`Applied:    ${status.applied.length}`)
    for (const a of status.applied)
      lines.push(
        `  ${a.file ?? `${a.version}_${a.name} (file missing)`}  ${a.appliedAt}  ${a.executionMs} ms  by ${a.appliedBy}`,
      )
    lines.push(`Pending:    ${status.pending.length}`)
    for (const p of status.pending) lines.push(`  ${p.file}`)
    const { mismatched, missing, outOfOrder } = status.drift
    if (mismatched.length + missing.length + outOfOrder.length === 0) lines.push('Drift:      none')
    else {
      lines.push('Drift:')
      for (const m of mismatched) lines.push(`  ${m.file}: edited (recorded ${m.recorded}, file ${m.actual})`)
      for (const m of missing) lines.push(`  ${m.version} (${m.name}): applied, file missing`)
      for (const f of outOfOrder) lines.push(`  ${f}: pending below the highest applied version`)
    }
    this.logLines(lines)
    const problem = runtime.statusError(status)
    if (problem) throw problem
    return status
  }
}
