/**
 * `cloud tenant delete` names everything it removes (issue 8): the database and role, or the dedicated
 * server's container and volume; the profile directory and its secrets.json with the keys the user added
 * (unless --keep-profile); the records. In the confirmation (the same text the terminal prompt shows), in the
 * human output of --yes and in --json. Real binary, real engine, real PostgreSQL (cliTestEnv labels all).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type CliRun,
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
const API_KEY = `sk-ant-${RUN}-never-printed`
let project: TempDir

function cli(args: string[]): CliRun {
  return runCli(args, { cwd: project.path, env })
}

function create(name: string, ...extra: string[]): void {
  const run = cli(['cloud', 'tenant', 'create', '--name', name, '--yes', '--json', ...extra])
  expect(run.status, run.stdout + run.stderr).toBe(0)
}

function tenant(name: string): { database_name?: string; role_name?: string } {
  const file = JSON.parse(readFileSync(join(project.path, '.systemprompt', 'tenants.json'), 'utf8'))
  return file.tenants.find((t: { name: string }) => t.name === name)
}

/** The user adds keys of their own to the profile's secrets.json (what delete must warn about). */
function addKeys(profile: string): void {
  const file = join(project.path, '.systemprompt', 'profiles', profile, 'secrets.json')
  const secrets = JSON.parse(readFileSync(file, 'utf8'))
  writeFileSync(file, JSON.stringify({ ...secrets, anthropic_api_key: API_KEY, MY_TOKEN: API_KEY }, null, 2))
}

beforeAll(async () => {
  project = tempDir('sp-delete-')
  expect(runCli(['init'], { cwd: project.path }).status).toBe(0)
  // The shared server of this test on a port of its own: 5432 may be another test's (or the user's).
  const up = cli(['db', 'up', '--port', String(await freePort()), '--json'])
  expect(up.status, up.stdout + up.stderr).toBe(0)
}, 120_000)

afterAll(() => {
  removeRun(RUN)
  project?.remove()
})

describe('cloud tenant delete names what it removes', () => {
  it('shared: the confirmation names database, role, profile directory, its keys and the records', () => {
    create('acme')
    addKeys('acme')
    const { database_name: database, role_name: role } = tenant('acme')

    const refused = cli(['cloud', 'tenant', 'delete', 'acme', '--json'])
    expect(refused.status).toBe(3)
    expect(refused.json?.error.code).toBe('CONFIRMATION_REQUIRED')
    const asked = String(refused.json?.error.message)
    for (const part of [
      `database ${database}`,
      `role ${role}`,
      'profile directory .systemprompt/profiles/acme/ with its secrets.json',
      'anthropic_api_key',
      'MY_TOKEN',
      'tenants.json and shared_config.json',
    ])
      expect(asked).toContain(part)
    expect(refused.stdout + refused.stderr).not.toContain(API_KEY)

    // --yes: the human output says the same, line by line.
    const done = cli(['cloud', 'tenant', 'delete', 'acme', '--yes'])
    expect(done.status, done.stderr).toBe(0)
    expect(done.stdout).toContain(`Removed database ${database}`)
    expect(done.stdout).toContain(`Removed role ${role}`)
    expect(done.stdout).toMatch(
      /Removed profile directory \.systemprompt\/profiles\/acme\/ with its secrets\.json \(.*anthropic_api_key.*MY_TOKEN.*\)/,
    )
    expect(done.stdout).toContain("Removed the tenant's records in tenants.json and shared_config.json")
    expect(done.stdout + done.stderr).not.toContain(API_KEY)
  })

  it('--yes --json: result.removed lists each item; --keep-profile moves the profile to kept', () => {
    create('beta')
    create('gamma')
    addKeys('gamma')
    const beta = cli(['cloud', 'tenant', 'delete', 'beta', '--yes', '--json'])
    expect(beta.status, beta.stderr).toBe(0)
    expect(beta.json?.result.removed.map((r: { what: string }) => r.what)).toEqual([
      'database',
      'role',
      'profile',
      'records',
    ])
    expect(beta.json?.result.kept).toEqual([])

    const asked = cli(['cloud', 'tenant', 'delete', 'gamma', '--keep-profile', '--json'])
    expect(asked.json?.error.message).not.toContain('profile directory')
    const gamma = cli(['cloud', 'tenant', 'delete', 'gamma', '--keep-profile', '--yes', '--json'])
    expect(gamma.status, gamma.stderr).toBe(0)
    expect(gamma.json?.result.removed.map((r: { what: string }) => r.what)).toEqual([
      'database',
      'role',
      'records',
    ])
    expect(gamma.json?.result.kept).toEqual([
      { what: 'profile', name: 'gamma', keys: expect.arrayContaining(['anthropic_api_key', 'MY_TOKEN']) },
    ])
    expect(gamma.stdout).not.toContain(API_KEY)
  })

  it('dedicated: the confirmation names the container and the data volume the engine has', async () => {
    create('solo', '--database', 'dedicated', '--port', String(await freePort()))
    const filter = [
      '--filter',
      `label=systemprompt.test-run=${RUN}`,
      '--filter',
      'label=systemprompt.tenant=solo',
    ]
    const container = docker(['ps', '-a', ...filter, '--format', '{{.Names}}'])
    const volume = docker(['volume', 'ls', ...filter, '--format', '{{.Name}}'])
    expect(container).not.toBe('')
    expect(volume).not.toBe('')

    const asked = cli(['cloud', 'tenant', 'delete', 'solo', '--json'])
    expect(asked.json?.error.code).toBe('CONFIRMATION_REQUIRED')
    expect(asked.json?.error.message).toContain(`PostgreSQL container ${container}`)
    expect(asked.json?.error.message).toContain(`volume ${volume} (all of the tenant's data)`)
    expect(asked.json?.error.message).toContain('profile directory .systemprompt/profiles/solo/')

    const done = cli(['cloud', 'tenant', 'delete', 'solo', '--yes', '--json'])
    expect(done.status, done.stderr).toBe(0)
    expect(done.json?.result.removed).toEqual([
      { what: 'container', name: container },
      { what: 'volume', name: volume },
      { what: 'profile', name: 'solo', keys: expect.any(Array) },
      { what: 'records', name: 'tenants.json' },
    ])
    expect(docker(['ps', '-a', ...filter, '--format', '{{.Names}}'])).toBe('')
  })
})
