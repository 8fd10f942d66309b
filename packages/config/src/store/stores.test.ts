import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { projectLayout } from '../layout.js'
import { readSharedConfig, removeSharedTenantDatabase, upsertSharedTenantDatabase } from './shared-config.js'
import {
  ensureProjectId,
  patchTenantRecord,
  readTenantsFile,
  removeTenantRecord,
  upsertTenantRecord,
} from './tenants.js'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sp-config-store-'))
  await mkdir(join(root, '.systemprompt', 'docker'), { recursive: true })
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

const now = new Date().toISOString()
const record = (name: string) =>
  ({ name, database: 'shared', state: 'pending', profile: name, created_at: now, updated_at: now }) as const

describe('tenants.json store', () => {
  it('creates the file with a project id once, 0600', async () => {
    const layout = projectLayout(root)
    const id = await ensureProjectId(layout)
    expect(id).toMatch(/^[0-9a-f]{8}$/)
    expect(await ensureProjectId(layout)).toBe(id)
    expect((await stat(layout.tenantsFile)).mode & 0o777).toBe(0o600)
  })

  it('upserts, patches and removes records, sorted by name', async () => {
    const layout = projectLayout(root)
    await upsertTenantRecord(layout, record('beta'))
    await upsertTenantRecord(layout, record('alpha'))
    const patched = await patchTenantRecord(layout, 'beta', { state: 'ready' })
    expect(patched?.state).toBe('ready')
    expect(await patchTenantRecord(layout, 'nobody', { state: 'ready' })).toBeUndefined()
    expect((await readTenantsFile(layout))?.tenants.map((t) => `${t.name}:${t.state}`)).toEqual([
      'alpha:pending',
      'beta:ready',
    ])
    await removeTenantRecord(layout, 'alpha')
    expect((await readTenantsFile(layout))?.tenants.map((t) => t.name)).toEqual(['beta'])
  })

  it('keeps the existing project id of an init-made file', async () => {
    const layout = projectLayout(root)
    await writeFile(layout.tenantsFile, JSON.stringify({ version: 1, project_id: 'abcd1234', tenants: [] }), {
      mode: 0o600,
    })
    await upsertTenantRecord(layout, record('alpha'))
    expect((await readTenantsFile(layout))?.project_id).toBe('abcd1234')
  })
})

describe('shared_config.json store', () => {
  it('does nothing without a shared config (no server to record against)', async () => {
    const layout = projectLayout(root)
    await upsertSharedTenantDatabase(layout, { tenant_id: 'a', database_name: 'sp_a_x' })
    expect(await readSharedConfig(layout)).toBeUndefined()
  })

  it("loads the original tool's file and keeps its unknown fields", async () => {
    const layout = projectLayout(root)
    const original = {
      admin_password: 'orig-secret',
      port: 5432,
      created_at: '2025-11-02T10:00:00+01:00',
      tenant_databases: [{ tenant_id: 'local_legacy', database_name: 'legacy_db' }],
      some_future_field: { keep: true },
    }
    await writeFile(layout.sharedConfig, JSON.stringify(original), { mode: 0o600 })
    await upsertSharedTenantDatabase(layout, {
      tenant_id: 'alpha',
      database_name: 'sp_alpha_x',
      state: 'ready',
    })
    const text = JSON.parse(await readFile(layout.sharedConfig, 'utf8'))
    expect(text.some_future_field).toEqual({ keep: true })
    expect(text.admin_password).toBe('orig-secret')
    expect(text.tenant_databases.map((e: { tenant_id: string }) => e.tenant_id)).toEqual([
      'local_legacy',
      'alpha',
    ])
    await removeSharedTenantDatabase(layout, 'alpha')
    expect((await readSharedConfig(layout))?.tenant_databases).toEqual([
      { tenant_id: 'local_legacy', database_name: 'legacy_db' },
    ])
    expect((await stat(layout.sharedConfig)).mode & 0o777).toBe(0o600)
  })
})
