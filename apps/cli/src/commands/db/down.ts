import { Flags } from '@oclif/core'
import { BaseCommand, tenantTargetArg, tenantTargetFlag, yesFlag } from '@systemprompt/command'
import type { SharedServerUser } from '@systemprompt/postgres'
import { dbSettings, guardProject, machineOptions } from '../../settings.js'

export interface DbDownResult {
  target: 'shared' | { tenant: string }
  container: string
  action: 'stopped' | 'already-stopped' | 'missing'
  containerRemoved: boolean
  /** Shared server: the other projects that use it (they lost their database too). */
  otherProjects?: SharedServerUser[]
}

export default class DbDown extends BaseCommand<typeof DbDown> {
  static override summary =
    'Stop the shared PostgreSQL server, or a tenant’s dedicated one. The data is kept.'

  static override description =
    `Stops the container; the volume keeps the data and the next \`db up\` starts it again in well under a second. --remove also removes the stopped container (like \`docker compose down\`); the volume is kept either way. Use \`db reset\` to delete the data.

The shared server is machine-wide: when other projects use it, they are named and --yes (or a confirmation) is needed.`

  static override examples = [
    { description: 'Stop the shared server', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Stop a tenant’s dedicated server',
      command: '<%= config.bin %> <%= command.id %> TENANT=my-project',
    },
    { description: 'Also remove the container', command: '<%= config.bin %> <%= command.id %> --remove' },
  ]

  static override args = {
    tenant: tenantTargetArg('Tenant whose dedicated server to stop (`x` or `TENANT=x`).'),
  }

  static override flags = {
    tenant: tenantTargetFlag('Tenant whose dedicated server to stop.'),
    remove: Flags.boolean({ description: 'Remove the stopped container too (the data volume stays).' }),
    // Confirms stopping a shared server that other projects use.
    yes: yesFlag,
  }

  async run(): Promise<DbDownResult> {
    const tenant = this.tenantTarget()
    const compose = await import('@systemprompt/postgres')
    const layout = await this.project()
    await guardProject(this, layout, 'change')
    const { server } = await dbSettings(layout)
    // The shared server is machine-wide: stopping it stops every project that uses it.
    const users = tenant
      ? undefined
      : await compose.sharedServerUsers({ root: layout.root, ...machineOptions(server) })
    const others = users?.others ?? []
    // --remove asks even when it is stopped: without its container, the others' next `db up` must re-create it.
    if (others.length > 0 && (users?.running || this.flags.remove))
      await this.confirm({
        message: `${users?.running ? 'Stop' : 'Remove'} the shared server${this.flags.remove && users?.running ? ' and its container' : ''} for every project that uses it (${compose.describeSharedServerUsers(others)})`,
      })
    const spinner = this.spinner(
      tenant ? `Stopping PostgreSQL of tenant ${tenant}` : 'Stopping the shared PostgreSQL',
    )
    const result = await compose.stopServer({
      root: layout.root,
      ...machineOptions(server),
      ...(tenant ? { tenant } : {}),
      ...(this.flags.remove ? { removeContainer: true } : {}),
      onProgress: (event) => spinner.update(event.message),
    })
    const text = {
      stopped: `Stopped ${result.containerName}; data kept`,
      'already-stopped': `${result.containerName} was not running; data kept`,
      missing: `No container ${result.containerName}: nothing to stop`,
    }[result.action]
    spinner.succeed(result.containerRemoved ? `${text}; container removed` : text)
    return {
      target: tenant ? { tenant } : 'shared',
      container: result.containerName,
      action: result.action,
      containerRemoved: result.containerRemoved,
      ...(tenant ? {} : { otherProjects: others }),
    }
  }
}
