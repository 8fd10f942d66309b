/**
 * Issue 8, through the real binary: several projects on one engine, each may have a dedicated tenant `dedi`.
 * Project A makes its server once and writes a marker row into it; every test does something in ANOTHER
 * project (B, C, ...) and then proves that A's container is the same one, still running, with the marker.
 * The deep proofs (ownership of every object, adoption of old servers, the port lock) are the postgres
 * package's (dedicated-projects.integration.test.ts); here: the commands a user runs, their exit codes and
 * envelopes. The test settings (cliTestEnv) suffix every Docker name and label it with this run.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { withClient } from '@systemprompt/pg'
import {
  type CliRun,
  childEnv,
  cliTestEnv,
  docker,
  freePort,
  newRunId,
  removeRun,
  runCli,
  spawnCli,
  type TempProject,
  tempDir,
  tempProject,
} from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = newRunId()
const TENANT = 'dedi'
/** Several CLI runs that each start a server: on a busy 2-core machine more than the default budget. */
const SLOW = 300_000
// One per-user data directory for every project of the file: the same user, one machine.
const dataDir = tempDir('sp-multi-data-')
const env = { ...cliTestEnv(run), SYSTEMPROMPT_DATA_DIR: dataDir.path }
const projects: TempProject[] = []
let a: TempProject
let containerA: string
let idOfA: string

function newProject(): TempProject {
  const p = tempProject({ prefix: 'sp-multi-' })
  projects.push(p)
  return p
}

function cli(p: TempProject, args: string[]): CliRun {
  return runCli(args, { cwd: p.path, env })
}

function createDedicated(p: TempProject): CliRun {
  const made = cli(p, [
    'cloud',
    'tenant',
    'create',
    '--name',
    TENANT,
    '--database',
    'dedicated',
    '--yes',
    '--json',
  ])
  expect(made.status, made.stderr + made.stdout).toBe(0)
  return made
}

function tenantsOf(p: TempProject): { project_id: string; tenants: { name: string; port?: number }[] } {
  return JSON.parse(readFileSync(join(p.dir, 'tenants.json'), 'utf8'))
}

function containerOf(p: TempProject): string {
  return `systemprompt-postgres-${TENANT}-${tenantsOf(p).project_id}-${run}`
}

/** SQL as the admin of a project's dedicated server (its password file, the port its record names). */
async function adminSql(p: TempProject, sql: string): Promise<Record<string, unknown>[]> {
  const port = tenantsOf(p).tenants.find((t) => t.name === TENANT)?.port
  const password = readFileSync(join(p.dir, 'docker', '.secrets', `${TENANT}.password`), 'utf8')
  const target = {
    host: '127.0.0.1',
    port: Number(port),
    user: 'systemprompt_admin',
    password,
    database: 'postgres',
  }
  return (await withClient(target, (c) => c.query(sql))).rows
}

/** A's server is the one it made, running, with its data. */
async function expectAIntact(): Promise<void> {
  expect(docker(['inspect', '-f', '{{.Id}} {{.State.Running}}', containerA])).toBe(`${idOfA} true`)
  expect(await adminSql(a, 'SELECT v FROM marker')).toEqual([{ v: 'a' }])
}

beforeAll(async () => {
  a = newProject()
  const made = createDedicated(a)
  containerA = containerOf(a)
  expect(made.json?.result.tenant).toMatchObject({ name: TENANT, database: 'dedicated', state: 'ready' })
  idOfA = docker(['inspect', '-f', '{{.Id}}', containerA])
  await adminSql(a, 'CREATE TABLE marker (v text)')
  await adminSql(a, "INSERT INTO marker VALUES ('a')")
}, SLOW)

afterAll(() => {
  removeRun(run)
  for (const p of projects) p.remove()
  dataDir.remove()
})

describe('a dedicated tenant of the same name in two projects (real binary)', () => {
  it(
    "case 1: B's create gets B's own server; B's delete and doctor --fix never touch A's",
    async () => {
      const b = newProject()
      createDedicated(b)
      const containerB = containerOf(b)
      expect(containerB).not.toBe(containerA)
      expect(docker(['inspect', '-f', '{{.State.Running}}', containerB])).toBe('true')
      expect(tenantsOf(b).tenants[0]?.port).not.toBe(tenantsOf(a).tenants[0]?.port)

      const deleted = cli(b, ['cloud', 'tenant', 'delete', TENANT, '--yes', '--json'])
      expect(deleted.status, deleted.stderr).toBe(0)
      expect(deleted.json?.result).toMatchObject({ removedServer: true, skippedServerObjects: [] })
      expect(() => docker(['inspect', containerB])).toThrow()
      await expectAIntact()

      // What the failed create of the old code left in B: a pending record, nothing else. Undoing it removes
      // B's names only.
      const now = new Date().toISOString()
      const file = tenantsOf(b)
      const pending = { name: TENANT, database: 'dedicated', state: 'pending', profile: TENANT }
      writeFileSync(
        join(b.dir, 'tenants.json'),
        JSON.stringify({ ...file, tenants: [{ ...pending, created_at: now, updated_at: now }] }),
        { mode: 0o600 },
      )
      const doctor = cli(b, ['db', 'doctor', '--fix', '--json'])
      expect(doctor.stdout + doctor.stderr).toContain('TENANT_PENDING')
      expect(tenantsOf(b).tenants).toEqual([])
      await expectAIntact()
    },
    SLOW,
  )

  it('case 2: `db reset dedi` in a project without that tenant (a stray password file) is TENANT_NOT_FOUND', async () => {
    const c = newProject()
    mkdirSync(join(c.dir, 'docker', '.secrets'), { recursive: true, mode: 0o700 })
    writeFileSync(join(c.dir, 'docker', '.secrets', `${TENANT}.password`), 'x', { mode: 0o600 })
    const reset = cli(c, ['db', 'reset', TENANT, '--yes', '--json'])
    expect(reset.status).toBe(3)
    expect(reset.json?.error).toMatchObject({
      code: 'TENANT_NOT_FOUND',
      fix: expect.stringContaining(`systemprompt cloud tenant create --name ${TENANT} --database dedicated`),
    })
    await expectAIntact()
  })

  it(
    'case 6: `db down|status|logs dedi` in a project without that tenant: TENANT_NOT_FOUND, no invented port',
    async () => {
      const c = newProject()
      for (const verb of ['down', 'status', 'logs', 'up']) {
        const result = cli(c, ['db', verb, TENANT, '--json'])
        expect(result.status, `${verb}: ${result.stdout}`).toBe(3)
        expect(result.json?.error.code, verb).toBe('TENANT_NOT_FOUND')
        expect(result.json?.result, verb).toBeUndefined()
      }
      // Plain output too: one error line, nothing that looks like a server of this project.
      const plain = cli(c, ['db', 'status', TENANT])
      expect(plain.status).toBe(3)
      expect(plain.stdout).not.toContain('Port:')
      await expectAIntact()

      // A's own status says whose the server is.
      const own = cli(a, ['db', 'status', TENANT, '--json'])
      expect(own.json?.result).toMatchObject({
        containerName: containerA,
        state: 'running',
        owner: { projectId: tenantsOf(a).project_id, projectDir: a.path },
      })
      expect(cli(a, ['db', 'status', TENANT]).stdout).toMatch(/Owner: +project \w+ \(.+\): this project/)
    },
    SLOW,
  )

  it(
    "case 8: `docker-compose -f A/dedi.yaml down --remove-orphans` removes A's dedicated container only",
    async () => {
      const b = newProject()
      createDedicated(b)
      const containerB = containerOf(b)
      const up = cli(a, ['db', 'up', '--port', String(await freePort()), '--json'])
      expect(up.status, up.stderr).toBe(0)
      const shared = up.json?.result.container as string
      expect(readFileSync(join(a.dir, 'docker', '.env'), 'utf8')).toContain(
        `COMPOSE_PROJECT_NAME=systemprompt-${tenantsOf(a).project_id}`,
      )

      await promisify(execFile)(
        '/usr/bin/docker-compose',
        ['-f', join(a.dir, 'docker', `${TENANT}.yaml`), 'down', '--remove-orphans'],
        { cwd: a.path, env: childEnv() },
      )
      expect(() => docker(['inspect', containerA])).toThrow()
      expect(docker(['inspect', '-f', '{{.State.Running}}', containerB])).toBe('true')
      expect(docker(['inspect', '-f', '{{.State.Running}}', shared])).toBe('true')

      // `down` keeps the volume: A's next `db up dedi` has the data back.
      const again = cli(a, ['db', 'up', TENANT, '--json'])
      expect(again.status, again.stderr).toBe(0)
      expect(again.json?.result).toMatchObject({ container: containerA, action: 'created' })
      idOfA = docker(['inspect', '-f', '{{.Id}}', containerA])
      await expectAIntact()
    },
    SLOW,
  )

  it(
    'case 9: dedicated creates in two projects at the same time both succeed, on different ports',
    async () => {
      const d = newProject()
      const e = newProject()
      const args = [
        'cloud',
        'tenant',
        'create',
        '--name',
        TENANT,
        '--database',
        'dedicated',
        '--yes',
        '--json',
      ]
      const [madeD, madeE] = await Promise.all([
        spawnCli(args, { cwd: d.path, env }),
        spawnCli(args, { cwd: e.path, env }),
      ])
      expect(madeD.status, madeD.stdout + madeD.stderr).toBe(0)
      expect(madeE.status, madeE.stdout + madeE.stderr).toBe(0)
      expect(madeD.json?.result.tenant.port).not.toBe(madeE.json?.result.tenant.port)
      await expectAIntact()
    },
    SLOW,
  )
})
