import { Args, Flags } from '@oclif/core'
import { BaseCommand, timeoutFlag, yesFlag } from '@systemprompt/command'
import type { DeleteTenantResult } from '@systemprompt/registry'
import { dbSettings } from '../../../settings.js'

export default class TenantDelete extends BaseCommand<typeof TenantDelete> {
  static override summary =
    'Delete a tenant: its database and role (or its dedicated server), its profile and records.'

  static override description =
    `Ends the sessions of the tenant's database, drops it and its role, removes the profile made for it and the records. The shared PostgreSQL container and its volume are never touched. Needs --yes, or typing the tenant name on a terminal.`

  static override examples = [
    { description: 'Asks you to type the name', command: '<%= config.bin %> <%= command.id %> my-project' },
    { description: 'In scripts', command: '<%= config.bin %> <%= command.id %> my-project --yes' },
  ]

  static override args = { name: Args.string({ description: 'Tenant name.', required: true }) }

  static override flags = {
    yes: yesFlag,
    'keep-profile': Flags.boolean({ description: "Keep the tenant's profile directory." }),
    timeout: timeoutFlag('Seconds to wait for the server to become ready.'),
  }

  async run(): Promise<DeleteTenantResult> {
    // Checked before anything else: a bad name must not reach the file system or SQL.
    const config: typeof import('@systemprompt/config') = await import('@systemprompt/config')
    config.assertTenantName(this.args.name)
    const layout = await this.project()
    const { deleteTenant, tenantNotFound } = await import('@systemprompt/registry')
    const { readTenantsFile } = await import('@systemprompt/config')
    const record = (await readTenantsFile(layout))?.tenants.find((t) => t.name === this.args.name)
    if (!record) throw tenantNotFound(this.args.name)
    const what =
      record.database === 'dedicated'
        ? `its PostgreSQL container and volume`
        : record.database === 'shared'
          ? `database ${record.database_name} and role ${record.role_name}`
          : 'its records (the external database is not touched)'
    await this.confirm({ message: `Delete tenant ${record.name} and ${what}`, typed: record.name })
    const spinner = this.spinner(`Deleting tenant ${record.name}`)
    const { server, timeoutMs, warnings } = await dbSettings(layout, {
      fallbackProfile: record.database === 'dedicated' ? (record.profile ?? record.name) : undefined,
      timeoutFlag: this.flags.timeout,
      tolerateBadProfile: true,
    })
    for (const warning of warnings) this.warn(warning)
    const result = await deleteTenant({
      root: layout.root,
      name: record.name,
      keepProfile: this.flags['keep-profile'],
      server,
      timeoutMs,
      onProgress: (m) => spinner.update(m),
    })
    spinner.succeed(`Tenant ${record.name} deleted`)
    if (result.terminatedSessions > 0) this.log(`Ended ${result.terminatedSessions} open session(s).`)
    if (result.removedProfile) this.log(`Removed profile ${record.profile}.`)
    return result
  }
}
