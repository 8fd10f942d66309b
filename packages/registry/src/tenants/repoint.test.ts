import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { projectLayout, TenantsFileSchema, updateJsonFile, writeProfileFiles } from '@systemprompt/config'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { repointSharedTenantUrls } from './repoint.js'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sp-registry-repoint-'))
  await mkdir(join(root, '.systemprompt'), { recursive: true })
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

async function tenant(name: string, database: 'shared' | 'external', url: string): Promise<void> {
  const layout = projectLayout(root)
  const now = new Date().toISOString()
  await updateJsonFile(layout.tenantsFile, TenantsFileSchema, (current) => {
    const base = current ?? TenantsFileSchema.parse({ project_id: 'abcd1234' })
    return {
      ...base,
      tenants: [
        ...base.tenants,
        { name, database, state: 'ready' as const, profile: name, created_at: now, updated_at: now },
      ],
    }
  })
  await writeProfileFiles(layout, { name, tenant: name, databaseUrl: url })
}

describe('repointSharedTenantUrls', () => {
  it('rewrites only the port of shared tenants that pointed at 127.0.0.1:<old port>', async () => {
    const layout = projectLayout(root)
    await tenant(
      'moved',
      'shared',
      'postgresql://sp_moved_abcd1234:p%40ss@127.0.0.1:5432/sp_moved_abcd1234?sslmode=disable',
    )
    await tenant('elsewhere', 'shared', 'postgresql://u:pw@127.0.0.1:6000/db')
    await tenant('ext', 'external', 'postgresql://u:pw@127.0.0.1:5432/db')
    // Keys the user added stay, byte for byte around the URL.
    const file = layout.profileSecrets('moved')
    const before = JSON.parse(await readFile(file, 'utf8'))
    await writeFile(file, JSON.stringify({ ...before, MY_KEY: 'kept' }, null, 2), { mode: 0o600 })

    const result = await repointSharedTenantUrls(root, { from: 5432, to: 5460 })
    expect(result.rewritten).toEqual([{ tenant: 'moved', profile: 'moved' }])
    expect(result.skipped).toEqual([
      {
        tenant: 'elsewhere',
        profile: 'elsewhere',
        reason: 'its DATABASE_URL does not point at this machine (127.0.0.1, localhost, ::1) on port 5432',
      },
    ])
    const after = JSON.parse(await readFile(file, 'utf8'))
    expect(after).toEqual({
      ...before,
      MY_KEY: 'kept',
      database_url: 'postgresql://sp_moved_abcd1234:p%40ss@127.0.0.1:5460/sp_moved_abcd1234?sslmode=disable',
    })
    const external = JSON.parse(await readFile(layout.profileSecrets('ext'), 'utf8'))
    expect(external.database_url).toBe('postgresql://u:pw@127.0.0.1:5432/db')
  })

  it('does nothing without tenants, or when the port did not move', async () => {
    expect(await repointSharedTenantUrls(root, { from: 5432, to: 5460 })).toEqual({
      rewritten: [],
      skipped: [],
    })
    await tenant('same', 'shared', 'postgresql://u:pw@127.0.0.1:5432/db')
    expect(await repointSharedTenantUrls(root, { from: 5432, to: 5432 })).toEqual({
      rewritten: [],
      skipped: [],
    })
  })
})
