// `renewProjectId` on real files (no server: it never talks to one). A project with a shared, a dedicated and
// an external tenant, another profile that logs in as the shared tenant's role and one that does not; its
// copy gets a new id and forgets exactly the shared and dedicated tenants. The CLI test runs it end to end.
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bindProject, projectIndexFile } from '@systemprompt/config'
import { snapshotTree, type TempDir, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { planNewProjectId, renewProjectId } from './renew-id.js'

const ID = 'abcd1234'
const NOW = '2026-01-01T00:00:00.000Z'
const SHARED_URL = `postgresql://sp_s_${ID}:s3cret@127.0.0.1:5432/sp_s_${ID}`
const DEDICATED_URL = `postgresql://sp_d_${ID}:d3cret@127.0.0.1:5440/sp_d_${ID}`
const EXTERNAL_URL = 'postgresql://app:e3cret@db.example.com:5432/app'
const OTHER_URL = 'postgresql://someone:o3cret@127.0.0.1:5432/elsewhere'

let base: TempDir
let dataDir: string
let original: string

function write(root: string, path: string, value: unknown): void {
  const file = join(root, '.systemprompt', path)
  mkdirSync(join(file, '..'), { recursive: true })
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2), { mode: 0o600 })
}

function read(root: string, path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(root, '.systemprompt', path), 'utf8'))
}

function record(name: string, database: string, extra: Record<string, unknown> = {}) {
  return { name, database, state: 'ready', profile: name, created_at: NOW, updated_at: NOW, ...extra }
}

function profile(root: string, name: string, url: string, tenant?: string, internal?: string): void {
  write(root, `profiles/${name}/profile.yaml`, `name: ${name}\n${tenant ? `tenant: ${tenant}\n` : ''}`)
  write(root, `profiles/${name}/secrets.json`, {
    jwt_secret: 'x'.repeat(64),
    database_url: url,
    ...(internal ? { internal_database_url: internal } : {}),
    custom: 'kept',
  })
}

beforeEach(async () => {
  base = tempDir('sp-renew-id-')
  dataDir = join(base.path, 'data')
  original = join(base.path, 'a')
  mkdirSync(original)
  write(original, 'tenants.json', {
    version: 1,
    project_id: ID,
    tenants: [
      record('s', 'shared', { database_name: `sp_s_${ID}`, role_name: `sp_s_${ID}` }),
      record('d', 'dedicated', { database_name: `sp_d_${ID}`, role_name: `sp_d_${ID}`, port: 5440 }),
      record('e', 'external'),
    ],
  })
  write(original, 'docker/shared_config.json', {
    admin_password: 'admin-secret',
    port: 5432,
    tenant_databases: [{ tenant_id: 's', database_name: `sp_s_${ID}`, role_name: `sp_s_${ID}` }],
  })
  write(original, 'docker/d.yaml', 'services: {}\n')
  write(original, 'docker/.secrets/d.password', 'dedicated-admin\n')
  profile(original, 's', SHARED_URL, 's')
  profile(original, 'd', DEDICATED_URL, 'd', DEDICATED_URL.replace('127.0.0.1:5440', 'postgres-d:5432'))
  profile(original, 'e', EXTERNAL_URL, 'e')
  profile(original, 'reader', SHARED_URL)
  profile(original, 'other', OTHER_URL)
  await bindProject(dataDir, { id: ID, root: original })
})

afterEach(() => {
  base.remove()
})

function copy(): string {
  const root = join(base.path, 'b')
  cpSync(original, root, { recursive: true })
  return root
}

describe('renewProjectId in a copy', () => {
  it('gives it a new id and forgets its shared and dedicated tenants, never the original', async () => {
    const b = copy()
    const before = snapshotTree(original)
    const plan = await planNewProjectId({ root: b, dataDir })
    expect(plan).toMatchObject({ projectId: ID, copyOf: realpathSync(original), keep: ['e'] })
    expect(plan.forget.map((t) => t.name)).toEqual(['s', 'd'])

    const result = await renewProjectId({ root: b, dataDir })
    expect(result.previousId).toBe(ID)
    expect(result.projectId).toMatch(/^[0-9a-f]{8}$/)
    expect(result.projectId).not.toBe(ID)
    expect(result.forgotten).toEqual([
      { name: 's', database: 'shared', databaseName: `sp_s_${ID}`, profile: 's' },
      { name: 'd', database: 'dedicated', databaseName: `sp_d_${ID}`, profile: 'd' },
    ])
    expect(result.kept).toEqual(['e'])
    expect(result.clearedProfiles).toEqual(['d', 'reader', 's'])
    expect(result.warnings).toEqual([])

    const tenants = read(b, 'tenants.json') as { project_id: string; tenants: { name: string }[] }
    expect(tenants.project_id).toBe(result.projectId)
    expect(tenants.tenants.map((t) => t.name)).toEqual(['e'])
    expect(read(b, 'docker/shared_config.json')).toMatchObject({
      admin_password: 'admin-secret',
      tenant_databases: [],
    })
    // Moved aside, never deleted: with --force they may be the only copy of a server's admin password.
    const aside = join(b, `.systemprompt/docker/.forgotten-${ID}`)
    expect(result.movedFiles).toEqual([
      { from: join(b, '.systemprompt/docker/d.yaml'), to: join(aside, 'd.yaml') },
      { from: join(b, '.systemprompt/docker/.secrets/d.password'), to: join(aside, 'd.password') },
    ])
    expect(readFileSync(join(aside, 'd.password'), 'utf8')).toBe('dedicated-admin\n')
    expect(existsSync(join(b, '.systemprompt/docker/d.yaml'))).toBe(false)
    // Passwords that open the original's databases are gone; the rest of each file stays.
    expect(read(b, 'profiles/s/secrets.json')).toEqual({
      jwt_secret: 'x'.repeat(64),
      database_url: `postgresql://sp_s_${ID}@127.0.0.1:5432/sp_s_${ID}`,
      custom: 'kept',
    })
    expect(read(b, 'profiles/d/secrets.json')).toMatchObject({
      database_url: `postgresql://sp_d_${ID}@127.0.0.1:5440/sp_d_${ID}`,
      internal_database_url: `postgresql://sp_d_${ID}@postgres-d:5432/sp_d_${ID}`,
    })
    expect(new URL(read(b, 'profiles/reader/secrets.json').database_url as string).password).toBe('')
    expect(read(b, 'profiles/e/secrets.json').database_url).toBe(EXTERNAL_URL)
    expect(read(b, 'profiles/other/secrets.json').database_url).toBe(OTHER_URL)

    // The original is untouched, and both are bound in the index under their own ids.
    expect(snapshotTree(original)).toEqual(before)
    const index = JSON.parse(readFileSync(projectIndexFile(dataDir), 'utf8')) as {
      projects: { id: string; root: string }[]
    }
    expect(index.projects.map((p) => [p.id, p.root]).sort()).toEqual(
      [
        [ID, realpathSync(original)],
        [result.projectId, realpathSync(b)],
      ].sort(),
    )
    // Now it is no copy: a second run is refused.
    await expect(renewProjectId({ root: b, dataDir })).rejects.toMatchObject({ code: 'PROJECT_NOT_A_COPY' })
  })
})

describe('renewProjectId in a directory that is not a copy', () => {
  it('refuses (naming --force) and changes nothing', async () => {
    const before = snapshotTree(original)
    for (const call of [planNewProjectId, renewProjectId]) {
      await expect(call({ root: original, dataDir })).rejects.toMatchObject({
        code: 'PROJECT_NOT_A_COPY',
        category: 'user',
        fix: expect.stringContaining('--force'),
      })
    }
    expect(snapshotTree(original)).toEqual(before)
  })

  it('with force renews the id all the same', async () => {
    const result = await renewProjectId({ root: original, dataDir, force: true })
    expect(result).toMatchObject({ previousId: ID, copyOf: undefined, kept: ['e'] })
    expect((read(original, 'tenants.json') as { project_id: string }).project_id).toBe(result.projectId)
    const index = JSON.parse(readFileSync(projectIndexFile(dataDir), 'utf8')) as {
      projects: { id: string }[]
    }
    expect(index.projects.map((p) => p.id)).toEqual([result.projectId])
  })
})
