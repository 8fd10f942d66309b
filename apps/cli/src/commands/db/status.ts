import { BaseCommand, tenantTargetArg, tenantTargetFlag } from '@systemprompt/command'
import type { ProjectServerStatus } from '@systemprompt/postgres'
import { dbSettings, guardProject, machineOptions } from '../../settings.js'

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
    await guardProject(this, layout, 'read')
    const { server } = await dbSettings(layout)
    const status = await compose.projectServerStatus({
      root: layout.root,
      ...machineOptions(server),
      ...(tenant ? { tenant } : {}),
    })
    const rows: [string, string][] = [
      ['Container', status.containerName],
      ...(status.owner ? [['Owner', ownerText(status.owner, layout.root)] as [string, string]] : []),
      [
        'State',
        status.state +
          (status.exitCode !== undefined && status.state !== 'missing'
            ? ` (exit code ${status.exitCode})`
            : ''),
      ],
      // The engine keeps the last healthcheck result of a stopped container ("unhealthy"): only a running
      // server has a health.
      ['Health', status.state === 'running' ? (status.health ?? '-') : `n/a (${notRunning(status.state)})`],
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
    if (status.legacy)
      this.warn(
        `${status.containerName} was made before server names carried the project id: \`systemprompt db up ${tenant}\` moves it to ${status.declared.containerName} (data kept)`,
      )
    return status
  }
}

/** Why a server has no health, in the words `db down` and `db up` use. */
function notRunning(state: ProjectServerStatus['state']): string {
  if (state === 'exited' || state === 'created') return 'stopped'
  if (state === 'missing') return 'no container'
  return state
}

/** Whose a dedicated server is, as its labels say (another project's is refused before this is shown). */
function ownerText(owner: NonNullable<ProjectServerStatus['owner']>, root: string): string {
  const dir = owner.projectDir ?? 'directory unknown'
  const whose = owner.projectDir === root ? 'this project' : 'made in another directory with this project id'
  return `project ${owner.projectId} (${dir}): ${whose}`
}

function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s`
  const h = Math.floor(m / 60)
  return h < 24 ? `${h}h ${m % 60}m` : `${Math.floor(h / 24)}d ${h % 24}h`
}
