import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { externalTenantProject } from '../../test-support/project.js'

// The PATH side of `db psql`: a fake psql (first and only on PATH) reports what it was started with. The
// container side needs a server: psql.integration.test.ts.
let dir: ReturnType<typeof externalTenantProject>
let bin: string
beforeEach(() => {
  dir = externalTenantProject('ext', 'ext-profile')
  bin = join(dir.path, 'fake-bin')
  mkdirSync(bin)
}, 60_000)
afterEach(() => dir.remove())

/** The binary with `bin` as the whole PATH; the per-user data dir is the test's own. */
function psql(args: string[], env: Record<string, string> = {}) {
  return runCli(['db', 'psql', ...args], {
    cwd: dir.path,
    env: {
      PATH: bin,
      SYSTEMPROMPT_DATA_DIR: join(dir.path, 'data'),
      SYSTEMPROMPT_PROFILE: undefined,
      ...env,
    },
  })
}

/** A `psql` that prints its argv, its command line as the kernel shows it (`ps`), and its environment. */
function fakePsql(exitCode: number): void {
  const file = join(bin, 'psql')
  writeFileSync(
    file,
    `#!${process.execPath}
const { readFileSync } = require('node:fs')
process.stdout.write(JSON.stringify({
  argv: process.argv.slice(2),
  cmdline: readFileSync('/proc/self/cmdline', 'utf8').split('\\0').join(' '),
  env: process.env,
}))
process.exit(${exitCode})
`,
  )
  chmodSync(file, 0o755)
}

describe('db psql with psql on PATH', () => {
  it('passes the connection in the environment (never argv), psql args after --, and psql exit code', () => {
    fakePsql(4)
    // The shell's own PG* settings must not point psql elsewhere; its session preferences stay.
    const run = psql(['ext', '--', '-c', 'select 1', '-h', 'ignored', '--json'], {
      PGHOST: 'elsewhere',
      PGSERVICE: 'other',
      PGPASSFILE: '/x',
      PGTZ: 'UTC',
    })
    expect(run.status, run.stderr).toBe(4)
    const seen = JSON.parse(run.stdout) as { argv: string[]; cmdline: string; env: Record<string, string> }
    expect(seen.argv).toEqual(['-c', 'select 1', '-h', 'ignored', '--json'])
    expect(seen.env).toMatchObject({
      PGHOST: 'db.example.com',
      PGPORT: '5432',
      PGUSER: 'app',
      PGPASSWORD: 's3cret-pw',
      PGDATABASE: 'app',
      PGTZ: 'UTC',
    })
    expect(seen.env.PGSERVICE).toBeUndefined()
    expect(seen.env.PGPASSFILE).toBeUndefined()
    expect(seen.cmdline).not.toContain('s3cret-pw')
    expect(seen.cmdline).not.toContain('postgres://')
  })

  it('URL parameters become libpq variables (sslmode -> PGSSLMODE)', () => {
    fakePsql(0)
    const made = runCli(
      [
        'cloud',
        'profile',
        'create',
        'tls',
        '--database-url',
        'postgres://u:p@db.example.com/d?sslmode=require',
      ],
      { cwd: dir.path },
    )
    expect(made.status, made.stderr).toBe(0)
    const run = psql([], { SYSTEMPROMPT_PROFILE: join(dir.path, '.systemprompt', 'profiles', 'tls') })
    expect(run.status, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout).env).toMatchObject({ PGSSLMODE: 'require', PGUSER: 'u', PGDATABASE: 'd' })
  })

  it('no psql and an external database: PSQL_UNAVAILABLE with a fix; --json is not a psql option', () => {
    const run = psql(['ext'])
    expect(run.status).toBe(3)
    expect(run.stderr).toContain('Error [PSQL_UNAVAILABLE]')
    expect(run.stderr).toContain('Fix: Install the PostgreSQL client')
    expect(psql(['ext', '--json']).status).toBe(2)
  })

  it('an unknown tenant is TENANT_NOT_FOUND before anything runs', () => {
    fakePsql(0)
    const run = psql(['nope'])
    expect(run.status).toBe(3)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('Error [TENANT_NOT_FOUND]')
  })
})
