import { Flags } from '@oclif/core'
import { BaseCommand, type NormalizedError } from '@systemprompt/command'
import type { MigrateEvent, MigrateResult } from '@systemprompt/runtime'
import { MIGRATION_REFUSALS, migrationsSettings } from '../../../runtime-settings.js'

export default class InfraDbMigrate extends BaseCommand<typeof InfraDbMigrate> {
  static override summary =
    'Apply the pending database migrations (<services>/database/migrations/NNNN_name.sql).'

  static override description =
    `Applies the NNNN_name.sql files of <services>/database/migrations (SYSTEMPROMPT_SERVICES_PATH, else the project's services/) in version order to DATABASE_URL (or DATABASE_URL_FILE, else the active profile's database). Waits for the database to accept a login (--wait), then takes a per-database advisory lock (--lock-timeout), naming the session that holds it while waiting: replicas starting at once apply each file exactly once.

Each file runs in one transaction with its row in systemprompt_schema_migrations, so a failing file leaves nothing behind; a first line "-- systemprompt:no-transaction" runs the file statement by statement instead (CREATE INDEX CONCURRENTLY). Nothing is applied when an applied file was edited, two files share a version, or a pending version is below the highest applied one (--allow-out-of-order). No migrations directory: a warning, nothing to do.

Exit codes: 0 applied or nothing to do; 3 an edited applied file, a failed file, a duplicate version, out of order, or a misnamed file; 1 the database unreachable or any other error; 2 a usage error.`

  static override examples = [
    { description: 'Apply what is pending', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Show what would be applied', command: '<%= config.bin %> <%= command.id %> --dry-run' },
    {
      description: 'In an entrypoint: wait up to 2 minutes for the database',
      command: '<%= config.bin %> <%= command.id %> --wait 120 --json',
    },
  ]

  static override flags = {
    wait: Flags.integer({
      description: 'Seconds to wait for the database to accept a login (0: try once).',
      default: 60,
      min: 0,
    }),
    'lock-timeout': Flags.integer({
      description: 'Seconds to wait for the migration lock another run holds.',
      default: 60,
      min: 1,
    }),
    'dry-run': Flags.boolean({ description: 'List what would be applied; apply nothing, lock nothing.' }),
    'allow-out-of-order': Flags.boolean({
      description: 'Apply pending files whose version is below the highest applied one.',
    }),
  }

  protected override exitCodeOf(error: NormalizedError): number | undefined {
    if (MIGRATION_REFUSALS.has(error.code)) return 3
    return error.category === 'usage' ? undefined : 1
  }

  async run(): Promise<MigrateResult> {
    const { database, directory } = await migrationsSettings()
    const { migrate } = await import('@systemprompt/runtime')
    const started = performance.now()
    const result = await migrate({
      databaseUrl: database.url,
      databaseUrlFrom: database.from,
      directory,
      waitMs: this.flags.wait * 1000,
      lockTimeoutMs: this.flags['lock-timeout'] * 1000,
      dryRun: this.flags['dry-run'],
      allowOutOfOrder: this.flags['allow-out-of-order'],
      onEvent: (event) => this.report(event),
    })
    const ms = Math.round(performance.now() - started)
    if (result.dryRun) {
      for (const p of result.pending)
        this.log(`would apply ${p.file}${p.noTransaction ? ' (no transaction)' : ''}`)
      this.log(
        result.pending.length === 0
          ? `Up to date: ${result.database} has all ${result.alreadyApplied} migrations (dry run)`
          : `${result.pending.length} pending on ${result.database} (dry run: nothing applied)`,
      )
    } else if (result.upToDate) {
      this.log(`Up to date: ${result.database} has all ${result.alreadyApplied} migrations`)
    } else {
      const n = result.applied.length
      this.log(`Applied ${n} migration${n === 1 ? '' : 's'} to ${result.database} in ${ms} ms`)
    }
    return result
  }

  private report(event: MigrateEvent): void {
    switch (event.type) {
      case 'applied':
        this.log(`applied ${event.migration.file} in ${event.migration.executionMs} ms`)
        break
      case 'waiting-for-lock':
        this.logToStderr(event.text)
        break
      case 'waiting-for-database':
        this.logToStderr(`waiting for PostgreSQL at ${event.database} to accept a login (${event.reason})`)
        break
      case 'warning':
        this.warn(event.warning.message)
        break
    }
  }
}
