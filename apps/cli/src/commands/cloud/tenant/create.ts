import { Args, Flags } from '@oclif/core'
import {
  BaseCommand,
  loadPrompts,
  nameFromArgOrFlag,
  portFlag,
  timeoutFlag,
  yesFlag,
} from '@systemprompt/command'
import type { CreateTenantResult, DatabaseKind } from '@systemprompt/registry'
import { dbSettings, guardProject } from '../../../settings.js'

const KINDS = ['shared', 'dedicated', 'external'] as const

export default class TenantCreate extends BaseCommand<typeof TenantCreate> {
  static override summary = 'Create a tenant: its database, its records and its profile.'

  static override description =
    `shared (default): a login role with a random password that owns a new database in the shared PostgreSQL server (started if needed); other tenants cannot open it.
dedicated: the tenant's own PostgreSQL container (docker/<tenant>.yaml), first free port from 5433 unless --port.
external: an existing database, checked by connecting (5 s).

The profile (default: the tenant name) gets profile.yaml and secrets.json (a 64-character jwt_secret and DATABASE_URL with the tenant's own role on 127.0.0.1), and its image's docker/Dockerfile, Dockerfile.dockerignore and entrypoint.sh (see systemprompt cloud dockerfile).
On a terminal, missing values are asked for; every question has a flag. Running it again after an interruption finishes the create.`

  static override examples = [
    { description: 'Ask for everything', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'A database in the shared server',
      command: '<%= config.bin %> <%= command.id %> my-project --yes',
    },
    {
      description: 'Its own PostgreSQL on port 5440',
      command: '<%= config.bin %> <%= command.id %> --name big-one --database dedicated --port 5440 --yes',
    },
    {
      description: 'An existing database',
      command:
        '<%= config.bin %> <%= command.id %> --name prod --database external --database-url postgres://app:secret@db.example.com:5432/app --yes',
    },
  ]

  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'Tenant name (or --name).' }),
  }

  static override flags = {
    name: Flags.string({
      char: 'n',
      description:
        "Tenant name: lowercase letter first, then lowercase letters, digits or '-', at most 40 characters.",
    }),
    database: Flags.string({ char: 'd', description: 'Where the database lives.', options: [...KINDS] }),
    port: portFlag({ description: 'Host port of a dedicated server (default: first free from 5433).' }),
    'database-url': Flags.string({ description: 'postgres:// URL of an external database.' }),
    profile: Flags.string({
      char: 'p',
      description: 'Profile that receives DATABASE_URL (default: the tenant name).',
    }),
    timeout: timeoutFlag('Seconds to wait for a server to become ready.'),
    yes: yesFlag,
  }

  async run(): Promise<CreateTenantResult> {
    await guardProject(this, await this.project(), 'change')
    const answers = await this.ask()
    const { createTenant, planCreate } = await import('@systemprompt/registry')
    // The whole request is checked before the first progress line, which would echo the name.
    planCreate(answers)
    const layout = await this.project()
    const spinner = this.spinner(`Creating tenant ${answers.name}`)
    // Only a dedicated server follows the tenant's profile; the shared server is machine-wide.
    const { server, timeoutMs } = await dbSettings(layout, {
      fallbackProfile: answers.database === 'dedicated' ? (answers.profile ?? answers.name) : undefined,
      timeoutFlag: this.flags.timeout,
    })
    const result = await createTenant({
      root: layout.root,
      ...answers,
      server,
      timeoutMs,
      onProgress: (message) => spinner.update(message),
    })
    spinner.succeed(
      `Tenant ${result.tenant.name} ${result.resumed ? 'finished (resumed an interrupted create)' : 'created'}`,
    )
    // A project that got its id just now is recorded in the per-user index, so a copy made next is one.
    await guardProject(this, layout, 'read')
    const where =
      result.tenant.database === 'external'
        ? 'external database'
        : `database ${result.tenant.database_name} (${result.tenant.database}) on 127.0.0.1:${portOf(result.databaseUrl)}`
    this.log(`Tenant:       ${result.tenant.name} — ${where}`)
    this.log(`Profile:      ${layout.profileDir(result.profile)}`)
    this.log(`DATABASE_URL: ${result.databaseUrl}`)
    return result
  }

  /** Flags first; a terminal fills the gaps; without one, defaults (shared, profile = name) or an error. */
  private async ask(): Promise<{
    name: string
    database: DatabaseKind
    port?: number
    databaseUrl?: string
    profile?: string
  }> {
    const flags = this.flags
    const config: typeof import('@systemprompt/config') = await import('@systemprompt/config')
    let name = nameFromArgOrFlag(this.args.name, flags.name, {
      what: 'tenant',
      example: 'systemprompt cloud tenant create my-project',
    })
    // A bad name fails before any question or output.
    if (name !== undefined) config.assertTenantName(name)
    const blocker = flags.yes ? 'yes' : this.promptBlocker()
    let database = flags.database as DatabaseKind | undefined
    let databaseUrl = flags['database-url']
    let profile = flags.profile
    let port = flags.port
    if (blocker !== undefined) {
      if (name === undefined) {
        const why = {
          json: '--json needs it as an argument: nothing is asked under --json',
          yes: '--yes asks nothing',
          'no-terminal': 'no terminal to ask on',
        }[blocker]
        throw new config.SystempromptError({
          code: 'USAGE',
          category: 'usage',
          message: `Missing the tenant name (${why})`,
          fix: `Name it: \`systemprompt cloud tenant create my-project${blocker === 'json' ? ' --json' : ''}\` (and --database shared|dedicated|external)`,
        })
      }
      return { name, database: database ?? (databaseUrl ? 'external' : 'shared'), port, databaseUrl, profile }
    }
    const prompts = await loadPrompts()
    const { isValidTenantName, TENANT_NAME_RULE } = config
    const context = { output: process.stderr }
    name ??= await prompts.input(
      { message: 'Tenant name', validate: (v) => isValidTenantName(v) || TENANT_NAME_RULE },
      context,
    )
    database ??= await prompts.select<DatabaseKind>(
      {
        message: 'Database',
        choices: [
          { value: 'shared', name: 'shared — a database in the shared PostgreSQL server' },
          { value: 'dedicated', name: 'dedicated — its own PostgreSQL container' },
          { value: 'external', name: 'external — an existing database URL' },
        ],
      },
      context,
    )
    if (database === 'dedicated' && port === undefined) {
      const text = await prompts.input(
        {
          message: 'Port (empty: first free from 5433)',
          validate: (v) =>
            v === '' || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535) || 'a port 1-65535',
        },
        context,
      )
      port = text === '' ? undefined : Number(text)
    }
    if (database === 'external') {
      databaseUrl ??= await prompts.password({ message: 'Database URL (postgres://…)', mask: true }, context)
    }
    profile ??= await prompts.input({ message: 'Profile', default: name }, context)
    return { name, database, port, databaseUrl, profile }
  }
}

function portOf(url: string): string {
  try {
    return new URL(url).port || '5432'
  } catch {
    return '?'
  }
}
