// A project for command tests that need no engine: `init`, a profile with a DATABASE_URL, and an external
// tenant recorded on it (an external tenant's record needs no server).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli, type TempDir, tempDir } from '@systemprompt/testkit'
import { expect } from 'vitest'

export const EXTERNAL_URL = 'postgres://app:s3cret-pw@db.example.com:5432/app'

export function externalTenantProject(tenant = 'ext', profile = 'ext-profile'): TempDir {
  const dir = tempDir('sp-cli-')
  expect(runCli(['init', '--json'], { cwd: dir.path }).status).toBe(0)
  const made = runCli(['cloud', 'profile', 'create', profile, '--database-url', EXTERNAL_URL, '--json'], {
    cwd: dir.path,
  })
  expect(made.status, made.stdout).toBe(0)
  const file = join(dir.path, '.systemprompt', 'tenants.json')
  const tenants = JSON.parse(readFileSync(file, 'utf8'))
  const now = new Date().toISOString()
  tenants.tenants.push({
    name: tenant,
    database: 'external',
    state: 'ready',
    profile,
    created_at: now,
    updated_at: now,
  })
  writeFileSync(file, JSON.stringify(tenants, null, 2), { mode: 0o600 })
  return dir
}
