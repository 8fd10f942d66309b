import { Args } from '@oclif/core'
import { BaseCommand } from '@systemprompt/command'
import type { TenantDetails } from '@systemprompt/registry'
import { formatBytes } from '../../../render/table.js'

export default class TenantShow extends BaseCommand<typeof TenantShow> {
  static override summary = 'Show one tenant: record, live state, profile and DATABASE_URL (masked).'

  static override examples = [
    { description: 'Show a tenant', command: '<%= config.bin %> <%= command.id %> my-project' },
    {
      description: 'Including the password',
      command: '<%= config.bin %> <%= command.id %> my-project --show-secrets',
    },
  ]

  static override args = { name: Args.string({ description: 'Tenant name.', required: true }) }

  async run(): Promise<TenantDetails> {
    const { showTenant } = await import('@systemprompt/registry')
    const layout = await this.project()
    const t = await showTenant({ root: layout.root, name: this.args.name })
    this.log(`Tenant:       ${t.name}`)
    this.log(`Kind:         ${t.database}`)
    this.log(`State:        ${t.state} (live: ${t.live})`)
    if (t.database_name) this.log(`Database:     ${t.database_name} (role ${t.role_name})`)
    if (t.port) this.log(`Port:         ${t.port}`)
    if (t.sizeBytes !== undefined) this.log(`Size:         ${formatBytes(t.sizeBytes)}`)
    this.log(`Profile:      ${t.profile} (${t.profileDir})`)
    this.log(`DATABASE_URL: ${t.databaseUrl ?? '(no secrets.json)'}`)
    this.log(`Created:      ${t.created_at}`)
    return t
  }
}
