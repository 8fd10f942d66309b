import { Flags } from '@oclif/core'
import { BaseCommand, yesFlag } from '@systemprompt/command'
import type { DoctorResult } from '@systemprompt/registry'
import { dbSettings, guardProject } from '../../settings.js'

export default class DbDoctor extends BaseCommand<typeof DbDoctor> {
  static override summary = "Check (and with --fix repair) this project's tenants against the servers."

  static override description =
    `Finds interrupted creates (pending records: undone by --fix) and deletes (finished by --fix only with --yes or a typed confirmation: that drops data), shared and dedicated tenants whose server is stopped (started by --fix), whose role or database is gone or whose login is refused (re-created by --fix with the password in the profile's DATABASE_URL), profiles whose DATABASE_URL points at another port than the server's (the port rewritten by --fix), postgres and template1 open to tenant roles (closed by --fix), roles and databases with this project's suffix but no record, secret files readable by others (chmod 600), leftover temp files, lock files of killed runs (removed by --fix; never a lock whose holder runs), and an admin password the server volume does not accept (explained; never changed). Exit code 3 when errors remain.`

  static override examples = [
    { description: 'Report', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Repair', command: '<%= config.bin %> <%= command.id %> --fix' },
    {
      description: 'Repair, and finish interrupted deletes without asking',
      command: '<%= config.bin %> <%= command.id %> --fix --yes',
    },
  ]

  static override flags = {
    fix: Flags.boolean({ description: 'Repair what can be repaired safely.' }),
    'drop-orphans': Flags.boolean({
      description:
        "With --fix: also drop databases that carry this project's suffix but have no record (their data is lost).",
      dependsOn: ['fix'],
    }),
    yes: yesFlag,
  }

  async run(): Promise<DoctorResult> {
    const { doctor } = await import('@systemprompt/registry')
    const layout = await this.project()
    await guardProject(this, layout, this.flags.fix ? 'change' : 'read')
    const { server } = await dbSettings(layout)
    const result = await doctor({
      root: layout.root,
      server,
      fix: this.flags.fix,
      dropOrphans: this.flags['drop-orphans'],
      confirmFinishDelete: (tenant) => this.confirmFinishDelete(tenant),
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

  /**
   * Finishing an interrupted delete drops what is left of the tenant's data: --yes, or the tenant's name typed
   * on a terminal. Without either the issue is reported with its fix, and the other repairs go on.
   */
  private async confirmFinishDelete(tenant: string): Promise<boolean> {
    if (this.flags.yes) return true
    if (!this.interactive()) return false
    try {
      await this.confirm({
        message: `Finish the interrupted delete of tenant ${tenant} (what is left of its database is dropped)`,
        typed: tenant,
      })
      return true
    } catch (error) {
      if ((error as { code?: string }).code === 'CONFIRMATION_DECLINED') return false
      throw error
    }
  }
}
