/**
 * `doctor` beyond the shared server's records (issue 8): dedicated tenants on their own real servers (made
 * through the compose provider, so @systemprompt/postgres names them), URLs on the wrong port, interrupted
 * deletes that need a confirmation, stale lock files of killed runs, and tenant roles shut out of the
 * maintenance databases. Shared tenants live on one test server for the file; every test makes a project and
 * the tenants it checks. Dedicated servers carry this run's labels and instance suffix; afterAll removes them.
 */
import { spawn } from 'node:child_process'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  patchTenantRecord,
  projectLayout,
  readTenantsFile,
  tenantLockPath,
  withFileLock,
} from '@systemprompt/config'
import { parseDatabaseUrl, withClient } from '@systemprompt/pg'
import { resetProjectServer, type ServerSettings, stopServer } from '@systemprompt/postgres'
import { childEnv, newRunId, removeRun, tempDir, testImage, testLabels } from '@systemprompt/testkit'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startTestPostgres, type TestPostgres } from '../test-support/postgres.js'
import { makeTestProject, type TestProject } from '../test-support/project.js'
import { composeServerProvider } from './compose-servers.js'
import { createTenant } from './create.js'
import { doctor } from './doctor.js'
import { showTenant } from './list.js'

const run = newRunId()
const dataDir = tempDir('sp-doctor-data-')
/** What the CLI passes down in tests: this run's instance suffix and labels, the test image. */
const settings: ServerSettings = {
  dataDir: dataDir.path,
  dockerEnv: childEnv(),
  instance: run,
  labels: testLabels(run),
  postgresImage: testImage(),
}
let server: TestPostgres
let project: TestProject
let projects = 0

beforeAll(async () => {
  server = await startTestPostgres('doctor')
})

beforeEach(async () => {
  projects += 1
  project = await makeTestProject(server, `doc${String(projects).padStart(5, '0')}`)
})

afterEach(async () => {
  await project?.remove()
})

afterAll(async () => {
  removeRun(run)
  await server?.stop()
  dataDir.remove()
})

/** doctor with the real provider, as the CLI runs it. */
function runDoctor(
  options: { fix?: boolean; confirmFinishDelete?: (tenant: string) => Promise<boolean> } = {},
) {
  return doctor({ root: project.root, server: settings, servers: composeServerProvider, ...options })
}

function createShared(name: string) {
  return createTenant({ root: project.root, name, database: 'shared', servers: project.servers })
}

function createDedicated(name: string) {
  return createTenant({
    root: project.root,
    name,
    database: 'dedicated',
    server: settings,
    servers: composeServerProvider,
  })
}

function secretsFile(profile: string): string {
  return projectLayout(project.root).profileSecrets(profile)
}

async function databaseUrl(profile: string): Promise<string> {
  return JSON.parse(await readFile(secretsFile(profile), 'utf8')).database_url
}

async function login(url: string, sql = 'SELECT 1'): Promise<void> {
  await withClient(parseDatabaseUrl(url), (c) => c.query(sql))
}

/** The URL's role and password against another database of its server. */
function onDatabase(url: string, database: string) {
  return { ...parseDatabaseUrl(url), database }
}

function codes(result: { issues: { code: string }[] }): string[] {
  return result.issues.map((i) => i.code)
}

describe('tenant roles and the maintenance databases', () => {
  it('a tenant role is refused on postgres and template1 (42501); its own database and TEMP tables work', async () => {
    const { databaseUrl: url } = await createShared('closed')
    for (const database of ['postgres', 'template1']) {
      await expect(withClient(onDatabase(url, database), async () => {})).rejects.toMatchObject({
        code: 'DATABASE_PERMISSION_DENIED',
        details: { sqlstate: '42501' },
      })
    }
    await login(url, 'CREATE TEMP TABLE scratch (id int); INSERT INTO scratch VALUES (1)')
    const report = await runDoctor()
    expect(codes(report)).not.toContain('MAINTENANCE_DB_OPEN')
  })

  it('doctor reports maintenance databases opened to PUBLIC again, and --fix closes them', async () => {
    const { databaseUrl: url } = await createShared('reopened')
    await withClient(project.admin, async (c) => {
      await c.query('GRANT CONNECT, TEMPORARY ON DATABASE postgres TO PUBLIC')
      await c.query('GRANT CONNECT ON DATABASE template1 TO PUBLIC')
    })
    // Opened: the tenant's role gets in again.
    await withClient(onDatabase(url, 'postgres'), async () => {})
    const report = await runDoctor()
    const issue = report.issues.find((i) => i.code === 'MAINTENANCE_DB_OPEN')
    expect(issue?.message).toContain('postgres and template1')
    expect(report.remaining).toBeGreaterThan(0)
    const fixed = await runDoctor({ fix: true })
    expect(fixed.issues.find((i) => i.code === 'MAINTENANCE_DB_OPEN')?.fixed).toMatch(/revoked/)
    expect(fixed.remaining).toBe(0)
    await expect(withClient(onDatabase(url, 'postgres'), async () => {})).rejects.toMatchObject({
      details: { sqlstate: '42501' },
    })
    await login(url)
  })
})

describe('doctor and dedicated tenants', () => {
  it('after `db reset <tenant>` reports the missing role and database; --fix re-creates them with the profile password', async () => {
    await createDedicated('solo')
    const url = await databaseUrl('solo')
    await login(url, 'CREATE TABLE kept (id int)')
    await resetProjectServer({ ...settings, root: project.root, tenant: 'solo' })
    expect((await showTenant({ root: project.root, name: 'solo' })).live).toBe('missing')
    const report = await runDoctor()
    const drift = report.issues.find((i) => i.code === 'TENANT_DRIFT' && i.tenant === 'solo')
    expect(drift?.message).toMatch(/role .* and database .* are missing on the dedicated server/)
    // The fresh server has its maintenance databases open again: found there too.
    expect(codes(report)).toContain('MAINTENANCE_DB_OPEN')
    expect(report.remaining).toBeGreaterThan(0)

    const fixed = await runDoctor({ fix: true })
    expect(fixed.remaining, JSON.stringify(fixed.issues)).toBe(0)
    expect(fixed.issues.find((i) => i.code === 'TENANT_DRIFT')?.fixed).toMatch(/password in the profile/)
    // The profile is untouched and logs in again, into an empty database.
    expect(await databaseUrl('solo')).toBe(url)
    await login(url, 'CREATE TABLE fresh (id int)')
    await expect(withClient(onDatabase(url, 'postgres'), async () => {})).rejects.toMatchObject({
      details: { sqlstate: '42501' },
    })
    expect((await showTenant({ root: project.root, name: 'solo' })).live).toBe('ok')
    expect((await runDoctor()).issues).toEqual([])
  })

  it('reports a stopped server with its container state; --fix starts it', async () => {
    await createDedicated('halted')
    const url = await databaseUrl('halted')
    await stopServer({ ...settings, root: project.root, tenant: 'halted' })
    const report = await runDoctor()
    const down = report.issues.find((i) => i.code === 'TENANT_SERVER_DOWN')
    expect(down).toMatchObject({ tenant: 'halted', severity: 'error' })
    expect(down?.message).toMatch(/does not answer on 127\.0\.0\.1:\d+ \(its container \S+ is exited/)
    const fixed = await runDoctor({ fix: true })
    expect(fixed.remaining, JSON.stringify(fixed.issues)).toBe(0)
    expect(fixed.issues.find((i) => i.code === 'TENANT_SERVER_DOWN')?.fixed).toMatch(/^started on/)
    await login(url)
  })

  it('a server moved to another port: its URL is reported and --fix rewrites only the port', async () => {
    const made = await createDedicated('moved')
    const before = await readFile(secretsFile('moved'), 'utf8')
    const oldPort = parseDatabaseUrl(made.databaseUrl).port
    // What `db up moved --port N` does: the compose file and the server move, the profile does not.
    const moved = await composeServerProvider.dedicated({
      root: project.root,
      server: settings,
      tenant: 'moved',
      port: oldPort + 1,
    })
    expect(moved.port).toBe(oldPort + 1)
    // show reads the port the compose file declares: the server is found there.
    expect((await showTenant({ root: project.root, name: 'moved' })).live).toBe('ok')
    const report = await runDoctor()
    const wrong = report.issues.find((i) => i.code === 'TENANT_URL_WRONG_PORT')
    expect(wrong?.message).toContain(`points at port ${oldPort}, but the dedicated server`)
    expect(codes(report)).not.toContain('TENANT_DRIFT')
    const fixed = await runDoctor({ fix: true })
    expect(fixed.remaining, JSON.stringify(fixed.issues)).toBe(0)
    expect(await readFile(secretsFile('moved'), 'utf8')).toBe(
      before.replace(`@127.0.0.1:${oldPort}/`, `@127.0.0.1:${oldPort + 1}/`),
    )
    await login(await databaseUrl('moved'))
    expect((await runDoctor()).issues).toEqual([])
  })
})

describe('doctor and URLs on the wrong port (shared)', () => {
  it('rewrites the port of the URL only: every other byte of secrets.json and profile.yaml stays', async () => {
    const made = await createShared('drifted')
    const layout = projectLayout(project.root)
    const wrongPort = server.port === 65000 ? 65001 : 65000
    const original = await readFile(secretsFile('drifted'), 'utf8')
    const edited = original
      .replace(`@127.0.0.1:${server.port}/`, `@127.0.0.1:${wrongPort}/`)
      .replace('\n}', ',\n  "MY_CUSTOM": "kept as typed"\n}')
    await writeFile(secretsFile('drifted'), edited)
    const yaml = `${await readFile(layout.profileYaml('drifted'), 'utf8')}docker:\n  ready_timeout_seconds: 30\n`
    await writeFile(layout.profileYaml('drifted'), yaml)

    const report = await runDoctor()
    expect(report.issues.find((i) => i.code === 'TENANT_URL_WRONG_PORT')).toMatchObject({
      tenant: 'drifted',
      file: secretsFile('drifted'),
    })
    expect(report.remaining).toBeGreaterThan(0)
    const fixed = await runDoctor({ fix: true })
    expect(fixed.remaining).toBe(0)
    expect(await readFile(secretsFile('drifted'), 'utf8')).toBe(
      edited.replace(`:${wrongPort}/`, `:${server.port}/`),
    )
    expect((await stat(secretsFile('drifted'))).mode & 0o777).toBe(0o600)
    expect(await readFile(layout.profileYaml('drifted'), 'utf8')).toBe(yaml)
    await login(made.databaseUrl)
  })
})

describe('doctor and interrupted deletes', () => {
  it('--fix finishes a delete only when confirmed; without it the tenant and its data stay', async () => {
    const made = await createShared('half')
    await login(made.databaseUrl, 'CREATE TABLE precious (id int)')
    // What a delete that failed after marking the record leaves behind.
    await patchTenantRecord(projectLayout(project.root), 'half', { state: 'deleting' })

    const unconfirmed = await runDoctor({ fix: true })
    const issue = unconfirmed.issues.find((i) => i.code === 'TENANT_DELETING')
    expect(issue?.fixed).toBeUndefined()
    expect(issue?.fix).toContain('--yes')
    expect(issue?.fix).toContain('systemprompt cloud tenant delete half --yes')
    expect(unconfirmed.remaining).toBeGreaterThan(0)
    const declined = await runDoctor({ fix: true, confirmFinishDelete: async () => false })
    expect(declined.issues.find((i) => i.code === 'TENANT_DELETING')?.fixed).toBeUndefined()
    await login(made.databaseUrl, 'SELECT * FROM precious')

    const asked: string[] = []
    const confirmed = await runDoctor({
      fix: true,
      confirmFinishDelete: async (tenant) => {
        asked.push(tenant)
        return true
      },
    })
    expect(asked).toEqual(['half'])
    expect(confirmed.issues.find((i) => i.code === 'TENANT_DELETING')?.fixed).toBe('delete finished')
    expect(confirmed.remaining).toBe(0)
    expect((await readTenantsFile(projectLayout(project.root)))?.tenants).toEqual([])
    await expect(login(made.databaseUrl)).rejects.toBeDefined()
  })
})

describe('doctor and stale lock files', () => {
  /** A process that takes the lock through config's withFileLock and is killed while it holds it. */
  async function killWhileHolding(lockPath: string): Promise<number> {
    const script = `import { withFileLock } from '@systemprompt/config'
      await withFileLock(${JSON.stringify(lockPath)}, () => { console.log('held'); return new Promise(() => {}) })`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('held')) resolve()
      })
      child.on('error', reject)
      child.on('exit', () => reject(new Error('the lock holder exited before it held the lock')))
    })
    const gone = new Promise((resolve) => child.on('exit', resolve))
    child.kill('SIGKILL')
    await gone
    return child.pid as number
  }

  it('reports the lock of a killed run and --fix removes it; a lock whose holder runs stays', async () => {
    const layout = projectLayout(project.root)
    const dead = tenantLockPath(layout, 'killed')
    const pid = await killWhileHolding(dead)
    const live = join(layout.locksDir, 'profile-busy.lock')
    await withFileLock(live, async () => {
      const report = await runDoctor()
      const stale = report.issues.filter((i) => i.code === 'LOCK_STALE')
      expect(stale).toEqual([expect.objectContaining({ file: dead, severity: 'warning' })])
      expect(stale[0]?.message).toContain(`process ${pid}`)
      expect(report.remaining).toBe(0)
      const fixed = await runDoctor({ fix: true })
      expect(fixed.issues.find((i) => i.code === 'LOCK_STALE')?.fixed).toBe('removed')
      await expect(stat(dead)).rejects.toMatchObject({ code: 'ENOENT' })
      expect((await stat(live)).isFile()).toBe(true)
    })
    expect(codes(await runDoctor())).not.toContain('LOCK_STALE')
  })
})
