import { Args, Flags } from '@oclif/core'
import { BaseCommand, yesFlag } from '@systemprompt/command'

export interface DbResetResult {
  target: 'shared' | { tenant: string }
  container: string
  volume: string
  port: number
  lostDatabases: string[]
  elapsedMs: number
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
    tenant: Args.string({ description: 'Tenant whose dedicated server to reset (`x` or `TENANT=x`).' }),
  }

  static override flags = {
    tenant: Flags.string({ char: 't', description: 'Tenant whose dedicated server to reset.' }),
    yes: yesFlag,
    timeout: Flags.integer({
      description: 'Seconds to wait until the fresh server accepts a login.',
      default: 60,
      min: 1,
    }),
  }

  async run(): Promise<DbResetResult> {
    const compose = await import('@systemprompt/postgres')
    const tenant = compose.tenantFromArgs(this.args.tenant, this.flags.tenant)
    const layout = await this.project()
    const { spec } = await compose.declaredTarget({ root: layout.root, ...(tenant ? { tenant } : {}) })
    await this.confirm({
      message: `Delete all data of ${tenant ? `tenant ${tenant}’s PostgreSQL` : 'the shared PostgreSQL server (every database in it)'} in volume ${spec.volumeName}`,
      typed: tenant ?? 'shared',
    })
    const spinner = this.spinner(`Resetting ${spec.containerName}`)
    const result = await compose.resetProjectServer({
      root: layout.root,
      ...(tenant ? { tenant } : {}),
      timeoutMs: this.flags.timeout * 1000,
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
    return {
      target: tenant ? { tenant } : 'shared',
      container: result.containerName,
      volume: result.volumeName,
      port: result.port,
      lostDatabases: result.lostDatabases,
      elapsedMs: result.elapsedMs,
    }
  }
}
