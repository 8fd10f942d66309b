import { readFile, stat } from 'node:fs/promises'
import {
  loadProfile,
  loadSecrets,
  projectLayout,
  readOptionalJsonFile,
  readTenantsFile,
  SharedConfigSchema,
} from '@systemprompt/config'
import { parseDatabaseUrl, withClient } from '@systemprompt/pg'
import { snapshotTree } from '@systemprompt/testkit'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { listServerDatabases, listServerRoles } from '../server/inventory.js'
import { startTestPostgres, type TestPostgres } from '../test-support/postgres.js'
import { makeTestProject, type TestProject } from '../test-support/project.js'
import { CREATE_STEPS, type CreateStep, createTenant } from './create.js'
import { listSharedDatabases } from './databases.js'
import { deleteTenant } from './delete.js'
import { doctor } from './doctor.js'
import { listTenants, showTenant } from './list.js'

// One server for the file; every test gets a project of its own (its own project id, so its own database
// names), makes the tenants it checks, and never sees what another test made.
let server: TestPostgres
let project: TestProject
let id: string
let projects = 0

async function serverNames(): Promise<{ databases: string[]; roles: string[] }> {
  return withClient({ ...project.admin }, async (c) => ({
    databases: (await listServerDatabases(c)).map((d) => d.name),
    roles: (await listServerRoles(c, 'sp_')).map((r) => r.name),
  }))
}

beforeAll(async () => {
  server = await startTestPostgres('tenants')
})

beforeEach(async () => {
  projects += 1
  id = `test${String(projects).padStart(4, '0')}`
  project = await makeTestProject(server, id)
})

afterEach(async () => {
  await project?.remove()
})

afterAll(async () => {
  await server?.stop()
})

/** A ready shared tenant of the current project. */
function create(name: string) {
  return createTenant({ root: project.root, name, database: 'shared', servers: project.servers })
}

/** The drift `db list` and `doctor` report: an orphan, a hand-made database, a foreign one, a missing one. */
async function makeDrift(): Promise<void> {
  await create('alpha')
  await create('con-15')
  await withClient(project.admin, async (c) => {
    // An orphan as an interrupted run of this tool leaves it (role + database of the same name) ...
    await c.query(`CREATE ROLE sp_ghost_${id} LOGIN`)
    await c.query(`CREATE DATABASE sp_ghost_${id} OWNER sp_ghost_${id}`)
    // ... and one made by hand with our suffix, which is never dropped.
    await c.query(`CREATE DATABASE sp_handmade_${id}`)
    await c.query(`CREATE DATABASE other_project_${id}`)
    await c.query(`DROP DATABASE sp_con_15_${id} WITH (FORCE)`)
  })
}

describe('createTenant (shared)', () => {
  it('creates role, database, records and profile; DATABASE_URL logs in on 127.0.0.1', async () => {
    const result = await createTenant({
      root: project.root,
      name: 'alpha',
      database: 'shared',
      servers: project.servers,
    })
    expect(result.tenant).toMatchObject({ name: 'alpha', state: 'ready', database_name: `sp_alpha_${id}` })
    const layout = projectLayout(project.root)
    const secrets = await loadSecrets(layout.profileSecrets('alpha'))
    expect(secrets.jwt_secret).toMatch(/^[0-9a-f]{64}$/)
    expect(secrets.anthropic_api_key).toBeNull()
    const target = parseDatabaseUrl(secrets.database_url)
    expect(target).toMatchObject({ host: '127.0.0.1', port: server.port, user: `sp_alpha_${id}` })
    const who = await withClient(target, (c) => c.query<{ u: string }>('SELECT current_user AS u'))
    expect(who.rows[0]?.u).toBe(`sp_alpha_${id}`)
    expect((await stat(layout.profileSecrets('alpha'))).mode & 0o777).toBe(0o600)
    expect((await stat(layout.tenantsFile)).mode & 0o777).toBe(0o600)
    expect((await stat(layout.sharedConfig)).mode & 0o777).toBe(0o600)
    expect((await loadProfile(layout.profileYaml('alpha'))).tenant).toBe('alpha')
    // The profile's image files come with it (issue 10); `local` only by name, so this one is production.
    expect(await readFile(layout.profileDockerfile('alpha'), 'utf8')).toContain('RUST_LOG=info')
    expect((await stat(layout.profileEntrypoint('alpha'))).mode & 0o777).toBe(0o755)
    expect(await readFile(layout.profileDockerignore('alpha'), 'utf8')).toContain('**/secrets.json')
    const shared = await readOptionalJsonFile(layout.sharedConfig, SharedConfigSchema)
    expect(shared?.tenant_databases).toEqual([
      expect.objectContaining({ tenant_id: 'alpha', database_name: `sp_alpha_${id}`, state: 'ready' }),
    ])
    expect(shared?.admin_password).toBe(server.adminPassword)
  })

  it('refuses a second create of the same name', async () => {
    await create('alpha')
    await expect(
      createTenant({ root: project.root, name: 'alpha', database: 'shared', servers: project.servers }),
    ).rejects.toMatchObject({ code: 'TENANT_EXISTS', category: 'conflict' })
  })

  const badNames: [string, string][] = [
    ['SQL fragment', 'a"; DROP DATABASE postgres; --'],
    ['SQL quote', "x'or'1'='1"],
    ['path traversal', '../../etc'],
    ['slash', 'a/b'],
    ['upper case', 'Alpha'],
    ['unicode', 'tenänt'],
    ['empty', ''],
    ['41 characters', `a${'b'.repeat(40)}`],
    ['leading digit', '1abc'],
    ['space', 'a b'],
    ['underscore', 'a_b'],
  ]
  it.each(badNames)('rejects a bad name (%s) and writes nothing', async (_kind, name) => {
    const before = snapshotTree(project.root)
    await expect(
      createTenant({ root: project.root, name, database: 'shared', servers: project.servers }),
    ).rejects.toMatchObject({
      code: 'TENANT_NAME_INVALID',
      category: 'user',
    })
    expect(snapshotTree(project.root)).toEqual(before)
  })

  it('rejects a bad profile name and writes nothing', async () => {
    const before = snapshotTree(project.root)
    await expect(
      createTenant({
        root: project.root,
        name: 'okname',
        profile: '../x',
        database: 'shared',
        servers: project.servers,
      }),
    ).rejects.toMatchObject({ code: 'PROFILE_NAME_INVALID' })
    expect(snapshotTree(project.root)).toEqual(before)
  })

  it('16 concurrent creates lose nothing', async () => {
    const names = Array.from({ length: 16 }, (_, i) => `con-${i}`)
    const results = await Promise.all(
      names.map((name) =>
        createTenant({ root: project.root, name, database: 'shared', servers: project.servers }),
      ),
    )
    expect(results.every((r) => r.tenant.state === 'ready')).toBe(true)
    const file = await readTenantsFile(projectLayout(project.root))
    for (const name of names) expect(file?.tenants.find((t) => t.name === name)?.state).toBe('ready')
    const shared = await readOptionalJsonFile(projectLayout(project.root).sharedConfig, SharedConfigSchema)
    expect(shared?.tenant_databases.map((e) => e.tenant_id).sort()).toEqual([...names].sort())
    const { databases } = await serverNames()
    for (const name of names) expect(databases).toContain(`sp_${name.replace('-', '_')}_${id}`)
  })
})

describe('list, show, db list', () => {
  it('lists tenants with live state; show returns the working URL (the CLI masks it)', async () => {
    await create('alpha')
    const list = await listTenants({ root: project.root })
    expect(list.shared.status).toBe('up')
    expect(list.tenants.find((t) => t.name === 'alpha')).toMatchObject({
      live: 'ok',
      owner: `sp_alpha_${id}`,
    })
    const shown = await showTenant({ root: project.root, name: 'alpha' })
    // The real password (masking is the CLI's job): the tenant's role logs in with it.
    expect(shown.databaseUrl).not.toContain('***')
    await withClient(parseDatabaseUrl(shown.databaseUrl ?? ''), (c) => c.query('SELECT 1'))
  })

  it('db list shows size, tenant and drift both ways', async () => {
    await makeDrift()
    const list = await listSharedDatabases({ root: project.root })
    const by = new Map(list.databases.map((d) => [d.database, d]))
    expect(by.get(`sp_alpha_${id}`)).toMatchObject({ tenant: 'alpha', drift: 'ok' })
    expect(by.get(`sp_alpha_${id}`)?.sizeBytes).toBeGreaterThan(0)
    expect(by.get(`sp_ghost_${id}`)).toMatchObject({ tenant: 'ghost', drift: 'unrecorded' })
    expect(by.get(`other_project_${id}`)).toMatchObject({ tenant: undefined, drift: 'foreign' })
    expect(by.get(`sp_con_15_${id}`)).toMatchObject({ tenant: 'con-15', drift: 'missing' })
    expect(by.has('postgres')).toBe(false)
    expect(list.drift).toEqual({ missing: 1, unrecorded: 2 })
  })

  it('doctor reports drift, --fix re-creates the missing database, drops orphans only on request', async () => {
    await makeDrift()
    const report = await doctor({ root: project.root, servers: project.servers })
    const codes = report.issues.map((i) => i.code)
    expect(codes).toContain('TENANT_DRIFT')
    expect(codes).toContain('TENANT_ORPHAN_DATABASE')
    expect(report.remaining).toBeGreaterThan(0)
    const fixed = await doctor({ root: project.root, fix: true, servers: project.servers })
    expect(fixed.remaining).toBe(0)
    expect((await serverNames()).databases).toContain(`sp_con_15_${id}`)
    expect((await serverNames()).databases).toContain(`sp_ghost_${id}`)
    const secrets = await loadSecrets(projectLayout(project.root).profileSecrets('con-15'))
    await withClient(parseDatabaseUrl(secrets.database_url), (c) => c.query('SELECT 1'))
    await doctor({ root: project.root, fix: true, dropOrphans: true, servers: project.servers })
    expect((await serverNames()).databases).not.toContain(`sp_ghost_${id}`)
    expect((await serverNames()).databases).toContain(`other_project_${id}`)
    expect((await serverNames()).databases).toContain(`sp_handmade_${id}`)
  })
})

describe('interrupted creates', () => {
  // A throw at each step leaves the same files and server objects a kill would (the CLI test kills for real).
  it.each(CREATE_STEPS.filter((s) => s !== 'ready'))(
    'an interruption after %s is repaired by doctor --fix',
    async (at) => {
      await create('bystander')
      const name = `cut-${at}`
      const stop = new Error(`stopped at ${at}`)
      await expect(
        createTenant({
          root: project.root,
          name,
          database: 'shared',
          servers: project.servers,
          onStep: (s: CreateStep) => {
            if (s === at) throw stop
          },
        }),
      ).rejects.toBe(stop)
      const result = await doctor({ root: project.root, fix: true, servers: project.servers })
      expect(result.remaining).toBe(0)
      const file = await readTenantsFile(projectLayout(project.root))
      expect(file?.tenants.find((t) => t.name === name)).toBeUndefined()
      // Nothing of its profile is left half-done: the whole directory (docker/ files included) is gone.
      await expect(stat(projectLayout(project.root).profileDir(name))).rejects.toMatchObject({
        code: 'ENOENT',
      })
      const objectName = `sp_${name.replaceAll('-', '_')}_${id}`
      const names = await serverNames()
      expect(names.databases).not.toContain(objectName)
      expect(names.roles).not.toContain(objectName)
      // Untouched: the other tenant is still there and ready.
      expect(file?.tenants.filter((t) => t.state === 'ready').map((t) => t.name)).toEqual(['bystander'])
      // And the name can be used again.
      await createTenant({ root: project.root, name, database: 'shared', servers: project.servers })
      await deleteTenant({ root: project.root, name, servers: project.servers })
    },
  )

  it('a create over a pending record resumes it', async () => {
    await expect(
      createTenant({
        root: project.root,
        name: 'resume-me',
        database: 'shared',
        servers: project.servers,
        onStep: (s) => {
          if (s === 'database-created') throw new Error('cut')
        },
      }),
    ).rejects.toThrow('cut')
    const result = await createTenant({
      root: project.root,
      name: 'resume-me',
      database: 'shared',
      servers: project.servers,
    })
    expect(result).toMatchObject({ resumed: true, tenant: { state: 'ready' } })
    await withClient(parseDatabaseUrl(result.databaseUrl), (c) => c.query('SELECT 1'))
  })
})

describe('external and delete', () => {
  it('external: checks the URL by connecting; an unreachable one writes nothing', async () => {
    const before = snapshotTree(project.root)
    await expect(
      createTenant({
        root: project.root,
        name: 'ext-bad',
        database: 'external',
        databaseUrl: 'postgres://u:p@127.0.0.1:1/db',
      }),
    ).rejects.toMatchObject({ code: 'DATABASE_UNREACHABLE' })
    // The refused create took the project's lock first, so on a fresh project the (empty) lock directory
    // appears; nothing else may (lock files themselves are removed on release).
    const after = snapshotTree(project.root)
    expect(after['.systemprompt/.locks'] ?? 'dir').toMatch(/^dir/)
    delete after['.systemprompt/.locks']
    expect(after).toEqual(before)
    const url = `postgresql://${server.adminUser}:${server.adminPassword}@127.0.0.1:${server.port}/postgres`
    const made = await createTenant({
      root: project.root,
      name: 'ext-ok',
      database: 'external',
      databaseUrl: url,
    })
    expect(made.tenant).toMatchObject({ database: 'external', state: 'ready' })
    expect(made.tenant.database_name).toBeUndefined()
  })

  it('delete ends sessions, drops database and role, removes profile and records', async () => {
    await create('alpha')
    await create('con-0')
    const layout = projectLayout(project.root)
    const secrets = await loadSecrets(layout.profileSecrets('alpha'))
    const open = await (await import('@systemprompt/pg')).connect(parseDatabaseUrl(secrets.database_url))
    const result = await deleteTenant({ root: project.root, name: 'alpha', servers: project.servers })
    await open.end().catch(() => {})
    expect(result).toMatchObject({ droppedDatabase: true, droppedRole: true, removedProfile: true })
    expect(result.terminatedSessions).toBeGreaterThanOrEqual(1)
    const names = await serverNames()
    expect(names.databases).not.toContain(`sp_alpha_${id}`)
    expect(names.roles).not.toContain(`sp_alpha_${id}`)
    expect((await readTenantsFile(layout))?.tenants.find((t) => t.name === 'alpha')).toBeUndefined()
    await expect(stat(layout.profileDir('alpha'))).rejects.toMatchObject({ code: 'ENOENT' })
    // The server itself is untouched: the admin still logs in and other tenants remain.
    expect(names.databases).toContain(`sp_con_0_${id}`)
    await expect(
      deleteTenant({ root: project.root, name: 'alpha', servers: project.servers }),
    ).rejects.toMatchObject({
      code: 'TENANT_NOT_FOUND',
    })
  })
})

describe('two projects on one shared server', () => {
  it('the same tenant name in two projects gives two databases; deleting one leaves the other', async () => {
    const other = await makeTestProject(server, 'other002')
    try {
      const mine = await createTenant({
        root: project.root,
        name: 'same-name',
        database: 'shared',
        servers: project.servers,
      })
      const theirs = await createTenant({
        root: other.root,
        name: 'same-name',
        database: 'shared',
        servers: other.servers,
      })
      expect(mine.tenant.database_name).toBe(`sp_same_name_${id}`)
      expect(theirs.tenant.database_name).toBe('sp_same_name_other002')
      // Neither role opens the other project's database.
      const cross = parseDatabaseUrl(mine.databaseUrl)
      cross.database = theirs.tenant.database_name as string
      await expect(withClient(cross, async () => {})).rejects.toMatchObject({
        code: 'DATABASE_PERMISSION_DENIED',
      })
      await deleteTenant({ root: project.root, name: 'same-name', servers: project.servers })
      await withClient(parseDatabaseUrl(theirs.databaseUrl), (c) => c.query('SELECT 1'))
      // Project A's list sees B's database as foreign: no drift.
      const rows = (await listSharedDatabases({ root: project.root })).databases
      expect(rows.find((r) => r.database === 'sp_same_name_other002')?.drift).toBe('foreign')
    } finally {
      await deleteTenant({ root: other.root, name: 'same-name', servers: other.servers }).catch(() => {})
      await other.remove()
    }
  })
})

describe('doctor and the admin password', () => {
  it('explains a password the server volume does not accept (28P01) and never changes it', async () => {
    const layout = projectLayout(project.root)
    const { readFile, writeFile } = await import('node:fs/promises')
    const original = await readFile(layout.sharedConfig, 'utf8')
    try {
      await writeFile(layout.sharedConfig, original.replace(server.adminPassword, 'not-the-volume-password'))
      const result = await doctor({ root: project.root, fix: true, servers: project.servers })
      const issue = result.issues.find((i) => i.code === 'VOLUME_PASSWORD_MISMATCH')
      expect(issue?.message).toContain('28P01')
      expect(issue?.fix).toMatch(/db reset --yes/)
      expect(issue?.fixed).toBeUndefined()
      expect(result.remaining).toBeGreaterThan(0)
      await expect(listSharedDatabases({ root: project.root })).rejects.toMatchObject({
        code: 'VOLUME_PASSWORD_MISMATCH',
      })
    } finally {
      await writeFile(layout.sharedConfig, original)
    }
    // The server's admin password is still the one it was made with.
    await withClient(project.admin, (c) => c.query('SELECT 1'))
  })
})
