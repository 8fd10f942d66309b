/**
 * `db doctor` beyond the shared server (issue 8), through the real binary against the real engine: a
 * dedicated tenant whose server was reset or moved, and an interrupted delete, which --fix finishes only with
 * --yes. The deep proofs (every check, what exactly changes) are registry's doctor-dedicated test; here:
 * exit codes, envelopes, one slice per case. Each test makes the tenant it checks; the test settings
 * (cliTestEnv) suffix every Docker name and label it with this run; afterAll removes them by label.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { patchTenantRecord, projectLayout } from '@systemprompt/config'
import { parseDatabaseUrl, withClient } from '@systemprompt/pg'
import {
  type CliRun,
  cliTestEnv,
  freePort,
  newRunId,
  removeRun,
  runCli,
  tempDir,
} from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const RUN = newRunId()
const project = tempDir('sp-doctor-cli-')
const dataDir = tempDir('sp-doctor-cli-data-')
const env = { ...cliTestEnv(RUN), SYSTEMPROMPT_DATA_DIR: dataDir.path }

function cli(args: string[]): CliRun {
  return runCli(args, { cwd: project.path, env })
}

function secretsOf(profile: string): { database_url: string } {
  return JSON.parse(
    readFileSync(join(project.path, '.systemprompt', 'profiles', profile, 'secrets.json'), 'utf8'),
  )
}

function tenantNames(): string[] {
  const file = JSON.parse(readFileSync(join(project.path, '.systemprompt', 'tenants.json'), 'utf8'))
  return file.tenants.map((t: { name: string }) => t.name)
}

async function login(url: string): Promise<void> {
  await withClient(parseDatabaseUrl(url), (c) => c.query('SELECT 1'))
}

type Issue = { code: string; tenant?: string; fix: string; fixed?: string }

function issuesOf(run: CliRun): Issue[] {
  return run.json?.error?.details?.issues ?? run.json?.result?.issues ?? []
}

async function createDedicated(name: string): Promise<void> {
  const port = await freePort()
  const run = cli([
    'cloud',
    'tenant',
    'create',
    '--name',
    name,
    '--database',
    'dedicated',
    '--port',
    String(port),
    '--yes',
    '--json',
  ])
  expect(run.status, run.stdout + run.stderr).toBe(0)
}

beforeAll(() => {
  expect(cli(['init', '--json']).status).toBe(0)
})

afterAll(() => {
  removeRun(RUN)
  project.remove()
  dataDir.remove()
})

describe('db doctor and dedicated tenants', () => {
  it('after `db reset <tenant> --yes`: show says missing, doctor exits 3, --fix makes the profile log in again', async () => {
    await createDedicated('solo')
    const url = secretsOf('solo').database_url
    expect(cli(['db', 'reset', 'solo', '--yes', '--json']).status).toBe(0)
    expect(cli(['cloud', 'tenant', 'show', 'solo', '--json']).json?.result.live).toBe('missing')

    const report = cli(['db', 'doctor', '--json'])
    expect(report.status, report.stdout).toBe(3)
    expect(report.json?.error.code).toBe('DOCTOR_FOUND_PROBLEMS')
    expect(issuesOf(report)).toContainEqual(expect.objectContaining({ code: 'TENANT_DRIFT', tenant: 'solo' }))
    const fixed = cli(['db', 'doctor', '--fix', '--json'])
    expect(fixed.status, fixed.stdout + fixed.stderr).toBe(0)
    expect(secretsOf('solo').database_url).toBe(url)
    await login(url)
    expect(cli(['cloud', 'tenant', 'show', 'solo', '--json']).json?.result.live).toBe('ok')
    expect(cli(['db', 'doctor', '--json']).status).toBe(0)

    // `db up <tenant> --port N` moves the server, not the profile: the URL's port is reported and fixed.
    const port = await freePort()
    expect(cli(['db', 'up', 'solo', '--port', String(port), '--json']).status).toBe(0)
    const moved = cli(['db', 'doctor', '--json'])
    expect(moved.status).toBe(3)
    expect(issuesOf(moved)).toContainEqual(
      expect.objectContaining({ code: 'TENANT_URL_WRONG_PORT', tenant: 'solo' }),
    )
    expect(cli(['db', 'doctor', '--fix', '--json']).status).toBe(0)
    expect(new URL(secretsOf('solo').database_url).port).toBe(String(port))
    await login(secretsOf('solo').database_url)
  })

  it('an interrupted delete: --fix without --yes (no terminal) reports it, exit 3; --fix --yes finishes it', async () => {
    await createDedicated('half')
    const url = secretsOf('half').database_url
    // What a delete that failed after marking the record leaves behind.
    await patchTenantRecord(projectLayout(project.path), 'half', { state: 'deleting' })

    const refused = cli(['db', 'doctor', '--fix', '--json'])
    expect(refused.status, refused.stdout).toBe(3)
    const issue = issuesOf(refused).find((i) => i.code === 'TENANT_DELETING')
    expect(issue?.fixed).toBeUndefined()
    expect(issue?.fix).toContain('systemprompt db doctor --fix --yes')
    expect(issue?.fix).toContain('systemprompt cloud tenant delete half --yes')
    expect(tenantNames()).toContain('half')
    await login(url)

    const finished = cli(['db', 'doctor', '--fix', '--yes', '--json'])
    expect(finished.status, finished.stdout + finished.stderr).toBe(0)
    expect(issuesOf(finished).find((i) => i.code === 'TENANT_DELETING')?.fixed).toBe('delete finished')
    expect(tenantNames()).not.toContain('half')
    await expect(login(url)).rejects.toBeDefined()
  })
})
