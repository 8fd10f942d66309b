/**
 * `cloud tenant *`, `cloud profile *`, `db list`, `db doctor` through the real binary against the real engine
 * and a real PostgreSQL. The deep proofs (isolation of roles, every bad name, drift in all its kinds, 16-way
 * concurrency) are the registry package's; here: envelopes, exit codes and one slice per command.
 * One project for the file (its shared server is started by whichever test needs it first); every test makes
 * the tenants it checks under names of its own, so it passes alone (`-t`) and in any order. The test settings
 * (cliTestEnv) suffix every Docker name and label it with this run; afterAll removes them by label.
 */
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseDatabaseUrl, withClient } from '@systemprompt/pg'
import {
  type CliRun,
  childEnv,
  cliTestEnv,
  docker,
  freePort,
  newRunId,
  removeRun,
  runCli,
  snapshotTree,
  spawnCli as spawnBinary,
  type TempDir,
  tempDir,
} from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const RUN = newRunId()
const CREATE_KILLED_AT = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../test-support/create-killed-at.mjs',
)
const env = cliTestEnv(RUN)
let project: TempDir
let root: string
let sharedPort: number

function cli(args: string[], extraEnv: Record<string, string> = {}): CliRun {
  return runCli(args, { cwd: root, env: { ...env, ...extraEnv } })
}

/** The binary as a child process we can run many of at once, and kill. */
function spawnCli(
  args: string[],
  options: { extraEnv?: Record<string, string>; killAfterMs?: number } = {},
): Promise<CliRun> {
  return spawnBinary(args, {
    cwd: root,
    env: { ...env, ...options.extraEnv },
    ...(options.killAfterMs === undefined ? {} : { killAfterMs: options.killAfterMs }),
  })
}

/**
 * `cloud tenant create --name NAME` (shared) with the CLI's settings, killed with SIGKILL by its own onStep
 * when registry's createTenant reaches `step` (test-support/create-killed-at.mjs): the test drives the
 * crash, the production command has no hook for it.
 */
function createKilledAt(
  name: string,
  step: string,
): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CREATE_KILLED_AT, name, step], {
      cwd: root,
      env: childEnv(env),
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (_status, signal) => resolve({ signal, stderr }))
  })
}

/** `cloud tenant create --name NAME` (shared) that must succeed: what a test starts from. */
function createShared(name: string): CliRun {
  const run = cli(['cloud', 'tenant', 'create', '--name', name, '--yes', '--json'])
  expect(run.status, run.stderr + run.stdout).toBe(0)
  return run
}

/** The shared server running, for a test that needs it without a shared tenant. */
function sharedServerUp(): void {
  const up = cli(['db', 'up', '--json'])
  expect(up.status, up.stderr + up.stdout).toBe(0)
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

/** Runs SQL as the URL's role. */
async function query(url: string, sql: string): Promise<{ rows: Record<string, unknown>[] }> {
  return withClient(parseDatabaseUrl(url), (c) => c.query(sql))
}

function adminUrl(): string {
  return `postgresql://systemprompt_admin:${encodeURIComponent(sharedConfig().admin_password)}@127.0.0.1:${sharedPort}/postgres`
}

async function serverDatabases(): Promise<string[]> {
  return (await query(adminUrl(), 'SELECT datname FROM pg_database WHERE NOT datistemplate')).rows.map((r) =>
    String(r.datname),
  )
}

/** The database name of a shared tenant of this project. */
function databaseOf(name: string): string {
  return `sp_${name.replaceAll('-', '_')}_${tenantsFile().project_id}`
}

const sharedContainer = `systemprompt-postgres-shared-${RUN}`
const sharedVolume = `systemprompt-postgres-shared-${RUN}-data`

function expectSharedServerKept(): void {
  expect(docker(['inspect', '-f', '{{.State.Running}}', sharedContainer])).toBe('true')
  expect(docker(['volume', 'inspect', '-f', '{{.Name}}', sharedVolume])).toBe(sharedVolume)
}

beforeAll(async () => {
  project = tempDir('sp-tenant-cli-')
  root = project.path
  expect(runCli(['init', '--json'], { cwd: root }).status).toBe(0)
  sharedPort = await freePort()
  // The shared server of this test: its own port and admin password.
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
  removeRun(RUN)
  project?.remove()
})

describe('cloud tenant create (shared)', () => {
  it('starts the shared server, creates the tenant and its profile; JSON output masks the password', async () => {
    const run = createShared('first')
    expect(run.json?.status).toBe(0)
    expect(run.json?.result.tenant).toMatchObject({ name: 'first', state: 'ready', database: 'shared' })
    const secrets = secretsOf('first')
    expect(run.stdout).not.toContain(new URL(secrets.database_url).password)
    expect(run.json?.result.databaseUrl).toMatch(/^postgresql:\/\/sp_first_[a-z0-9]+:\*+@127\.0\.0\.1:/)
    expect(secrets.jwt_secret).toMatch(/^[0-9a-f]{64}$/)
    expect(statSync(join(root, '.systemprompt', 'profiles', 'first', 'secrets.json')).mode & 0o777).toBe(
      0o600,
    )
    expect(docker(['inspect', '-f', '{{.State.Running}}', sharedContainer])).toBe('true')
    // The written URL logs in as the tenant's role (what that role may not do: registry's tenant-db test).
    expect((await query(secrets.database_url, 'SELECT current_user AS u')).rows[0]?.u).toMatch(/^sp_first_/)
  })

  // Every kind of bad name is the registry's test; here the exit code, the envelope and "nothing written".
  const badNames: [string, string][] = [
    ['SQL fragment', 'x"; DROP DATABASE postgres; --'],
    ['empty', ''],
  ]
  it.each(badNames)('rejects a bad name (%s): exit 3, nothing written', (_kind, name) => {
    const before = snapshotTree(root)
    const run = cli(['cloud', 'tenant', 'create', '--name', name, '--yes', '--json'])
    expect(run.status).toBe(3)
    expect(run.json?.error.code).toBe('TENANT_NAME_INVALID')
    expect(snapshotTree(root)).toEqual(before)
  })

  it('refuses to create an existing tenant (conflict, exit 6)', () => {
    createShared('twice')
    const run = cli(['cloud', 'tenant', 'create', '--name', 'twice', '--yes', '--json'])
    expect(run.status).toBe(6)
    expect(run.json?.error.code).toBe('TENANT_EXISTS')
  })

  // Locks across processes: config's lock test (child processes); 16 concurrent creates: registry's test.
  it('concurrent create processes lose nothing', async () => {
    const names = Array.from({ length: 4 }, (_, i) => `par-${i}`)
    const runs = await Promise.all(
      names.map((name) => spawnCli(['cloud', 'tenant', 'create', '--name', name, '--yes', '--json'])),
    )
    for (const run of runs) expect(run.status, run.stderr + run.stdout).toBe(0)
    const records = tenantsFile().tenants
    for (const name of names) expect(records.find((t) => t.name === name)?.state).toBe('ready')
    const entries = sharedConfig().tenant_databases.map((e) => e.tenant_id)
    for (const name of names) expect(entries).toContain(name)
    const dbs = await serverDatabases()
    for (const name of names) expect(dbs).toContain(databaseOf(name))
    for (const name of names) await query(secretsOf(name).database_url, 'SELECT 1')
  })
})

describe('list, show, db list, db doctor', () => {
  it('cloud tenant list shows live state; show masks DATABASE_URL unless --show-secrets', () => {
    createShared('listed')
    const run = cli(['cloud', 'tenant', 'list', '--json'])
    expect(run.status).toBe(0)
    expect(run.json?.result.shared.status).toBe('up')
    expect(run.json?.result.tenants.find((t: { name: string }) => t.name === 'listed')).toMatchObject({
      live: 'ok',
    })
    const shown = cli(['cloud', 'tenant', 'show', 'listed', '--json'])
    expect(shown.status).toBe(0)
    expect(shown.json?.result.databaseUrl).toMatch(/:\*+@127\.0\.0\.1:/)
    // The bug was `***` even with --show-secrets: the package masked; now only the command does.
    const url = secretsOf('listed').database_url
    const password = new URL(url).password
    const human = cli(['cloud', 'tenant', 'show', 'listed'])
    expect(human.stdout).toContain('DATABASE_URL: postgresql://')
    expect(human.stdout).not.toContain(password)
    const revealed = cli(['cloud', 'tenant', 'show', 'listed', '--show-secrets', '--json'])
    expect(revealed.json?.result.databaseUrl).toBe(url)
    expect(cli(['cloud', 'tenant', 'show', 'listed', '--show-secrets']).stdout).toContain(
      `DATABASE_URL: ${url}`,
    )
  })

  it('db list joins the server with the records and shows an unrecorded database', async () => {
    createShared('in-list')
    const stray = databaseOf('stray-list')
    await query(adminUrl(), `CREATE DATABASE ${stray}`)
    try {
      const run = cli(['db', 'list', '--json'])
      expect(run.status, run.stderr).toBe(0)
      const rows = new Map(run.json?.result.databases.map((d: { database: string }) => [d.database, d]))
      expect(rows.get(databaseOf('in-list'))).toMatchObject({ tenant: 'in-list', drift: 'ok' })
      expect((rows.get(databaseOf('in-list')) as { sizeBytes: number }).sizeBytes).toBeGreaterThan(0)
      expect(rows.get(stray)).toMatchObject({ tenant: 'stray-list', drift: 'unrecorded' })
    } finally {
      await query(adminUrl(), `DROP DATABASE IF EXISTS ${stray}`)
    }
  })

  it('db doctor reports the drift (exit 3) and --fix --drop-orphans repairs it', async () => {
    createShared('doc-missing')
    const stray = databaseOf('doc-stray')
    await query(adminUrl(), `CREATE ROLE ${stray} LOGIN`)
    await query(adminUrl(), `CREATE DATABASE ${stray} OWNER ${stray}`)
    await query(adminUrl(), `DROP DATABASE ${databaseOf('doc-missing')} WITH (FORCE)`)
    const report = cli(['db', 'doctor', '--json'])
    expect(report.status).toBe(3)
    expect(report.json?.error.code).toBe('DOCTOR_FOUND_PROBLEMS')
    const fixed = cli(['db', 'doctor', '--fix', '--drop-orphans', '--json'])
    expect(fixed.status, fixed.stdout).toBe(0)
    await query(secretsOf('doc-missing').database_url, 'SELECT 1')
    expect(await serverDatabases()).not.toContain(stray)
    expect(cli(['db', 'doctor', '--json']).status).toBe(0)
  })

  it('db doctor --fix sets secret files back to 0600', () => {
    createShared('loose')
    const file = join(root, '.systemprompt', 'profiles', 'loose', 'secrets.json')
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
      const run = await createKilledAt(name, step)
      expect(run.signal, run.stderr).toBe('SIGKILL')
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
    createShared('kept')
    const before = snapshotTree(root)
    const run = cli(['cloud', 'tenant', 'delete', 'kept', '--json'])
    expect(run.status).toBe(3)
    expect(run.json?.error.code).toBe('CONFIRMATION_REQUIRED')
    expect(snapshotTree(root)).toEqual(before)
    await query(secretsOf('kept').database_url, 'SELECT 1')
  })

  it('with --yes drops database and role, keeps the shared container and volume', async () => {
    createShared('gone')
    const url = secretsOf('gone').database_url
    const run = cli(['cloud', 'tenant', 'delete', 'gone', '--yes', '--json'])
    expect(run.status, run.stdout + run.stderr).toBe(0)
    expect(run.json?.result).toMatchObject({ droppedDatabase: true, droppedRole: true, removedProfile: true })
    await expect(query(url, 'SELECT 1')).rejects.toBeDefined()
    expect(tenantsFile().tenants.find((t) => t.name === 'gone')).toBeUndefined()
    expectSharedServerKept()
  })

  it('deleting every tenant still leaves the shared container and volume', () => {
    createShared('last')
    for (const t of tenantsFile().tenants) {
      expect(cli(['cloud', 'tenant', 'delete', t.name, '--yes', '--json']).status).toBe(0)
    }
    expect(tenantsFile().tenants).toEqual([])
    expectSharedServerKept()
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
    // Named for the tenant and the project (then the test instance suffix).
    const container = `systemprompt-postgres-solo-${tenantsFile().project_id}-${RUN}`
    expect(docker(['inspect', '-f', '{{.State.Running}}', container])).toBe('true')
    expect(cli(['cloud', 'tenant', 'delete', 'solo', '--yes', '--json']).status).toBe(0)
    expect(() => docker(['inspect', container])).toThrow()
    expect(() => docker(['volume', 'inspect', `${container}-data`])).toThrow()
  })

  it('external: the URL is checked by connecting; a dead one is refused with nothing written', () => {
    sharedServerUp()
    const before = snapshotTree(root)
    const external = (url: string) =>
      cli([
        'cloud',
        'tenant',
        'create',
        '--name',
        'ext',
        '--database',
        'external',
        '--database-url',
        url,
        '--json',
      ])
    const dead = external('postgres://u:p@127.0.0.1:1/x')
    expect(dead.status).toBe(5)
    expect(dead.json?.error.code).toBe('DATABASE_UNREACHABLE')
    expect(snapshotTree(root)).toEqual(before)
    const ok = external(adminUrl())
    expect(ok.status, ok.stdout).toBe(0)
    expect(secretsOf('ext').database_url).toBe(adminUrl())
  })

  it('cloud profile create/list/show/delete', () => {
    createShared('profiled')
    const made = cli([
      'cloud',
      'profile',
      'create',
      '--name',
      'production',
      '--tenant',
      'profiled',
      '--target',
      'cloud',
      '--json',
    ])
    expect(made.status, made.stdout).toBe(0)
    const list = cli(['cloud', 'profile', 'list', '--json'])
    expect(list.json?.result.profiles.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['profiled', 'production']),
    )
    const shown = cli(['cloud', 'profile', 'show', 'production', '--json'])
    expect(shown.json?.result.secrets.jwt_secret).toBe('********')
    expect(shown.stdout).not.toContain(secretsOf('production').jwt_secret)
    expect(cli(['cloud', 'profile', 'delete', 'production', '--json']).json?.error.code).toBe(
      'CONFIRMATION_REQUIRED',
    )
    expect(cli(['cloud', 'profile', 'delete', 'profiled', '--yes', '--json']).json?.error.code).toBe(
      'PROFILE_IN_USE',
    )
    expect(cli(['cloud', 'profile', 'delete', 'production', '--yes', '--json']).status).toBe(0)
  })
})
