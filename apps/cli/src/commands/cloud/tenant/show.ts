import { Args } from '@oclif/core'
import { BaseCommand } from '@systemprompt/command'
import type { ProjectLayout } from '@systemprompt/config/core'
import type { TenantDetails } from '@systemprompt/registry'
import { formatBytes } from '../../../render/table.js'
import { guardProject } from '../../../settings.js'

export default class TenantShow extends BaseCommand<typeof TenantShow> {
  static override summary = 'Show one tenant: record, live state, profile and DATABASE_URL (masked).'

  static override examples = [
    { description: 'Show a tenant', command: '<%= config.bin %> <%= command.id %> my-project' },
    {
      description: 'Including the password',
      command: '<%= config.bin %> <%= command.id %> my-project --show-secrets',
    },
  ]

  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'Tenant name.', required: true }),
  }

  async run(): Promise<TenantDetails> {
    const { showTenant } = await import('@systemprompt/registry')
    const layout = await this.project()
    await guardProject(this, layout, 'read')
    const t = await showTenant({ root: layout.root, name: this.args.name })
    const unreadable = t.databaseUrl === undefined ? await secretsError(layout, t.profile) : undefined
    this.log(`Tenant:       ${t.name}`)
    this.log(`Kind:         ${t.database}`)
    this.log(`State:        ${t.state} (live: ${t.live})`)
    if (t.database_name) this.log(`Database:     ${t.database_name} (role ${t.role_name})`)
    if (t.port) this.log(`Port:         ${t.port}`)
    if (t.sizeBytes !== undefined) this.log(`Size:         ${formatBytes(t.sizeBytes)}`)
    this.log(`Profile:      ${t.profile} (${t.profileDir})`)
    this.log(
      `DATABASE_URL: ${t.databaseUrl ?? (unreadable ? '(secrets.json unreadable: see the error below)' : '(no secrets.json)')}`,
    )
    this.log(`Created:      ${t.created_at}`)
    // A broken secrets.json is an error, not a missing value: like git with a broken config, the command
    // fails (exit 3) and names the file and line, after printing what it could read. Under --json the error
    // envelope replaces a result whose databaseUrl would silently be absent.
    if (unreadable) throw unreadable
    return t
  }
}

/**
 * Why the profile's secrets.json gave no DATABASE_URL: its read error (syntax or schema, with file and
 * line), or undefined when the file is simply not there. The registry's showTenant reports both as absent.
 */
async function secretsError(layout: ProjectLayout, profile: string): Promise<unknown> {
  const { readProfileSecrets } = await import('@systemprompt/config')
  try {
    await readProfileSecrets(layout, profile)
    return undefined
  } catch (error) {
    return error
  }
}
