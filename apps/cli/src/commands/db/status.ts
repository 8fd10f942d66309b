import { BaseCommand, tenantTargetArg, tenantTargetFlag } from '@systemprompt/command'
import type { ProjectServerStatus } from '@systemprompt/postgres'
import { dbSettings, machineOptions } from '../../settings.js'

export default class DbStatus extends BaseCommand<typeof DbStatus> {
  static override summary =
    'State of the shared PostgreSQL server (or a tenant’s): health, port, image, volume, uptime, drift.'

  static override description =
    `Compares the container with its compose file: any difference (image, port, volume, config hash) is listed as drift, and \`db up\` re-creates the container to match the file (the data stays).`

  static override examples = [
    { description: 'The shared server', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'A tenant’s dedicated server, as JSON',
      command: '<%= config.bin %> <%= command.id %> my-project --json',
    },
  ]

  static override args = {
    tenant: tenantTargetArg('Tenant whose dedicated server to show (`x` or `TENANT=x`).'),
  }

  static override flags = {
    tenant: tenantTargetFlag('Tenant whose dedicated server to show.'),
  }

  async run(): Promise<ProjectServerStatus> {
    const tenant = this.tenantTarget()
    const compose = await import('@systemprompt/postgres')
    const layout = await this.project()
    const { server } = await dbSettings(layout)
    const status = await compose.projectServerStatus({
      root: layout.root,
      ...machineOptions(server),
      ...(tenant ? { tenant } : {}),
    })
    const rows: [string, string][] = [
      ['Container', status.containerName],
      [
        'State',
        status.state +
          (status.exitCode !== undefined && status.state !== 'missing'
            ? ` (exit code ${status.exitCode})`
            : ''),
      ],
      ['Health', status.health ?? '-'],
      [
        'Port',
        status.port !== undefined
          ? `127.0.0.1:${status.port}`
          : `- (declared 127.0.0.1:${status.declared.port})`,
      ],
      ['Image', status.image ?? `- (declared ${status.declared.image})`],
      ['Volume', `${status.volume.name}${status.volume.exists ? '' : ' (missing)'}`],
      ['Uptime', status.uptimeMs !== undefined ? formatDuration(status.uptimeMs) : '-'],
      ['Compose file', `${status.composeFile}${status.composeFileExists ? '' : ' (not generated yet)'}`],
    ]
    for (const [key, value] of rows) this.log(`${`${key}:`.padEnd(14)}${value}`)
    if (status.drift.length === 0) {
      if (status.state !== 'missing') this.log(`${'Drift:'.padEnd(14)}none`)
    } else {
      this.log('Drift (file -> container):')
      for (const d of status.drift) this.log(`  ${d.field}: ${d.declared} -> ${d.actual}`)
      this.warn('The container differs from its compose file: `systemprompt db up` re-creates it (data kept)')
    }
    if (status.state === 'missing')
      this.log(`Not created yet: run \`systemprompt db up${tenant ? ` ${tenant}` : ''}\`.`)
    return status
  }
}

function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s`
  const h = Math.floor(m / 60)
  return h < 24 ? `${h}h ${m % 60}m` : `${Math.floor(h / 24)}d ${h % 24}h`
}
