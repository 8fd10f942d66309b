import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { BaseCommand, tenantTargetArg, tenantTargetFlag } from '@systemprompt/command'
import type { ProjectLayout } from '@systemprompt/config/core'
import type { ExecSession } from '@systemprompt/engine'
import { dbSettings, guardProject, machineOptions, userProgramEnvironment } from '../../settings.js'
import { tenantUrl } from './url.js'

type Found = Awaited<ReturnType<typeof tenantUrl>>

/** libpq's environment variable for each URL query parameter we pass on (psql reads them like the URL's). */
const PARAM_VARIABLES: Readonly<Record<string, string>> = {
  sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  sslcrl: 'PGSSLCRL',
  sslnegotiation: 'PGSSLNEGOTIATION',
  channel_binding: 'PGCHANNELBINDING',
  gssencmode: 'PGGSSENCMODE',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  application_name: 'PGAPPNAME',
  options: 'PGOPTIONS',
  target_session_attrs: 'PGTARGETSESSIONATTRS',
}

/** PG* variables of the user's shell that are session preferences, not where or as whom to connect. */
const KEPT_PG_VARIABLES = new Set(['PGCLIENTENCODING', 'PGDATESTYLE', 'PGTZ', 'PGGEQO'])

export default class DbPsql extends BaseCommand<typeof DbPsql> {
  static override summary = "Open psql as the tenant's role on its database."

  static override description =
    `Connects with the DATABASE_URL of the tenant's profile (without a tenant: the active profile's). The connection reaches psql through its environment (PGHOST, PGUSER, PGPASSWORD, ...), never its command line. psql on PATH is used when there is one; otherwise psql runs inside the tenant's PostgreSQL container (the shared one, or the tenant's dedicated one), with a terminal when stdin is one. Words after \`--\` go to psql; the exit code is psql's.`

  static override examples = [
    { description: 'An interactive session', command: '<%= config.bin %> <%= command.id %> my-project' },
    {
      description: 'One query, for scripts',
      command: `<%= config.bin %> <%= command.id %> my-project -- -c 'select 1'`,
    },
    { description: 'Run a file', command: '<%= config.bin %> <%= command.id %> my-project < schema.sql' },
  ]

  static override args = {
    tenant: tenantTargetArg(
      'Tenant (`x` or `TENANT=x`); default: the active profile (SYSTEMPROMPT_PROFILE).',
    ),
  }

  static override flags = {
    tenant: tenantTargetFlag('Tenant whose database to open.'),
  }

  // psql's output is the output: there is no result to wrap in a --json envelope.
  static override enableJsonFlag = false

  /** What follows `--`: psql's own arguments, never parsed as ours. */
  private psqlArgs: string[] = []

  protected override async init(): Promise<void> {
    const cut = this.argv.indexOf('--')
    if (cut !== -1) {
      this.psqlArgs = this.argv.slice(cut + 1)
      this.argv = this.argv.slice(0, cut)
    }
    await super.init()
  }

  async run(): Promise<void> {
    const tenant = this.tenantTarget()
    const layout = await this.project()
    await guardProject(this, layout, 'read')
    const found = await tenantUrl(layout, tenant)
    const { parseDatabaseUrl } = await import('@systemprompt/pg')
    const target = parseDatabaseUrl(found.url)
    const connection: Record<string, string> = {
      PGHOST: target.host,
      PGPORT: String(target.port),
      PGUSER: target.user,
      PGPASSWORD: target.password,
      PGDATABASE: target.database,
    }
    for (const [key, value] of new URL(found.url).searchParams) {
      const variable = PARAM_VARIABLES[key]
      if (variable) connection[variable] = value
      else
        this.warn(
          `Ignored the URL parameter ${JSON.stringify(key)}: psql gets no environment variable for it`,
        )
    }
    const userEnv = await userProgramEnvironment()
    const local = await runLocalPsql(this.psqlArgs, { ...shellEnv(userEnv), ...connection })
    if (local !== 'not-installed') {
      process.exitCode = local
      return
    }
    process.exitCode = await this.psqlInContainer(layout, found, connection, userEnv.TERM)
  }

  /** psql inside the server's own container, which always has it: the role's password in the exec's env. */
  private async psqlInContainer(
    layout: ProjectLayout,
    found: Found,
    connection: Record<string, string>,
    term: string | undefined,
  ): Promise<number> {
    const config = await import('@systemprompt/config')
    const record = found.record
    if (!record || record.database === 'external') {
      throw new config.SystempromptError({
        code: 'PSQL_UNAVAILABLE',
        category: 'user',
        message: `psql is not installed, and ${record ? `tenant ${record.name}'s database is external` : `profile ${found.profile} belongs to no tenant of this project`}: there is no local PostgreSQL container to run it in`,
        fix: 'Install the PostgreSQL client (e.g. `apt-get install postgresql-client`, `brew install libpq`)',
      })
    }
    const dedicated = record.database === 'dedicated'
    const { projectServerStatus } = await import('@systemprompt/postgres')
    const { server } = await dbSettings(layout)
    // The container's name comes from the server's declaration (its compose file), never built here.
    const status = await projectServerStatus({
      root: layout.root,
      ...machineOptions(server),
      ...(dedicated ? { tenant: record.name } : {}),
    })
    const up = `systemprompt db up${dedicated ? ` ${record.name}` : ''}`
    if (status.state !== 'running') {
      throw new config.SystempromptError({
        code: status.state === 'missing' ? 'SERVER_NOT_FOUND' : 'SERVER_NOT_RUNNING',
        category: 'user',
        message: `psql is not installed here, and the ${dedicated ? `server of tenant ${record.name}` : 'shared server'} (container ${status.containerName}) ${status.state === 'missing' ? 'does not exist' : `is ${status.state}`}`,
        fix: `Start it with \`${up}\`, or install the PostgreSQL client`,
        details: { container: status.containerName },
      })
    }
    const { connectEngine } = await import('@systemprompt/engine')
    const engine = await connectEngine({ env: server.dockerEnv ?? {} })
    // Inside the container the server listens on 5432; TCP with the password, so it is the tenant's role
    // that logs in (the local socket would trust anyone).
    const env = Object.entries({ ...connection, PGHOST: '127.0.0.1', PGPORT: '5432' }).map(
      ([k, v]) => `${k}=${v}`,
    )
    const tty = process.stdin.isTTY === true && process.stdout.isTTY === true
    if (tty && term) env.push(`TERM=${term}`)
    const size = tty ? terminalSize() : undefined
    const session = await engine.containers.execSession(status.containerName, ['psql', ...this.psqlArgs], {
      env,
      tty,
      ...(size ? { size } : {}),
    })
    return attach(session, tty)
  }
}

/** Our terminal's size; undefined when it reports none (a pseudo-terminal nobody sized says 0 x 0). */
function terminalSize(): { rows: number; columns: number } | undefined {
  const { rows, columns } = process.stdout
  return rows > 0 && columns > 0 ? { rows, columns } : undefined
}

/** The user's environment without the PG* variables that would point psql elsewhere or at another role. */
function shellEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !name.startsWith('PG') || KEPT_PG_VARIABLES.has(name)),
  )
}

/**
 * `psql` from PATH in the foreground, on our terminal. Ctrl-C belongs to psql (it cancels a query), so this
 * process ignores it while psql runs; a SIGTERM or SIGHUP is passed on. Resolves with psql's exit code
 * (128 + signal when a signal ended it), or `not-installed`.
 */
function runLocalPsql(args: string[], env: Record<string, string>): Promise<number | 'not-installed'> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', args, { stdio: 'inherit', env })
    const ignore = () => {}
    const forward = (signal: NodeJS.Signals) => child.kill(signal)
    process.on('SIGINT', ignore)
    process.on('SIGQUIT', ignore)
    process.on('SIGTERM', forward)
    process.on('SIGHUP', forward)
    const cleanup = () => {
      process.off('SIGINT', ignore)
      process.off('SIGQUIT', ignore)
      process.off('SIGTERM', forward)
      process.off('SIGHUP', forward)
    }
    child.on('error', async (error: NodeJS.ErrnoException) => {
      cleanup()
      if (error.code === 'ENOENT') return resolve('not-installed')
      const { SystempromptError } = await import('@systemprompt/config/core')
      reject(
        new SystempromptError({
          code: 'PSQL_UNAVAILABLE',
          category: 'user',
          message: `psql on PATH could not be started (${error.code ?? error.message})`,
          fix: 'Check the psql on your PATH (`command -v psql`), or remove it to use the one in the container',
        }),
      )
    })
    child.on('exit', (code, signal) => {
      cleanup()
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0))
    })
  })
}

/**
 * Connects our terminal (or pipes) to the exec session until psql ends: raw keystrokes and resizes on a TTY,
 * stdin to EOF otherwise. Resolves with psql's exit code.
 */
async function attach(session: ExecSession, tty: boolean): Promise<number> {
  const stdin = process.stdin
  const onResize = () => {
    const size = terminalSize()
    if (size) session.resize(size).catch(() => {})
  }
  // Without a terminal, Ctrl-C reaches only us: end the session (exit 130, as a shell reports SIGINT).
  let interrupted: (code: number) => void = () => {}
  const stopped = new Promise<number>((resolve) => {
    interrupted = resolve
  })
  const interrupt = () => {
    session.close()
    interrupted(128 + constants.signals.SIGINT)
  }
  if (tty) {
    stdin.setRawMode(true)
    process.stdout.on('resize', onResize)
  } else {
    process.on('SIGINT', interrupt)
  }
  stdin.pipe(session.stdin)
  session.stdout.pipe(process.stdout, { end: false })
  session.stderr.pipe(process.stderr, { end: false })
  try {
    return await Promise.race([session.exitCode, stopped])
  } finally {
    stdin.unpipe(session.stdin)
    // Our stdin must not keep the process alive once psql is gone.
    stdin.pause()
    if (tty) {
      stdin.setRawMode(false)
      process.stdout.off('resize', onResize)
    } else {
      process.off('SIGINT', interrupt)
    }
  }
}
