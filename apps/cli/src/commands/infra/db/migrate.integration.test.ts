/**
 * `infra db migrate` and `infra db status` as processes against a real PostgreSQL (one container for the file,
 * one database per test): replicas starting at once, refusals and their exit codes, a failing file, waiting
 * for a database that is not there, bad input, the lock holder named while waiting. No project: the CLI gets
 * DATABASE_URL and SYSTEMPROMPT_SERVICES_PATH, as inside an image. The deep proofs are in
 * packages/runtime/src/migrate/migrate.integration.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect, type PgTarget } from '@systemprompt/pg'
import {
  type CliRun,
  cliTestEnv,
  freePort,
  newRunId,
  removeRun,
  spawnCli,
  startTestPostgres,
  type TempDir,
  type TestPostgres,
  tempDir,
} from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const RUN = newRunId()
let admin: TestPostgres
let work: TempDir
let n = 0

const urlOf = (t: PgTarget): string =>
  `postgres://${t.user}:${encodeURIComponent(t.password)}@${t.host}:${t.port}/${t.database}`

beforeAll(async () => {
  work = tempDir('sp-migrate-cli-')
  admin = await startTestPostgres(RUN, { name: `sp-test-migrate-cli-${RUN}` })
}, 90_000)

afterAll(() => {
  removeRun(RUN)
  work.remove()
})

/** A fresh database and services directory: each test has its own. */
interface Case {
  db: PgTarget
  url: string
  services: string
  migrations: string
  write(name: string, sql: string): void
  cli(args: string[], env?: Record<string, string | undefined>): Promise<CliRun>
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>
  tableExists(name: string): Promise<boolean>
}

async function newCase(): Promise<Case> {
  const db = { ...admin, database: `app_${RUN}_${++n}` }
  const client = await connect(admin)
  await client.query(`CREATE DATABASE ${db.database}`)
  await client.end()
  const services = join(work.path, `services-${n}`)
  const migrations = join(services, 'database', 'migrations')
  mkdirSync(migrations, { recursive: true })
  const url = admin.url(db.database)
  const query = async <T>(sql: string): Promise<T[]> => {
    const c = await connect(db)
    try {
      return (await c.query(sql)).rows as T[]
    } finally {
      await c.end()
    }
  }
  return {
    db,
    url,
    services,
    migrations,
    write: (name, sql) => writeFileSync(join(migrations, name), sql),
    cli: (args, env = {}) =>
      spawnCli(args, {
        cwd: work.path,
        env: { ...cliTestEnv(RUN), DATABASE_URL: url, SYSTEMPROMPT_SERVICES_PATH: services, ...env },
        killAfterMs: 100_000,
      }),
    query,
    tableExists: async (name) =>
      (await query<{ t: string | null }>(`SELECT to_regclass('${name}')::text AS t`))[0]?.t !== null,
  }
}

function threeFiles(c: Case): void {
  c.write('0001_users.sql', 'CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);\n')
  c.write('0002_seed.sql', "INSERT INTO users (name) VALUES ('first');\n")
  c.write('0003_orders.sql', 'CREATE TABLE orders (id int REFERENCES users (id));\n')
}

const said = (r: CliRun): string => r.stdout + r.stderr

describe('infra db migrate', () => {
  it('eight processes at once against an empty database: all exit 0, each file applied exactly once', async () => {
    const c = await newCase()
    threeFiles(c)
    const runs = await Promise.all(Array.from({ length: 8 }, () => c.cli(['infra', 'db', 'migrate'])))
    for (const r of runs) expect(r.status, said(r)).toBe(0)
    const appliedLines = runs.flatMap((r) => r.stdout.split('\n').filter((l) => l.startsWith('applied ')))
    expect(appliedLines.map((l) => l.replace(/ in \d+ ms$/, ''))).toEqual([
      'applied 0001_users.sql',
      'applied 0002_seed.sql',
      'applied 0003_orders.sql',
    ])
    expect(runs.filter((r) => r.stdout.includes('Up to date'))).toHaveLength(7)
    expect(await c.query('SELECT * FROM users')).toHaveLength(1)
    expect(
      (await c.query<{ version: string }>('SELECT version FROM systemprompt_schema_migrations')).map(
        (r) => r.version,
      ),
    ).toEqual(['1', '2', '3'])
    for (const r of runs) expect(said(r)).not.toContain(c.db.password)

    const json = await c.cli(['infra', 'db', 'migrate', '--json'])
    expect(json.status).toBe(0)
    expect(json.json?.result).toMatchObject({ applied: [], pending: [], upToDate: true, alreadyApplied: 3 })
  })

  it('an edited applied file: refused with exit 3, file and both hashes named, nothing applied', async () => {
    const c = await newCase()
    c.write('0001_users.sql', 'CREATE TABLE users (id int);\n')
    expect((await c.cli(['infra', 'db', 'migrate'])).status).toBe(0)
    const [row] = await c.query<{ checksum: string }>('SELECT checksum FROM systemprompt_schema_migrations')
    c.write('0001_users.sql', 'CREATE TABLE users (id bigint);\n')
    c.write('0002_next.sql', 'CREATE TABLE next (id int);\n')
    const r = await c.cli(['infra', 'db', 'migrate'])
    expect(r.status, said(r)).toBe(3)
    expect(r.stderr).toContain('MIGRATION_CHECKSUM_MISMATCH')
    expect(r.stderr).toContain('0001_users.sql')
    expect(r.stderr).toContain(row?.checksum)
    expect(r.stderr).toMatch(/file now [0-9a-f]{64}/)
    expect(await c.tableExists('next')).toBe(false)

    const status = await c.cli(['infra', 'db', 'status', '--json'])
    expect(status.status).toBe(3)
    expect(status.json?.status).toBe(3)
    expect(status.json?.error.details.status.drift.mismatched[0].file).toBe('0001_users.sql')
  })

  it('a duplicate version, a misnamed file, or out of order: exit 3 before any SQL runs', async () => {
    const dup = await newCase()
    dup.write('0001_a.sql', 'CREATE TABLE a (id int);\n')
    dup.write('1_b.sql', 'CREATE TABLE b (id int);\n')
    const bad = await newCase()
    bad.write('0001_a.sql', 'CREATE TABLE a (id int);\n')
    bad.write('add_b.sql', 'CREATE TABLE b (id int);\n')
    const ooo = await newCase()
    ooo.write('0001_a.sql', 'CREATE TABLE a (id int);\n')
    ooo.write('0003_c.sql', 'CREATE TABLE c (id int);\n')
    expect((await ooo.cli(['infra', 'db', 'migrate'])).status).toBe(0)
    ooo.write('0002_b.sql', 'CREATE TABLE b (id int);\n')

    const [d, b, o] = await Promise.all([
      dup.cli(['infra', 'db', 'migrate']),
      bad.cli(['infra', 'db', 'migrate', '--json']),
      ooo.cli(['infra', 'db', 'migrate']),
    ])
    expect(d.status, said(d)).toBe(3)
    expect(d.stderr).toContain('MIGRATION_DUPLICATE_VERSION')
    expect(d.stderr).toContain('0001_a.sql')
    expect(d.stderr).toContain('1_b.sql')
    expect(await dup.tableExists('a')).toBe(false)

    expect(b.status, said(b)).toBe(3)
    expect(b.json?.status).toBe(3)
    expect(b.json?.error.code).toBe('MIGRATION_NAME_INVALID')
    expect(b.json?.error.message).toContain('add_b.sql')
    expect(b.json?.error.message).toContain('NNNN_name.sql')
    expect(await bad.tableExists('a')).toBe(false)

    expect(o.status, said(o)).toBe(3)
    expect(o.stderr).toContain('MIGRATION_OUT_OF_ORDER')
    expect(await ooo.tableExists('b')).toBe(false)
    const allowed = await ooo.cli(['infra', 'db', 'migrate', '--allow-out-of-order'])
    expect(allowed.status, said(allowed)).toBe(0)
    expect(allowed.stdout).toMatch(/applied 0002_b\.sql in \d+ ms/)
  })

  it('a failing file: rolled back, file:line and SQLSTATE named, exit 3; fixed, the next run applies it', async () => {
    const c = await newCase()
    c.write('0001_users.sql', 'CREATE TABLE users (id int);\n')
    c.write('0002_bad.sql', 'CREATE TABLE bad (id int);\n\nSELECT nope FROM bad;\n')
    c.write('0003_after.sql', 'CREATE TABLE after_bad (id int);\n')
    const r = await c.cli(['infra', 'db', 'migrate'])
    expect(r.status, said(r)).toBe(3)
    expect(r.stdout).toMatch(/applied 0001_users\.sql in \d+ ms/)
    expect(r.stderr).toContain('MIGRATION_FAILED')
    expect(r.stderr).toContain('0002_bad.sql:3')
    expect(r.stderr).toContain('SQLSTATE 42703')
    expect(await c.tableExists('bad')).toBe(false)
    expect(await c.tableExists('after_bad')).toBe(false)

    const pending = await c.cli(['infra', 'db', 'status'])
    expect(pending.status, said(pending)).toBe(2)
    expect(pending.stderr).toContain('MIGRATIONS_PENDING')
    expect(pending.stdout).toContain('0002_bad.sql')

    c.write('0002_bad.sql', 'CREATE TABLE bad (id int);\nSELECT id FROM bad;\n')
    const retry = await c.cli(['infra', 'db', 'migrate'])
    expect(retry.status, said(retry)).toBe(0)
    expect(retry.stdout).toMatch(
      /applied 0002_bad\.sql in \d+ ms\napplied 0003_after\.sql in \d+ ms\nApplied 2 migrations/,
    )
    const upToDate = await c.cli(['infra', 'db', 'status', '--json'])
    expect(upToDate.status).toBe(0)
    expect(upToDate.json?.result.state).toBe('up-to-date')
  })

  it('the lock held by another session: names it while waiting, MIGRATION_LOCK_TIMEOUT; released, it succeeds', async () => {
    const c = await newCase()
    c.write('0001_a.sql', 'CREATE TABLE a (id int);\n')
    const name = `test-holder-${RUN}`
    const holder = await connect(c.db, { applicationName: name })
    try {
      await holder.query(
        "SELECT pg_advisory_lock(hashtextextended('systemprompt_schema_migrations:' || current_database(), 0))",
      )
      const r = await c.cli(['infra', 'db', 'migrate', '--lock-timeout', '4'])
      expect(r.status, said(r)).toBe(1)
      const holderLines = r.stderr.split('\n').filter((l) => l.startsWith('waiting for the migration lock'))
      expect(holderLines.length).toBeGreaterThanOrEqual(1)
      expect(holderLines[0]).toContain(name)
      expect(holderLines[0]).toMatch(/pid \d+/)
      expect(r.stderr).toContain('MIGRATION_LOCK_TIMEOUT')
      expect(r.stderr).toMatch(new RegExp(`Error \\[MIGRATION_LOCK_TIMEOUT\\]: .*${name}`))
      expect(await c.tableExists('a')).toBe(false)
    } finally {
      await holder.end()
    }
    const after = await c.cli(['infra', 'db', 'migrate', '--lock-timeout', '4'])
    expect(after.status, said(after)).toBe(0)
    expect(await c.tableExists('a')).toBe(true)
  })

  it('--dry-run shows the plan and creates nothing; a missing directory is a warning and exit 0', async () => {
    const c = await newCase()
    threeFiles(c)
    const [dry, none] = await Promise.all([
      c.cli(['infra', 'db', 'migrate', '--dry-run']),
      c.cli(['infra', 'db', 'migrate', '--json'], {
        SYSTEMPROMPT_SERVICES_PATH: join(c.services, 'nothing'),
      }),
    ])
    expect(dry.status, said(dry)).toBe(0)
    expect(dry.stdout).toContain('would apply 0001_users.sql')
    expect(dry.stdout).toContain('3 pending')
    expect(none.status, said(none)).toBe(0)
    expect(none.json?.warnings[0]).toContain('No migrations directory')
    expect(await c.tableExists('systemprompt_schema_migrations')).toBe(false)
  })
})

describe('infra db migrate: bad input', () => {
  it('the database unreachable: waits --wait seconds, then exit 1 naming host:port', async () => {
    const c = await newCase()
    threeFiles(c)
    const port = await freePort()
    const started = Date.now()
    const r = await c.cli(['infra', 'db', 'migrate', '--wait', '2'], {
      DATABASE_URL: `postgres://app:s3cret-pw@127.0.0.1:${port}/app`,
    })
    const elapsed = Date.now() - started
    expect(r.status, said(r)).toBe(1)
    expect(elapsed).toBeGreaterThanOrEqual(2000)
    expect(r.stderr).toContain('DATABASE_UNREACHABLE')
    expect(r.stderr).toContain(`127.0.0.1:${port}`)
    expect(r.stderr).toContain('within 2 s')
    expect(said(r)).not.toContain('s3cret-pw')

    const status = await c.cli(['infra', 'db', 'status'], {
      DATABASE_URL: `postgres://app:s3cret-pw@127.0.0.1:${port}/app`,
    })
    expect(status.status, said(status)).toBe(1)
  })

  it('a URL that is not postgres://, a wrong password, a migrations path that is a file', async () => {
    const c = await newCase()
    threeFiles(c)
    const fileServices = join(c.services, 'as-file')
    mkdirSync(join(fileServices, 'database'), { recursive: true })
    writeFileSync(join(fileServices, 'database', 'migrations'), 'not a directory')
    const [scheme, password, path] = await Promise.all([
      c.cli(['infra', 'db', 'migrate', '--json'], { DATABASE_URL: 'mysql://app:s3cret-pw@127.0.0.1/app' }),
      c.cli(['infra', 'db', 'migrate', '--wait', '30'], {
        DATABASE_URL: urlOf({ ...c.db, password: 'wr0ng-pw' }),
      }),
      c.cli(['infra', 'db', 'migrate'], { SYSTEMPROMPT_SERVICES_PATH: fileServices }),
    ])
    expect(scheme.status, said(scheme)).toBe(1)
    expect(scheme.json?.error.code).toBe('DATABASE_URL_INVALID')
    expect(scheme.json?.error.message).toContain('DATABASE_URL')
    expect(said(scheme)).not.toContain('s3cret-pw')
    expect(said(scheme)).not.toContain('mysql://')

    expect(password.status, said(password)).toBe(1)
    expect(password.stderr).toContain('DATABASE_AUTH_FAILED')
    expect(password.stderr).toContain('28P01')
    expect(password.stderr).toMatch(/refused the login/)
    expect(said(password)).not.toContain('wr0ng-pw')
    expect(password.stderr).not.toContain('waiting for PostgreSQL')

    expect(path.status, said(path)).toBe(1)
    expect(path.stderr).toContain('MIGRATIONS_PATH_INVALID')
    expect(path.stderr).toContain(join(fileServices, 'database', 'migrations'))
    expect(await c.tableExists('users')).toBe(false)
  })
})
