/**
 * Project identity survives copies (issue 8, case 7), through the real binary against the real engine and a
 * real PostgreSQL: a copy (`cp -a`) of a project keeps its project id, so its tenant records name the
 * original's databases. Commands that change tenants or servers refuse to run in it (PROJECT_COPIED, exit 6)
 * and the original's data stays; read-only commands work with the copy notice; `config new-id` gives the
 * copy its own id, after which it creates its own tenants. A moved project is no copy. Every test has its own
 * projects, its own data dir (SYSTEMPROMPT_DATA_DIR: the project index lives there) and its own shared
 * server (its own instance suffix); afterAll removes the run's Docker objects by label. The file-level
 * details (dedicated tenants' files, other profiles, external tenants) are registry's renew-id test.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseDatabaseUrl, withClient } from '@systemprompt/pg'
import {
  type CliRun,
  cliTestEnv,
  freePort,
  newRunId,
  removeRun,
  runCli,
  type TempDir,
  tempDir,
} from '@systemprompt/testkit'
import { afterAll, afterEach, describe, expect, it } from 'vitest'

const RUN = newRunId()
let serial = 0
const dirs: TempDir[] = []

afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove()
})
afterAll(() => {
  removeRun(RUN)
})

interface World {
  base: string
  env: Record<string, string>
  cli(root: string, args: string[]): CliRun
}

/** A base directory, a data dir of its own and a shared server of its own (instance suffix) for one test. */
function world(): World {
  const dir = tempDir('sp-new-id-')
  dirs.push(dir)
  serial += 1
  const env = {
    ...cliTestEnv(RUN, `${RUN}-${serial}`),
    SYSTEMPROMPT_DATA_DIR: join(dir.path, 'data'),
  }
  return {
    base: dir.path,
    env,
    cli: (root, args) => runCli(args, { cwd: root, env }),
  }
}

function ok(run: CliRun): CliRun {
  expect(run.status, run.stderr + run.stdout).toBe(0)
  return run
}

/** `init` in `<base>/<name>` with a shared server of its own port and admin password. */
async function initProject(w: World, name: string): Promise<string> {
  const root = join(w.base, name)
  execFileSync('mkdir', ['-p', root])
  ok(w.cli(root, ['init', '--json']))
  writeFileSync(
    join(root, '.systemprompt', 'docker', 'shared_config.json'),
    JSON.stringify({
      admin_password: randomBytes(18).toString('base64url'),
      port: await freePort(),
      tenant_databases: [],
    }),
    { mode: 0o600 },
  )
  return root
}

function tenantsOf(root: string): { project_id: string; tenants: { name: string }[] } {
  return JSON.parse(readFileSync(join(root, '.systemprompt', 'tenants.json'), 'utf8'))
}

function urlOf(root: string, profile: string): string {
  const file = join(root, '.systemprompt', 'profiles', profile, 'secrets.json')
  return (JSON.parse(readFileSync(file, 'utf8')) as { database_url: string }).database_url
}

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  return (await withClient(parseDatabaseUrl(url), (c) => c.query(sql))).rows
}

async function marker(root: string, tenant: string): Promise<string[]> {
  return (await query(urlOf(root, tenant), 'SELECT v FROM marker ORDER BY v')).map((r) => String(r.v))
}

/** Project A with a shared tenant `t` whose database holds a marker row, and B = `cp -a A`. */
async function copiedProject(w: World): Promise<{ a: string; b: string }> {
  const a = await initProject(w, 'a')
  ok(w.cli(a, ['cloud', 'tenant', 'create', '--name', 't', '--database', 'shared', '--yes', '--json']))
  await query(urlOf(a, 't'), "CREATE TABLE marker (v text); INSERT INTO marker VALUES ('from A')")
  const b = join(w.base, 'b')
  execFileSync('cp', ['-a', a, b])
  return { a, b }
}

function real(path: string): string {
  return realpathSync(path)
}

/** The run warned that its project is a copy. */
function noticeOf(run: CliRun): boolean {
  return ((run.json?.warnings ?? []) as string[]).some((w) => w.includes('is a copy'))
}

function expectCopied(run: CliRun, original: string): void {
  expect(run.status, run.stderr + run.stdout).toBe(6)
  expect(run.json?.error.code).toBe('PROJECT_COPIED')
  expect(run.json?.error.message).toContain(real(original))
  expect(run.json?.error.fix).toContain('systemprompt config new-id')
}

describe('a copied project', () => {
  it('refuses every command that changes tenants or servers; the original keeps its data', async () => {
    const w = world()
    const { a, b } = await copiedProject(w)
    expectCopied(w.cli(b, ['cloud', 'tenant', 'delete', 't', '--yes', '--json']), a)
    expectCopied(w.cli(b, ['db', 'reset', '--yes', '--json']), a)
    expectCopied(w.cli(b, ['db', 'doctor', '--fix', '--json']), a)
    expectCopied(w.cli(b, ['db', 'up', '--json']), a)
    expectCopied(w.cli(b, ['db', 'down', '--json']), a)
    expectCopied(w.cli(b, ['cloud', 'profile', 'delete', 't', '--yes', '--json']), a)
    expectCopied(w.cli(b, ['cloud', 'tenant', 'create', '--name', 'u', '--yes', '--json']), a)
    // The human form: the error and its fix on stderr.
    const human = w.cli(b, ['cloud', 'tenant', 'delete', 't', '--yes'])
    expect(human.status).toBe(6)
    expect(human.stderr).toContain('PROJECT_COPIED')
    expect(human.stderr).toContain('systemprompt config new-id')
    expect(await marker(a, 't')).toEqual(['from A'])
    expect(tenantsOf(b).tenants.map((t) => t.name)).toEqual(['t'])
    // The original is not affected: it still changes its own servers.
    ok(w.cli(a, ['db', 'up', '--json']))
  })

  it('still runs read-only commands, with the copy notice as a warning until config new-id', async () => {
    const w = world()
    const { a, b } = await copiedProject(w)
    for (const args of [
      ['db', 'list', '--json'],
      ['db', 'status', '--json'],
      ['cloud', 'tenant', 'list', '--json'],
      ['cloud', 'tenant', 'show', 't', '--json'],
    ]) {
      const warnings = ok(w.cli(b, args)).json?.warnings.join('\n')
      expect(warnings, args.join(' ')).toContain(`project id ${tenantsOf(a).project_id} of ${real(a)}`)
      expect(warnings, args.join(' ')).toContain('systemprompt config new-id')
    }
    const human = ok(w.cli(b, ['db', 'list']))
    expect(human.stderr).toMatch(/Warning: .*is a copy/)
    // A listing that fails still gives the notice first: it comes before the error, never after it.
    const sharedConfig = join(b, '.systemprompt', 'docker', 'shared_config.json')
    const kept = readFileSync(sharedConfig, 'utf8')
    writeFileSync(sharedConfig, '{ "port": ')
    const broken = w.cli(b, ['cloud', 'tenant', 'list'])
    writeFileSync(sharedConfig, kept)
    expect(broken.status).not.toBe(0)
    const notice = broken.stderr.search(/Warning: .*is a copy/)
    expect(notice, broken.stderr).toBeGreaterThanOrEqual(0)
    expect(broken.stderr.indexOf('shared_config.json', notice), broken.stderr).toBeGreaterThan(notice)
    // db doctor without --fix reports (its exit code is about problems found), and warns.
    const doctor = w.cli(b, ['db', 'doctor', '--json'])
    expect(doctor.json?.error?.code).not.toBe('PROJECT_COPIED')
    expect(doctor.json?.warnings.join('\n')).toContain('is a copy')
    // The original runs without the notice.
    expect(noticeOf(ok(w.cli(a, ['db', 'list', '--json'])))).toBe(false)
    // The fix named in the notice: the human form says what it forgot and how to recreate it.
    const renewed = ok(w.cli(b, ['config', 'new-id', '--yes']))
    expect(renewed.stdout).toMatch(/New project id [0-9a-f]{8} \(was [0-9a-f]{8}\)/)
    expect(renewed.stdout).toContain(`Forgot tenant t (shared, database sp_t_${tenantsOf(a).project_id})`)
    expect(renewed.stdout).toContain('systemprompt cloud tenant create t --database shared')
    expect(noticeOf(ok(w.cli(b, ['db', 'list', '--json'])))).toBe(false)
  })

  it('config new-id gives the copy its own id and no tenants; then it makes its own', async () => {
    const w = world()
    const { a, b } = await copiedProject(w)
    const oldId = tenantsOf(a).project_id
    const oldUrl = urlOf(b, 't')
    // Needs --yes without a terminal.
    const unconfirmed = w.cli(b, ['config', 'new-id', '--json'])
    expect(unconfirmed.status).toBe(3)
    expect(unconfirmed.json?.error.code).toBe('CONFIRMATION_REQUIRED')
    expect(tenantsOf(b).project_id).toBe(oldId)

    const renewed = ok(w.cli(b, ['config', 'new-id', '--yes', '--json']))
    const newId = tenantsOf(b).project_id
    expect(newId).not.toBe(oldId)
    expect(renewed.json?.result).toMatchObject({
      previousId: oldId,
      projectId: newId,
      copyOf: real(a),
      forgotten: [{ name: 't', database: 'shared' }],
      clearedProfiles: ['t'],
    })
    expect(tenantsOf(b).tenants).toEqual([])
    const shared = JSON.parse(readFileSync(join(b, '.systemprompt', 'docker', 'shared_config.json'), 'utf8'))
    expect(shared.tenant_databases).toEqual([])
    // The copied URL no longer carries the password that opens A's database.
    expect(new URL(urlOf(b, 't')).password).toBe('')
    expect(urlOf(b, 't')).toBe(oldUrl.replace(/:[^:@/]+@/, '@'))
    // The original is untouched.
    expect(tenantsOf(a).project_id).toBe(oldId)
    expect(tenantsOf(a).tenants.map((t) => t.name)).toEqual(['t'])
    expect(await marker(a, 't')).toEqual(['from A'])
    // No longer a copy: no notice.
    expect(noticeOf(ok(w.cli(b, ['db', 'list', '--json'])))).toBe(false)

    // B now has its own tenants: same name, its own database on the same shared server.
    ok(w.cli(b, ['cloud', 'tenant', 'create', '--name', 't', '--database', 'shared', '--yes', '--json']))
    expect(new URL(urlOf(b, 't')).username).toBe(`sp_t_${newId}`)
    await expect(query(urlOf(b, 't'), 'SELECT v FROM marker')).rejects.toThrow(/marker/)
    ok(w.cli(b, ['cloud', 'tenant', 'delete', 't', '--yes', '--json']))
    expect(await marker(a, 't')).toEqual(['from A'])
    ok(w.cli(a, ['cloud', 'tenant', 'list', '--json']))
  })
})

describe('a copy made right after init', () => {
  it('is one: init records the project, so the copy is refused before it has any tenant', async () => {
    const w = world()
    const a = await initProject(w, 'a')
    const b = join(w.base, 'b')
    execFileSync('cp', ['-a', a, b])
    expectCopied(
      w.cli(b, ['cloud', 'tenant', 'create', '--name', 't', '--database', 'shared', '--yes', '--json']),
      a,
    )
    expect(tenantsOf(b).tenants).toEqual([])
  }, 120_000)
})

describe('not a copy', () => {
  it('a moved project (mv) is the same project: its commands run', async () => {
    const w = world()
    const a = await initProject(w, 'a')
    ok(w.cli(a, ['cloud', 'tenant', 'create', '--name', 't', '--database', 'shared', '--yes', '--json']))
    const moved = join(w.base, 'moved')
    renameSync(a, moved)
    expect(noticeOf(ok(w.cli(moved, ['db', 'list', '--json'])))).toBe(false)
    ok(w.cli(moved, ['cloud', 'tenant', 'delete', 't', '--yes', '--json']))
    expect(tenantsOf(moved).tenants).toEqual([])
  })

  it('config new-id refuses without --force and explains it; --force renews the id', async () => {
    const w = world()
    const a = await initProject(w, 'a')
    const id = tenantsOf(a).project_id
    const refused = w.cli(a, ['config', 'new-id', '--yes', '--json'])
    expect(refused.status).toBe(3)
    expect(refused.json?.error.code).toBe('PROJECT_NOT_A_COPY')
    expect(refused.json?.error.fix).toContain('--force')
    expect(tenantsOf(a).project_id).toBe(id)
    const forced = ok(w.cli(a, ['config', 'new-id', '--force', '--yes', '--json']))
    expect(forced.json?.result).toMatchObject({ previousId: id, forgotten: [] })
    expect(tenantsOf(a).project_id).not.toBe(id)
    // Bound under the new id only: the project is no copy of itself.
    const index = JSON.parse(
      readFileSync(join(w.env.SYSTEMPROMPT_DATA_DIR as string, 'projects.json'), 'utf8'),
    )
    expect(index.projects).toEqual([expect.objectContaining({ id: tenantsOf(a).project_id, root: real(a) })])
  })
})
