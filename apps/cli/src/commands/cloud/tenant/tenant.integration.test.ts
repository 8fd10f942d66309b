/**
 * `cloud tenant *`, `db list`, `db doctor` through the real binary against the real engine and a real
 * PostgreSQL. SYSTEMPROMPT_TEST_NAME_SUFFIX / _RUN give every Docker object of this file a per-run name and the labels
 * systemprompt.test=1 / systemprompt.test-run=<run>; afterAll removes them by label.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { parseDatabaseUrl, withClient } from '@systemprompt/pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, type CliRun, cleanEnv, snapshotTree, tempDir } from '../../../test-support/run-cli.js'

const DOCKER = '/usr/bin/docker'
const RUN = randomBytes(4).toString('hex')
const IMAGE = process.env.SYSTEMPROMPT_POSTGRES_IMAGE ?? 'systemprompt-testbed/postgres:15'
const env = {
  SYSTEMPROMPT_TEST_NAME_SUFFIX: RUN,
  SYSTEMPROMPT_TEST_RUN: RUN,
  SYSTEMPROMPT_POSTGRES_IMAGE: IMAGE,
}
let project: { path: string; remove(): void }
let root: string
let sharedPort: number

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (!address || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** The binary under test; SYSTEMPROMPT_TEST_CLI_BIN points at another build of it (e.g. a private copy). */
const CLI_BIN = process.env.SYSTEMPROMPT_TEST_CLI_BIN ?? BIN

function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): CliRun {
  const result = spawnSync(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: { ...cleanEnv(), ...options.env },
    timeout: 120_000,
  })
  let json: CliRun['json']
  try {
    json = JSON.parse(result.stdout)
  } catch {
    json = undefined
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, json }
}

function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): CliRun {
  return runCli(args, { cwd: root, env: { ...env, ...extraEnv } })
}

interface AsyncRun {
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** The binary as a child process we can run many of at once, and kill. */
function spawnCli(
  args: string[],
  options: { extraEnv?: NodeJS.ProcessEnv; killAfterMs?: number } = {},
): Promise<AsyncRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: root,
      env: { ...cleanEnv(), ...env, ...options.extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    if (options.killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), options.killAfterMs)
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }))
  })
}

function tenantsFile(): {
  project_id: string
  tenants: { name: string; state: string; database_name?: string }[]
} {
  return JSON.parse(readFileSync(join(root, '.systemprompt', 'tenants.json'), 'utf8'))
}

function sharedConfig(): {
  admin_password: string
  tenant_databases: { tenant_id: string; state?: string }[]
} {
  return JSON.parse(readFileSync(join(root, '.systemprompt', 'docker', 'shared_config.json'), 'utf8'))
}

function secretsOf(profile: string): { database_url: string; jwt_secret: string } {
  return JSON.parse(readFileSync(join(root, '.systemprompt', 'profiles', profile, 'secrets.json'), 'utf8'))
}

/** Runs SQL as the URL's role; failures carry the SQLSTATE in details.sqlstate (registry's error mapping). */
async function query(url: string, sql: string): Promise<{ rows: Record<string, unknown>[] }> {
  return withClient(parseDatabaseUrl(url), (c) => c.query(sql))
}

/** SQLSTATE of a failure: pg's own `code` for a statement, our `details.sqlstate` for a refused connection. */
async function sqlstateOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
    return undefined
  } catch (error) {
    const e = error as { code?: string; details?: { sqlstate?: string } }
    return e.details?.sqlstate ?? e.code
  }
}

function adminUrl(): string {
  return `postgresql://systemprompt_admin:${encodeURIComponent(sharedConfig().admin_password)}@127.0.0.1:${sharedPort}/postgres`
}

async function serverDatabases(): Promise<string[]> {
  return (await query(adminUrl(), 'SELECT datname FROM pg_database WHERE NOT datistemplate')).rows.map((r) =>
    String(r.datname),
  )
}

function docker(args: string[]): string {
  return execFileSync(DOCKER, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
}

beforeAll(async () => {
  project = tempDir('sp-tenant-cli-')
  root = project.path
  expect(runCli(['init', '--json'], { cwd: root }).status).toBe(0)
  sharedPort = await freePort()
  // The shared server of this test: its own port (the admin password is generated by the first create).
  writeFileSync(
    join(root, '.systemprompt', 'docker', 'shared_config.json'),
    JSON.stringify({
      admin_password: randomBytes(18).toString('base64url'),
      port: sharedPort,
      tenant_databases: [],
    }),
    { mode: 0o600 },
  )
})

afterAll(() => {
  const filter = `label=systemprompt.test-run=${RUN}`
  const containers = docker(['ps', '-aq', '--filter', filter]).split('\n').filter(Boolean)
  if (containers.length > 0) docker(['rm', '-f', '-v', ...containers])
  const volumes = docker(['volume', 'ls', '-q', '--filter', filter]).split('\n').filter(Boolean)
  if (volumes.length > 0) docker(['volume', 'rm', '-f', ...volumes])
  project?.remove()
})

describe('cloud tenant create (shared)', () => {
  it('starts the shared server, creates the tenant and its profile; JSON output masks the password', () => {
    const run = cli(['cloud', 'tenant', 'create', '--name', 'first', '--yes', '--json'])
    expect(run.status, run.stderr + run.stdout).toBe(0)
    expect(run.json?.status).toBe(0)
    expect(run.json?.result.tenant).toMatchObject({ name: 'first', state: 'ready', database: 'shared' })
    const secrets = secretsOf('first')
    expect(run.stdout).not.toContain(new URL(secrets.database_url).password)
    expect(run.json?.result.databaseUrl).toMatch(/^postgresql:\/\/sp_first_[a-z0-9]+:\*+@127\.0\.0\.1:/)
    expect(secrets.jwt_secret).toMatch(/^[0-9a-f]{64}$/)
    expect(statSync(join(root, '.systemprompt', 'profiles', 'first', 'secrets.json')).mode & 0o777).toBe(
      0o600,
    )
    expect(docker(['inspect', '-f', '{{.State.Running}}', `systemprompt-postgres-shared-${RUN}`])).toBe(
      'true',
    )
  })

  it('the tenant role logs in to its own database only, with no server-wide powers', async () => {
    expect(cli(['cloud', 'tenant', 'create', '--name', 'second', '--yes', '--json']).status).toBe(0)
    const a = secretsOf('first').database_url
    const b = new URL(secretsOf('second').database_url)
    expect((await query(a, 'SELECT current_user AS u')).rows[0]?.u).toMatch(/^sp_first_/)
    const aIntoB = new URL(a)
    aIntoB.pathname = b.pathname
    expect(await sqlstateOf(query(aIntoB.toString(), 'SELECT 1'))).toBe('42501')
    expect(await sqlstateOf(query(a, 'CREATE ROLE evil LOGIN'))).toBe('42501')
    expect(await sqlstateOf(query(a, 'CREATE DATABASE evil'))).toBe('42501')
    expect(await sqlstateOf(query(a, 'SELECT * FROM pg_authid'))).toBe('42501')
    expect(
      (await query(a, 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0]?.rolsuper,
    ).toBe(false)
  })

  const badNames: [string, string][] = [
    ['SQL fragment', 'x"; DROP DATABASE postgres; --'],
    ['path traversal', '../../etc/passwd'],
    ['upper case', 'MyTenant'],
    ['unicode', 'tënant'],
    ['empty', ''],
    ['over 40 characters', `t${'x'.repeat(40)}`],
  ]
  it.each(badNames)('rejects a bad name (%s): exit 3, nothing written', (_kind, name) => {
    const before = snapshotTree(root)
    const run = cli(['cloud', 'tenant', 'create', '--name', name, '--yes', '--json'])
    expect(run.status).toBe(3)
    expect(run.json?.error.code).toBe('TENANT_NAME_INVALID')
    expect(snapshotTree(root)).toEqual(before)
  })

  it('refuses to create an existing tenant (conflict, exit 6)', () => {
    const run = cli(['cloud', 'tenant', 'create', '--name', 'first', '--yes', '--json'])
    expect(run.status).toBe(6)
    expect(run.json?.error.code).toBe('TENANT_EXISTS')
  })

  it('16 concurrent create processes lose nothing', async () => {
    const names = Array.from({ length: 16 }, (_, i) => `par-${i}`)
    const runs = await Promise.all(
      names.map((name) => spawnCli(['cloud', 'tenant', 'create', '--name', name, '--yes', '--json'])),
    )
    for (const run of runs) expect(run.status, run.stderr + run.stdout).toBe(0)
    const records = tenantsFile().tenants
    for (const name of names) expect(records.find((t) => t.name === name)?.state).toBe('ready')
    const entries = sharedConfig().tenant_databases.map((e) => e.tenant_id)
    for (const name of names) expect(entries).toContain(name)
    const dbs = await serverDatabases()
    const id = tenantsFile().project_id
    for (const name of names) expect(dbs).toContain(`sp_${name.replace('-', '_')}_${id}`)
    for (const name of names) await query(secretsOf(name).database_url, 'SELECT 1')
  })
})

describe('list, show, db list, db doctor', () => {
  it('cloud tenant list shows live state', () => {
    const run = cli(['cloud', 'tenant', 'list', '--json'])
    expect(run.status).toBe(0)
    expect(run.json?.result.shared.status).toBe('up')
    expect(run.json?.result.tenants).toHaveLength(18)
    expect(run.json?.result.tenants.every((t: { live: string }) => t.live === 'ok')).toBe(true)
  })

  it('cloud tenant show masks DATABASE_URL', () => {
    const run = cli(['cloud', 'tenant', 'show', 'first', '--json'])
    expect(run.status).toBe(0)
    expect(run.json?.result.databaseUrl).toMatch(/:\*+@127\.0\.0\.1:/)
  })

  it('db list joins the server with the records and shows drift both ways', async () => {
    const id = tenantsFile().project_id
    await query(adminUrl(), `CREATE ROLE sp_stray_${id} LOGIN`)
    await query(adminUrl(), `CREATE DATABASE sp_stray_${id} OWNER sp_stray_${id}`)
    await query(adminUrl(), `DROP DATABASE sp_par_15_${id} WITH (FORCE)`)
    const run = cli(['db', 'list', '--json'])
    expect(run.status, run.stderr).toBe(0)
    const rows = new Map(run.json?.result.databases.map((d: { database: string }) => [d.database, d]))
    expect(rows.get(`sp_first_${id}`)).toMatchObject({ tenant: 'first', drift: 'ok' })
    expect((rows.get(`sp_first_${id}`) as { sizeBytes: number }).sizeBytes).toBeGreaterThan(0)
    expect(rows.get(`sp_stray_${id}`)).toMatchObject({ tenant: 'stray', drift: 'unrecorded' })
    expect(rows.get(`sp_par_15_${id}`)).toMatchObject({ tenant: 'par-15', drift: 'missing' })
  })

  it('db doctor reports the drift (exit 3) and --fix repairs it', async () => {
    const report = cli(['db', 'doctor', '--json'])
    expect(report.status).toBe(3)
    expect(report.json?.error.code).toBe('DOCTOR_FOUND_PROBLEMS')
    const fixed = cli(['db', 'doctor', '--fix', '--drop-orphans', '--json'])
    expect(fixed.status, fixed.stdout).toBe(0)
    await query(secretsOf('par-15').database_url, 'SELECT 1')
    const id = tenantsFile().project_id
    expect(await serverDatabases()).not.toContain(`sp_stray_${id}`)
    expect(cli(['db', 'doctor', '--json']).status).toBe(0)
  })

  it('db doctor --fix sets secret files back to 0600', () => {
    const file = join(root, '.systemprompt', 'profiles', 'first', 'secrets.json')
    execFileSync('chmod', ['644', file])
    const report = cli(['db', 'doctor', '--json'])
    expect(report.json?.error.details.issues.map((i: { code: string }) => i.code)).toContain(
      'CONFIG_INSECURE_MODE',
    )
    expect(cli(['db', 'doctor', '--fix', '--json']).status).toBe(0)
    expect(statSync(file).mode & 0o777).toBe(0o600)
  })
})

describe('a create killed with SIGKILL', () => {
  const steps = ['record-pending', 'database-created', 'profile-written']
  it.each(steps)(
    'at %s leaves a state that db doctor --fix repairs, other tenants untouched',
    async (step) => {
      const before = tenantsFile()
        .tenants.filter((t) => t.state === 'ready')
        .map((t) => t.name)
      const name = `kill-${step}`
      const run = await spawnCli(['cloud', 'tenant', 'create', '--name', name, '--yes', '--json'], {
        extraEnv: { SYSTEMPROMPT_TEST_CRASH_AT: step },
      })
      expect(run.signal).toBe('SIGKILL')
      expect(tenantsFile().tenants.find((t) => t.name === name)?.state).toBe('pending')
      const report = cli(['db', 'doctor', '--json'])
      expect(report.status).toBe(3)
      expect(report.json?.error.details.issues.map((i: { code: string }) => i.code)).toContain(
        'TENANT_PENDING',
      )
      const fixed = cli(['db', 'doctor', '--fix', '--json'])
      expect(fixed.status, fixed.stdout + fixed.stderr).toBe(0)
      expect(tenantsFile().tenants.find((t) => t.name === name)).toBeUndefined()
      expect(
        tenantsFile()
          .tenants.filter((t) => t.state === 'ready')
          .map((t) => t.name),
      ).toEqual(before)
      const id = tenantsFile().project_id
      expect(await serverDatabases()).not.toContain(`sp_${name.replaceAll('-', '_')}_${id}`)
      for (const other of before) await query(secretsOf(other).database_url, 'SELECT 1')
    },
  )

  it('at random moments: after db doctor --fix the tenant is either fully there or fully gone', async () => {
    for (const ms of [60, 250, 450, 700, 1000]) {
      const name = `rand-${ms}`
      await spawnCli(['cloud', 'tenant', 'create', '--name', name, '--yes'], { killAfterMs: ms })
      const fixed = cli(['db', 'doctor', '--fix', '--json'])
      expect(fixed.status, `${ms} ms: ${fixed.stdout}`).toBe(0)
      const record = tenantsFile().tenants.find((t) => t.name === name)
      const id = tenantsFile().project_id
      const exists = (await serverDatabases()).includes(`sp_rand_${ms}_${id}`)
      if (record) {
        expect(record.state).toBe('ready')
        expect(exists).toBe(true)
        await query(secretsOf(name).database_url, 'SELECT 1')
      } else {
        expect(exists).toBe(false)
      }
      expect(cli(['db', 'doctor', '--json']).status).toBe(0)
    }
  })
})

describe('cloud tenant delete', () => {
  it('is refused without --yes when no terminal is attached; nothing changes', async () => {
    const before = snapshotTree(root)
    const run = cli(['cloud', 'tenant', 'delete', 'second', '--json'])
    expect(run.status).toBe(3)
    expect(run.json?.error.code).toBe('CONFIRMATION_REQUIRED')
    expect(snapshotTree(root)).toEqual(before)
    await query(secretsOf('second').database_url, 'SELECT 1')
  })

  it('with --yes drops database and role, keeps the shared container and volume', async () => {
    const url = secretsOf('second').database_url
    const run = cli(['cloud', 'tenant', 'delete', 'second', '--yes', '--json'])
    expect(run.status, run.stdout + run.stderr).toBe(0)
    expect(run.json?.result).toMatchObject({ droppedDatabase: true, droppedRole: true, removedProfile: true })
    await expect(query(url, 'SELECT 1')).rejects.toBeDefined()
    expect(tenantsFile().tenants.find((t) => t.name === 'second')).toBeUndefined()
    expect(docker(['inspect', '-f', '{{.State.Running}}', `systemprompt-postgres-shared-${RUN}`])).toBe(
      'true',
    )
    expect(docker(['volume', 'inspect', '-f', '{{.Name}}', `systemprompt-postgres-shared-${RUN}-data`])).toBe(
      `systemprompt-postgres-shared-${RUN}-data`,
    )
  })

  it('deleting every tenant still leaves the shared container and volume', () => {
    for (const t of tenantsFile().tenants) {
      expect(cli(['cloud', 'tenant', 'delete', t.name, '--yes', '--json']).status).toBe(0)
    }
    expect(tenantsFile().tenants).toEqual([])
    expect(docker(['inspect', '-f', '{{.State.Running}}', `systemprompt-postgres-shared-${RUN}`])).toBe(
      'true',
    )
    expect(docker(['volume', 'inspect', '-f', '{{.Name}}', `systemprompt-postgres-shared-${RUN}-data`])).toBe(
      `systemprompt-postgres-shared-${RUN}-data`,
    )
  })
})

describe('dedicated and external tenants, profiles', () => {
  it('dedicated: own container on the given port, removed with the tenant', async () => {
    const port = await freePort()
    const run = cli([
      'cloud',
      'tenant',
      'create',
      '--name',
      'solo',
      '--database',
      'dedicated',
      '--port',
      String(port),
      '--yes',
      '--json',
    ])
    expect(run.status, run.stdout + run.stderr).toBe(0)
    expect(run.json?.result.tenant).toMatchObject({ database: 'dedicated', port, state: 'ready' })
    const url = secretsOf('solo').database_url
    expect(new URL(url).port).toBe(String(port))
    await query(url, 'SELECT 1')
    expect(docker(['inspect', '-f', '{{.State.Running}}', `systemprompt-postgres-solo-${RUN}`])).toBe('true')
    expect(cli(['cloud', 'tenant', 'delete', 'solo', '--yes', '--json']).status).toBe(0)
    expect(() => docker(['inspect', `systemprompt-postgres-solo-${RUN}`])).toThrow()
    expect(() => docker(['volume', 'inspect', `systemprompt-postgres-solo-${RUN}-data`])).toThrow()
  })

  it('external: the URL is checked by connecting; a dead one is refused with nothing written', () => {
    const before = snapshotTree(root)
    const dead = cli([
      'cloud',
      'tenant',
      'create',
      '--name',
      'ext',
      '--database',
      'external',
      '--database-url',
      'postgres://u:p@127.0.0.1:1/x',
      '--json',
    ])
    expect(dead.status).toBe(5)
    expect(dead.json?.error.code).toBe('DATABASE_UNREACHABLE')
    expect(snapshotTree(root)).toEqual(before)
    const ok = cli([
      'cloud',
      'tenant',
      'create',
      '--name',
      'ext',
      '--database',
      'external',
      '--database-url',
      adminUrl(),
      '--json',
    ])
    expect(ok.status, ok.stdout).toBe(0)
    expect(secretsOf('ext').database_url).toBe(adminUrl())
  })

  it('cloud profile create/list/show/delete', () => {
    const made = cli([
      'cloud',
      'profile',
      'create',
      '--name',
      'production',
      '--tenant',
      'ext',
      '--target',
      'cloud',
      '--json',
    ])
    expect(made.status, made.stdout).toBe(0)
    const list = cli(['cloud', 'profile', 'list', '--json'])
    expect(list.json?.result.profiles.map((p: { name: string }) => p.name)).toEqual(['ext', 'production'])
    const shown = cli(['cloud', 'profile', 'show', 'production', '--json'])
    expect(shown.json?.result.secrets.jwt_secret).toBe('********')
    expect(shown.stdout).not.toContain(secretsOf('production').jwt_secret)
    expect(cli(['cloud', 'profile', 'delete', 'production', '--json']).json?.error.code).toBe(
      'CONFIRMATION_REQUIRED',
    )
    expect(cli(['cloud', 'profile', 'delete', 'ext', '--yes', '--json']).json?.error.code).toBe(
      'PROFILE_IN_USE',
    )
    expect(cli(['cloud', 'profile', 'delete', 'production', '--yes', '--json']).status).toBe(0)
  })
})
