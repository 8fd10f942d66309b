import { BaseCommand, tenantTargetArg, tenantTargetFlag, timeoutFlag, yesFlag } from '@systemprompt/command'
import type { SharedServerUser } from '@systemprompt/postgres'
import { dbSettings, dedicatedProfileOf, guardProject, machineOptions } from '../../settings.js'

export interface DbResetResult {
  target: 'shared' | { tenant: string }
  container: string
  volume: string
  port: number
  lostDatabases: string[]
  elapsedMs: number
  /** Shared server: the other projects that used it; their databases are gone too. */
  otherProjects?: SharedServerUser[]
}

export default class DbReset extends BaseCommand<typeof DbReset> {
  static override summary =
    'Delete the data of the shared PostgreSQL server (or a tenant’s) and start it fresh.'

  static override description =
    `Removes the container and its data volume, then starts an empty server with the same admin password. Every database in it is gone — in the shared server that includes other projects' tenant databases. Needs --yes, or typing the name on a terminal.`

  static override examples = [
    { description: 'Asks you to type "shared"', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'In scripts', command: '<%= config.bin %> <%= command.id %> --yes' },
    {
      description: 'A tenant’s dedicated server',
      command: '<%= config.bin %> <%= command.id %> my-project --yes',
    },
  ]

  static override args = {
    tenant: tenantTargetArg('Tenant whose dedicated server to reset (`x` or `TENANT=x`).'),
  }

  static override flags = {
    tenant: tenantTargetFlag('Tenant whose dedicated server to reset.'),
    yes: yesFlag,
    timeout: timeoutFlag('Seconds to wait until the fresh server accepts a login.'),
  }

  async run(): Promise<DbResetResult> {
    const tenant = this.tenantTarget()
    const compose = await import('@systemprompt/postgres')
    const layout = await this.project()
    await guardProject(this, layout, 'change')
    const { server, timeoutMs } = await dbSettings(layout, {
      fallbackProfile: await dedicatedProfileOf(layout, tenant),
      timeoutFlag: this.flags.timeout,
    })
    const machine = machineOptions(server)
    const { spec } = await compose.declaredTarget({
      root: layout.root,
      ...machine,
      ...(tenant ? { tenant } : {}),
    })
    // The shared server is machine-wide: the question names every other project whose data goes with it.
    const others = tenant ? [] : (await compose.sharedServerUsers({ root: layout.root, ...machine })).others
    const theirs =
      others.length > 0
        ? `, including other projects' data: ${compose.describeSharedServerUsers(others)}`
        : ''
    await this.confirm({
      message: `Delete all data of ${tenant ? `tenant ${tenant}’s PostgreSQL` : `the shared PostgreSQL server (every database in it${theirs})`} in volume ${spec.volumeName}`,
      typed: tenant ?? 'shared',
    })
    const spinner = this.spinner(`Resetting ${spec.containerName}`)
    const result = await compose.resetProjectServer({
      root: layout.root,
      ...machine,
      ...(tenant ? { tenant } : {}),
      timeoutMs,
      onProgress: (event) => {
        if (event.step !== 'ready') spinner.update(event.message)
      },
    })
    spinner.succeed(`Fresh, empty server on 127.0.0.1:${result.port}`)
    if (result.lostDatabases.length > 0) {
      this.warn(
        `${result.lostDatabases.length} tenant database(s) recorded by this project are gone: run \`systemprompt db doctor --fix\``,
      )
    }
    if (others.length > 0)
      this.warn(
        `Other projects lost their data in the shared server: ${compose.describeSharedServerUsers(others)}. Run \`systemprompt db doctor --fix\` in each of them.`,
      )
    return {
      target: tenant ? { tenant } : 'shared',
      container: result.containerName,
      volume: result.volumeName,
      port: result.port,
      lostDatabases: result.lostDatabases,
      elapsedMs: result.elapsedMs,
      ...(tenant ? {} : { otherProjects: others }),
    }
  }
}
