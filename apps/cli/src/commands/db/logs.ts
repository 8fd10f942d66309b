import { Flags } from '@oclif/core'
import { BaseCommand, tenantTargetArg, tenantTargetFlag } from '@systemprompt/command'
import { dbSettings, guardProject, machineOptions } from '../../settings.js'

export interface DbLogsResult {
  target: 'shared' | { tenant: string }
  lines: string[]
}

export default class DbLogs extends BaseCommand<typeof DbLogs> {
  static override summary = 'Show the log of the shared PostgreSQL server, or a tenant’s dedicated one.'

  static override examples = [
    { description: 'The whole log', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Follow, starting with the last 50 lines',
      command: '<%= config.bin %> <%= command.id %> --follow --tail 50',
    },
    {
      description: 'A tenant’s server, as JSON lines',
      command: '<%= config.bin %> <%= command.id %> my-project --json',
    },
  ]

  static override args = {
    tenant: tenantTargetArg('Tenant whose dedicated server’s log to show (`x` or `TENANT=x`).'),
  }

  static override flags = {
    tenant: tenantTargetFlag('Tenant whose dedicated server’s log to show.'),
    follow: Flags.boolean({
      char: 'f',
      description: 'Keep printing new lines until interrupted (Ctrl-C).',
      exclusive: ['json'],
    }),
    tail: Flags.integer({ char: 'n', description: 'Only the last N lines.', min: 0 }),
    timestamps: Flags.boolean({ description: 'Prefix each line with its time.' }),
  }

  async run(): Promise<DbLogsResult | undefined> {
    const tenant = this.tenantTarget()
    const compose = await import('@systemprompt/postgres')
    const layout = await this.project()
    await guardProject(this, layout, 'read')
    const { server } = await dbSettings(layout)
    const stream = await compose.projectServerLogs({
      root: layout.root,
      ...machineOptions(server),
      ...(tenant ? { tenant } : {}),
      ...(this.flags.follow ? { follow: true } : {}),
      ...(this.flags.tail !== undefined ? { tail: this.flags.tail } : {}),
      ...(this.flags.timestamps ? { timestamps: true } : {}),
    })
    const target = tenant ? { tenant } : ('shared' as const)
    if (this.jsonEnabled()) {
      let text = ''
      for await (const chunk of stream) text += chunk.toString()
      return { target, lines: text.split('\n').filter((line) => line !== '') }
    }
    // Log lines go out as they are (PostgreSQL does not log passwords); Ctrl-C ends a follow cleanly.
    const stop = () => stream.destroy()
    process.once('SIGINT', stop)
    try {
      for await (const chunk of stream) process.stdout.write(chunk)
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error
    } finally {
      process.removeListener('SIGINT', stop)
    }
    return undefined
  }
}
