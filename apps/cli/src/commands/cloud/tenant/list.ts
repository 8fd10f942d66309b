import { BaseCommand } from '@systemprompt/command'
import type { ListTenantsResult } from '@systemprompt/registry'
import { formatBytes, table } from '../../../render/table.js'
import { guardProject } from '../../../settings.js'

export default class TenantList extends BaseCommand<typeof TenantList> {
  static override summary = "List this project's tenants with their live state on the server."

  static override description =
    `Each tenant's record joined with what its PostgreSQL server reports now: ok (database and role present), missing (recorded but gone: run db doctor), unknown (server not running).`

  static override examples = [
    { description: 'Table', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Machine-readable', command: '<%= config.bin %> <%= command.id %> --json' },
  ]

  async run(): Promise<ListTenantsResult> {
    const { listTenants } = await import('@systemprompt/registry')
    const layout = await this.project()
    // The copy check (a warning at most, for a list) runs while the records and the server are read; both are
    // waited for, so its warning comes before the list or the error that listing ended with.
    const [guarded, listed] = await Promise.allSettled([
      guardProject(this, layout, 'read'),
      listTenants({ root: layout.root }),
    ])
    if (guarded.status === 'rejected') throw guarded.reason
    if (listed.status === 'rejected') throw listed.reason
    const result = listed.value
    if (result.tenants.length === 0) {
      this.log('No tenants yet. Create one with: systemprompt cloud tenant create')
      return result
    }
    if (result.shared.status !== 'up' && result.shared.status !== 'absent') {
      this.warn(`Shared server is ${result.shared.status}: ${result.shared.error?.message ?? ''}`.trim())
    }
    this.logLines(
      table(
        ['TENANT', 'DATABASE', 'KIND', 'STATE', 'LIVE', 'SIZE', 'PROFILE'],
        result.tenants.map((t) => [
          t.name,
          t.database_name ?? '-',
          t.database,
          t.state,
          t.live,
          formatBytes(t.sizeBytes),
          t.profile,
        ]),
      ),
    )
    return result
  }
}
