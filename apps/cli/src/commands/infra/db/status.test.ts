// `infra db status` exit codes that need no database: a deploy script reads 2 as "pending", so a usage
// error must not be 2; a missing database configuration is 1 (the rest: migrate.integration.test.ts).
import { runCli, tempDir } from '@systemprompt/testkit'
import { afterAll, describe, expect, it } from 'vitest'

const cwd = tempDir('sp-db-status-')
afterAll(() => cwd.remove())

describe('infra db status exit codes', () => {
  it('a usage error is 1, never 2 (2 means pending); migrate keeps 2 for usage', () => {
    const status = runCli(['infra', 'db', 'status', '--no-such-flag', '--json'], { cwd: cwd.path })
    expect(status.status).toBe(1)
    expect(status.json?.error?.code).toBeDefined()
    const migrate = runCli(['infra', 'db', 'migrate', '--no-such-flag'], { cwd: cwd.path })
    expect(migrate.status).toBe(2)
  })

  it('no DATABASE_URL outside a project: DATABASE_URL_MISSING, exit 1', () => {
    const run = runCli(['infra', 'db', 'status', '--json'], {
      cwd: cwd.path,
      env: { DATABASE_URL: '', DATABASE_URL_FILE: '', SYSTEMPROMPT_SERVICES_PATH: cwd.path },
    })
    expect(run.status).toBe(1)
    expect(run.json?.error).toMatchObject({ code: 'DATABASE_URL_MISSING' })
  })
})
