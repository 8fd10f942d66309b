import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { externalTenantProject } from '../../../test-support/project.js'

let dir: ReturnType<typeof externalTenantProject>
beforeEach(() => {
  dir = externalTenantProject('ext', 'ext-profile')
}, 60_000)
afterEach(() => dir.remove())

describe('cloud tenant show with a broken secrets.json', () => {
  it('reports the parse error with file and line and exits 3 (was "(no secrets.json)", exit 0)', () => {
    const file = join(dir.path, '.systemprompt', 'profiles', 'ext-profile', 'secrets.json')
    writeFileSync(file, '{\n  "jwt_secret": "x",\n  "database_url": oops\n}\n', { mode: 0o600 })
    const json = runCli(['cloud', 'tenant', 'show', 'ext', '--json'], { cwd: dir.path })
    expect(json.status).toBe(3)
    expect(json.json?.error).toMatchObject({ code: 'CONFIG_JSON_SYNTAX', file, line: 3 })
    const human = runCli(['cloud', 'tenant', 'show', 'ext'], { cwd: dir.path })
    expect(human.status).toBe(3)
    // What could be read is still shown; the error names the file and line.
    expect(human.stdout).toContain('Tenant:       ext')
    expect(human.stdout).not.toContain('(no secrets.json)')
    expect(human.stderr).toContain(`at ${file}:3`)
  })

  it('a missing secrets.json is still shown as such', () => {
    rmSync(join(dir.path, '.systemprompt', 'profiles', 'ext-profile', 'secrets.json'))
    const run = runCli(['cloud', 'tenant', 'show', 'ext'], { cwd: dir.path })
    expect(run.status).toBe(0)
    expect(run.stdout).toContain('DATABASE_URL: (no secrets.json)')
  })
})
