import { join } from 'node:path'
import { runCli } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EXTERNAL_URL, externalTenantProject } from '../../test-support/project.js'

// The URL comes from the profile's secrets.json: no server needed (an external tenant's record).
let dir: ReturnType<typeof externalTenantProject>
beforeEach(() => {
  dir = externalTenantProject('ext', 'ext-profile')
}, 60_000)
afterEach(() => dir.remove())

const MASKED = 'postgres://app:********@db.example.com:5432/app'
const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(['db', 'url', ...args], {
    cwd: dir.path,
    // The per-user project index goes to the test's own data dir, never the real one.
    env: { SYSTEMPROMPT_PROFILE: undefined, SYSTEMPROMPT_DATA_DIR: join(dir.path, 'data'), ...env },
  })

describe('db url', () => {
  it("prints the tenant's DATABASE_URL from the profile its record names, masked", () => {
    const run = cli(['ext'])
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toBe(`${MASKED}\n`)
    expect(cli(['TENANT=ext']).stdout).toBe(`${MASKED}\n`)
    expect(cli(['--tenant', 'ext']).stdout).toBe(`${MASKED}\n`)
  })

  it('--show-secrets prints it whole; --json gives {tenant, profile, url}', () => {
    expect(cli(['ext', '--show-secrets']).stdout).toBe(`${EXTERNAL_URL}\n`)
    const json = cli(['ext', '--json'])
    expect(json.json).toEqual({
      status: 0,
      result: { tenant: 'ext', profile: 'ext-profile', url: MASKED },
      warnings: [],
    })
    expect(json.stdout).not.toContain('s3cret-pw')
    expect(cli(['ext', '--json', '--show-secrets']).json?.result.url).toBe(EXTERNAL_URL)
  })

  it('without a tenant: the active profile (SYSTEMPROMPT_PROFILE), else a usage error naming the tenants', () => {
    const active = cli(['--json'], { SYSTEMPROMPT_PROFILE: join('.systemprompt', 'profiles', 'ext-profile') })
    expect(active.json?.result).toEqual({ tenant: 'ext', profile: 'ext-profile', url: MASKED })
    const none = cli(['--json'])
    expect(none.status).toBe(2)
    expect(none.json?.error).toMatchObject({ code: 'USAGE', fix: expect.stringContaining('db url ext') })
  })

  it('an unknown tenant is TENANT_NOT_FOUND with a fix (exit 3); a bad name is refused as such', () => {
    const run = cli(['nope', '--json'])
    expect(run.status).toBe(3)
    expect(run.json?.error).toMatchObject({
      code: 'TENANT_NOT_FOUND',
      fix: expect.stringContaining('tenant list'),
    })
    expect(cli(['Bad\x1b[31m', '--json']).json?.error.code).toBe('TENANT_NAME_INVALID')
  })
})
