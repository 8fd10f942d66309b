import { Flags } from '@oclif/core'
import { BaseCommand } from '@systemprompt/command'
import type { DoctorResult } from '@systemprompt/registry'
import { dbSettings } from '../../settings.js'

export default class DbDoctor extends BaseCommand<typeof DbDoctor> {
  static override summary = "Check (and with --fix repair) this project's tenants against the servers."

  static override description =
    `Finds interrupted creates (pending records: undone by --fix) and deletes (finished by --fix), tenants whose database or password drifted (re-created / re-keyed by --fix), roles and databases with this project's suffix but no record, secret files readable by others (chmod 600), leftover temp files, and an admin password the server volume does not accept (explained; never changed). Exit code 3 when errors remain.`

  static override examples = [
    { description: 'Report', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Repair', command: '<%= config.bin %> <%= command.id %> --fix' },
  ]

  static override flags = {
    fix: Flags.boolean({ description: 'Repair what can be repaired safely.' }),
    'drop-orphans': Flags.boolean({
      description:
        "With --fix: also drop databases that carry this project's suffix but have no record (their data is lost).",
      dependsOn: ['fix'],
    }),
  }

  async run(): Promise<DoctorResult> {
    const { doctor } = await import('@systemprompt/registry')
    const layout = await this.project()
    const { server } = await dbSettings(layout)
    const result = await doctor({
      root: layout.root,
      server,
      fix: this.flags.fix,
      dropOrphans: this.flags['drop-orphans'],
    })
    if (result.issues.length === 0) this.log('No problems found.')
    for (const issue of result.issues) {
      const mark = issue.fixed ? 'fixed' : issue.severity
      this.log(`[${mark}] ${issue.code}: ${issue.message}`)
      if (issue.fixed) this.log(`        ${issue.fixed}`)
      else this.log(`        Fix: ${issue.fix}`)
    }
    if (result.remaining > 0) {
      const { SystempromptError } = await import('@systemprompt/config')
      throw new SystempromptError({
        code: 'DOCTOR_FOUND_PROBLEMS',
        category: 'user',
        message: `${result.remaining} problem(s) remain`,
        fix: this.flags.fix ? 'Follow the fix of each problem above' : 'Run `systemprompt db doctor --fix`',
        details: { issues: result.issues },
      })
    }
    return result
  }
}
