import { BaseCommand } from '@systemprompt/command'
import type { DatabaseListResult } from '@systemprompt/registry'
import { formatBytes, table } from '../../render/table.js'
import { guardProject } from '../../settings.js'

export default class DbList extends BaseCommand<typeof DbList> {
  static override summary = 'List the databases in the shared server: tenant, size, owner and drift.'

  static override description =
    `Joins the shared server's databases with this project's records. DRIFT: ok; missing (recorded, not on the server); unrecorded (this project's name suffix, no record); foreign (another project's or your own database). Repair drift with \`systemprompt db doctor --fix\`.`

  static override examples = [
    { description: 'Table', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Machine-readable', command: '<%= config.bin %> <%= command.id %> --json' },
  ]

  async run(): Promise<DatabaseListResult> {
    const { listSharedDatabases } = await import('@systemprompt/registry')
    const layout = await this.project()
    await guardProject(this, layout, 'read')
    const result = await listSharedDatabases({ root: layout.root })
    this.log(`Shared server on 127.0.0.1:${result.port}`)
    this.logLines(
      table(
        ['DATABASE', 'TENANT', 'SIZE', 'OWNER', 'DRIFT'],
        result.databases.map((d) => [
          d.database,
          d.tenant ?? '-',
          formatBytes(d.sizeBytes),
          d.owner ?? '-',
          d.state && d.state !== 'ready' ? `${d.drift} (${d.state})` : d.drift,
        ]),
      ),
    )
    if (result.drift.missing + result.drift.unrecorded > 0) {
      this.warn(
        `${result.drift.missing} recorded database(s) missing, ${result.drift.unrecorded} unrecorded: run \`systemprompt db doctor\``,
      )
    }
    return result
  }
}
