/**
 * `db url`, `db psql` and `db status` against real servers: psql inside the server's container (no psql on
 * PATH: PATH is an empty directory) for the shared server and for a dedicated tenant, the real psql on PATH
 * when the machine has one, and the health of a stopped server. The PATH side with a fake psql that reports
 * its argv and environment: psql.test.ts. Docker names carry this run's suffix and labels (cliTestEnv).
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  CLI_BIN,
  type CliRun,
  childEnv,
  cliTestEnv,
  docker,
  freePort,
  newRunId,
  removeRun,
  runCli,
  type TempDir,
  tempDir,
} from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const RUN = newRunId()
const env = cliTestEnv(RUN)
let project: TempDir
let root: string
let noPsql: string

function cli(args: string[], extraEnv: Record<string, string | undefined> = {}): CliRun {
  return runCli(args, { cwd: root, env: { ...env, ...extraEnv } })
}

/** `db psql` with no psql on PATH: it runs in the server's container. */
function psqlInContainer(args: string[], input?: string) {
  return spawnSync(process.execPath, [CLI_BIN, 'db', 'psql', ...args], {
    cwd: root,
    env: childEnv({ ...env, PATH: noPsql }),
    encoding: 'utf8',
    input: input ?? '',
    timeout: 120_000,
  })
}

function record(name: string): { role_name: string; database_name: string } {
  const file = JSON.parse(readFileSync(join(root, '.systemprompt', 'tenants.json'), 'utf8'))
  return file.tenants.find((t: { name: string }) => t.name === name)
}

function passwordOf(profile: string): string {
  const secrets = JSON.parse(
    readFileSync(join(root, '.systemprompt', 'profiles', profile, 'secrets.json'), 'utf8'),
  )
  return decodeURIComponent(new URL(secrets.database_url).password)
}

beforeAll(async () => {
  project = tempDir('sp-psql-cli-')
  root = project.path
  noPsql = join(root, 'empty-bin')
  mkdirSync(noPsql)
  expect(runCli(['init', '--json'], { cwd: root }).status).toBe(0)
  writeFileSync(
    join(root, '.systemprompt', 'docker', 'shared_config.json'),
    JSON.stringify({
      admin_password: randomBytes(18).toString('base64url'),
      port: await freePort(),
      tenant_databases: [],
    }),
    { mode: 0o600 },
  )
  // The positional form of create (the bug: "Unknown command: cloud:tenant:create:psq").
  const made = cli(['cloud', 'tenant', 'create', 'psq', '--yes', '--json'])
  expect(made.status, made.stdout + made.stderr).toBe(0)
})

afterAll(() => {
  removeRun(RUN)
  project?.remove()
})

describe('db url', () => {
  it('prints the URL from the profile, masked; --show-secrets and --json', () => {
    const secrets = JSON.parse(
      readFileSync(join(root, '.systemprompt', 'profiles', 'psq', 'secrets.json'), 'utf8'),
    )
    const masked = cli(['db', 'url', 'psq'])
    expect(masked.status, masked.stderr).toBe(0)
    expect(masked.stdout).toMatch(/^postgresql:\/\/sp_psq_[a-z0-9_]+:\*{8}@127\.0\.0\.1:\d+\/sp_psq_/)
    expect(masked.stdout).not.toContain(passwordOf('psq'))
    expect(cli(['db', 'url', 'psq', '--show-secrets']).stdout).toBe(`${secrets.database_url}\n`)
    expect(cli(['db', 'url', 'psq', '--json']).json?.result).toMatchObject({ tenant: 'psq', profile: 'psq' })
  })
})

describe('db psql in the shared server container (no psql on PATH)', () => {
  it("runs as the tenant's role on its database; output and exit code are psql's", () => {
    const ok = psqlInContainer(['psq', '--', '-At', '-c', 'select current_user, current_database()'])
    expect(ok.status, ok.stderr).toBe(0)
    expect(ok.stdout.trim()).toBe(`${record('psq').role_name}|${record('psq').database_name}`)
    const failed = psqlInContainer(['psq', '--', '-c', 'select 1/0'])
    expect(failed.status).toBe(1)
    expect(failed.stderr).toContain('division by zero')
  })

  it('reads SQL from a pipe on stdin', () => {
    const run = psqlInContainer(['psq', '--', '-At'], 'select 40 + 2;\n')
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout.trim()).toBe('42')
  })

  it("the password is in no process's command line inside the container", async () => {
    const container = cli(['db', 'status', '--json']).json?.result.containerName as string
    const password = passwordOf('psq')
    const child = spawn(process.execPath, [CLI_BIN, 'db', 'psql', 'psq', '--', '-c', 'select pg_sleep(15)'], {
      cwd: root,
      env: childEnv({ ...env, PATH: noPsql }),
      stdio: ['pipe', 'ignore', 'ignore'],
    })
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    try {
      let lines: string[] = []
      for (let i = 0; i < 150 && !lines.some((l) => l.startsWith('psql ')); i++) {
        const all = docker([
          'exec',
          container,
          'sh',
          '-c',
          'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f"; echo; done',
        ])
        lines = all.split('\n')
        if (!lines.some((l) => l.startsWith('psql '))) await new Promise((r) => setTimeout(r, 200))
      }
      expect(lines.some((l) => l.startsWith('psql -c select pg_sleep(15)'))).toBe(true)
      expect(lines.join('\n')).not.toContain(password)
    } finally {
      child.kill('SIGINT')
      await exited
    }
  })
})

/** Whether `script` (util-linux) can give the binary a pseudo-terminal here. */
const hasScript = spawnSync('script', ['--version']).status === 0

describe('db psql in the container, on a terminal', () => {
  it.skipIf(!hasScript)(
    "an interactive session: the prompt is the role's, a query answers, \\q ends it",
    async () => {
      const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`
      const command = [
        'env',
        `PATH=${noPsql}`,
        process.execPath,
        CLI_BIN,
        'db',
        'psql',
        'psq',
        '--',
        '-P',
        'pager=off',
      ]
        .map(quote)
        .join(' ')
      const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: root, env: childEnv(env) })
      let output = ''
      const seen = (text: string) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no ${JSON.stringify(text)} in ${JSON.stringify(output)}`)),
            60_000,
          )
          const check = () => {
            if (!output.includes(text)) return
            clearTimeout(timer)
            child.stdout.off('data', check)
            resolve()
          }
          child.stdout.on('data', check)
          check()
        })
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
      })
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
      await seen(`${record('psq').role_name}=>`)
      child.stdin.write('select 6 * 7 as answer;\r')
      await seen('(1 row)')
      child.stdin.write('\\q\r')
      expect(await exited).toBe(0)
      expect(output).toMatch(/answer\s+-+\s+42\s/)
    },
  )
})

describe('db psql on PATH', () => {
  const realPsql = ['/usr/bin', '/usr/local/bin', '/opt/homebrew/bin'].find((d) =>
    existsSync(join(d, 'psql')),
  )
  it.skipIf(realPsql === undefined)('uses the psql on PATH against the published port', () => {
    const run = spawnSync(
      process.execPath,
      [CLI_BIN, 'db', 'psql', 'psq', '--', '-At', '-c', 'select current_user, inet_server_port()'],
      { cwd: root, env: childEnv({ ...env, PATH: `${realPsql}:/bin` }), encoding: 'utf8', input: '' },
    )
    expect(run.status, run.stderr).toBe(0)
    // 5432 is the port inside the container: the host's psql came in through the published port.
    expect(run.stdout.trim()).toBe(`${record('psq').role_name}|5432`)
    expect(run.stderr).toBe('')
  })
})

describe('a dedicated tenant', () => {
  it("psql runs in the tenant's own container; once stopped, status shows health n/a and psql says so", async () => {
    const port = await freePort()
    const made = cli([
      'cloud',
      'tenant',
      'create',
      'ded',
      '--database',
      'dedicated',
      '--port',
      String(port),
      '--yes',
    ])
    expect(made.status, made.stdout + made.stderr).toBe(0)
    const run = psqlInContainer(['ded', '--', '-At', '-c', 'select current_database(), inet_server_port()'])
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout.trim()).toBe(`${record('ded').database_name}|5432`)
    const container = cli(['db', 'status', 'ded', '--json']).json?.result.containerName as string
    expect(container).not.toBe(cli(['db', 'status', '--json']).json?.result.containerName)

    const down = cli(['db', 'down', 'ded', '--yes'])
    expect(down.status, down.stdout + down.stderr).toBe(0)
    const status = cli(['db', 'status', 'ded'])
    expect(status.status, status.stderr).toBe(0)
    expect(status.stdout).toMatch(/^Health: +n\/a \(stopped\)$/m)
    expect(status.stdout).not.toMatch(/unhealthy|healthy/)
    const stopped = psqlInContainer(['ded'])
    expect(stopped.status).toBe(3)
    expect(stopped.stderr).toContain('Error [SERVER_NOT_RUNNING]')
    expect(stopped.stderr).toContain('systemprompt db up ded')
  })
})
