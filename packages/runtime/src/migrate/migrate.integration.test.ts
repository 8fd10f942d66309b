/**
 * Migrations against a real PostgreSQL from the test image: one container for the file, one database per
 * test. Order, history, one transaction per file, refusals before any SQL, the lock and its holder, waiting
 * for a login, status.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SystempromptError } from '@systemprompt/config/core'
import { connect, type PgClient, type PgTarget } from '@systemprompt/pg'
import {
  freePort,
  newRunId,
  removeRun,
  startTestPostgres,
  type TempDir,
  type TestPostgres,
  tempDir,
} from '@systemprompt/testkit'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type MigrateEvent, migrate, migrationStatus, statusError } from './migrate.js'

const run = newRunId()
let admin: TestPostgres
let dir: TempDir
let url: string
let db: PgTarget
let n = 0

const urlOf = (t: PgTarget): string =>
  `postgres://${t.user}:${encodeURIComponent(t.password)}@${t.host}:${t.port}/${t.database}`

beforeAll(async () => {
  admin = await startTestPostgres(run, { name: `sp-test-migrate-${run}` })
}, 90_000)

afterAll(() => removeRun(run))

beforeEach(async () => {
  dir = tempDir('sp-migrations-')
  db = { ...admin, database: `app_${run}_${++n}` }
  const client = await connect(admin)
  await client.query(`CREATE DATABASE ${db.database}`)
  await client.end()
  url = admin.url(db.database)
})
afterEach(() => dir.remove())

const write = (name: string, sql: string): void => writeFileSync(join(dir.path, name), sql)

async function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const client = await connect(db)
  try {
    return (await client.query(sql)).rows as T[]
  } finally {
    await client.end()
  }
}
const tableExists = async (name: string): Promise<boolean> =>
  (await query<{ t: string | null }>(`SELECT to_regclass('${name}')::text AS t`))[0]?.t !== null

async function errorOf(promise: Promise<unknown>): Promise<Record<string, unknown> & { message: string }> {
  try {
    await promise
  } catch (error) {
    return error as Record<string, unknown> & { message: string }
  }
  throw new Error('expected a rejection')
}

function threeFiles(): void {
  write('0001_users.sql', 'CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);\n')
  write('0002_seed.sql', "INSERT INTO users (name) VALUES ('first');\n")
  write('0003_orders.sql', 'CREATE TABLE orders (id int REFERENCES users (id));\n')
}

describe('migrate', () => {
  it('applies in version order, records each file, and a second run has nothing to do', async () => {
    threeFiles()
    write('README.md', 'not a migration')
    const events: MigrateEvent[] = []
    const first = await migrate({ databaseUrl: url, directory: dir.path, onEvent: (e) => events.push(e) })
    expect(first.applied.map((a) => a.file)).toEqual(['0001_users.sql', '0002_seed.sql', '0003_orders.sql'])
    expect(events.filter((e) => e.type === 'applied')).toHaveLength(3)
    expect(first.database).toBe(`127.0.0.1:${db.port}/${db.database}`)
    const history = await query<Record<string, unknown>>(
      'SELECT version::int AS version, name, checksum, execution_ms, applied_by, applied_at FROM systemprompt_schema_migrations ORDER BY version',
    )
    expect(history.map((h) => [h.version, h.name])).toEqual([
      [1, 'users'],
      [2, 'seed'],
      [3, 'orders'],
    ])
    expect(history[0]?.checksum).toMatch(/^[0-9a-f]{64}$/)
    expect(typeof history[0]?.execution_ms).toBe('number')
    expect(history[0]?.applied_by).toContain(`:${process.pid}`)
    const second = await migrate({ databaseUrl: url, directory: dir.path })
    expect(second).toMatchObject({ applied: [], upToDate: true, alreadyApplied: 3 })
    expect(await query('SELECT * FROM users')).toHaveLength(1)
  })

  it('eight runs at once: each file applied exactly once, none fails', async () => {
    threeFiles()
    const runs = await Promise.all(
      Array.from({ length: 8 }, () =>
        migrate({ databaseUrl: url, directory: dir.path, lockTimeoutMs: 30_000, lockReportMs: 500 }),
      ),
    )
    expect(runs.reduce((sum, r) => sum + r.applied.length, 0)).toBe(3)
    expect(runs.filter((r) => r.upToDate)).toHaveLength(7)
    expect(await query('SELECT * FROM users')).toHaveLength(1)
    expect(await query('SELECT * FROM systemprompt_schema_migrations')).toHaveLength(3)
  })

  it('a failing file is rolled back with file:line and SQLSTATE; later files do not run; a fixed file is retried', async () => {
    write('0001_users.sql', 'CREATE TABLE users (id int);\n')
    write('0002_bad.sql', 'CREATE TABLE bad (id int);\n\n-- the next line fails\nSELECT nope FROM bad;\n')
    write('0003_after.sql', 'CREATE TABLE after_bad (id int);\n')
    const error = await errorOf(migrate({ databaseUrl: url, directory: dir.path }))
    expect(error.code).toBe('MIGRATION_FAILED')
    expect(error.message).toContain('0002_bad.sql:4')
    expect(error.message).toContain('SQLSTATE 42703')
    expect(error.line).toBe(4)
    expect(error.file).toBe(join(dir.path, '0002_bad.sql'))
    expect(await tableExists('users')).toBe(true)
    expect(await tableExists('bad')).toBe(false)
    expect(await tableExists('after_bad')).toBe(false)
    expect(await query('SELECT version FROM systemprompt_schema_migrations')).toHaveLength(1)

    write('0002_bad.sql', 'CREATE TABLE bad (id int);\nSELECT id FROM bad;\n')
    const retry = await migrate({ databaseUrl: url, directory: dir.path })
    expect(retry.applied.map((a) => a.file)).toEqual(['0002_bad.sql', '0003_after.sql'])
  })

  it('an edited applied file refuses the run, naming it and both hashes; nothing is applied', async () => {
    write('0001_users.sql', 'CREATE TABLE users (id int);\n')
    await migrate({ databaseUrl: url, directory: dir.path })
    const [recorded] = await query<{ checksum: string }>(
      'SELECT checksum FROM systemprompt_schema_migrations',
    )
    write('0001_users.sql', 'CREATE TABLE users (id bigint);\n')
    write('0002_next.sql', 'CREATE TABLE next (id int);\n')
    const error = await errorOf(migrate({ databaseUrl: url, directory: dir.path }))
    expect(error.code).toBe('MIGRATION_CHECKSUM_MISMATCH')
    expect(error.message).toContain('0001_users.sql')
    expect(error.message).toContain(recorded?.checksum)
    expect(error.message).toMatch(/file now [0-9a-f]{64}/)
    expect(await tableExists('next')).toBe(false)
    expect(
      (
        statusError(await migrationStatus({ databaseUrl: url, directory: dir.path })) as Error & {
          code: string
        }
      ).code,
    ).toBe('MIGRATION_CHECKSUM_MISMATCH')
  })

  it('a pending version below the highest applied is refused unless --allow-out-of-order', async () => {
    write('0001_a.sql', 'CREATE TABLE a (id int);\n')
    write('0003_c.sql', 'CREATE TABLE c (id int);\n')
    await migrate({ databaseUrl: url, directory: dir.path })
    write('0002_b.sql', 'CREATE TABLE b (id int);\n')
    const error = await errorOf(migrate({ databaseUrl: url, directory: dir.path }))
    expect(error.code).toBe('MIGRATION_OUT_OF_ORDER')
    expect(error.message).toContain('0002_b.sql')
    expect(await tableExists('b')).toBe(false)
    const allowed = await migrate({ databaseUrl: url, directory: dir.path, allowOutOfOrder: true })
    expect(allowed.applied.map((a) => a.file)).toEqual(['0002_b.sql'])
  })

  it('an applied file missing on disk is a warning', async () => {
    write('0001_a.sql', 'CREATE TABLE a (id int);\n')
    await migrate({ databaseUrl: url, directory: dir.path })
    rmSync(join(dir.path, '0001_a.sql'))
    write('0002_b.sql', 'CREATE TABLE b (id int);\n')
    const result = await migrate({ databaseUrl: url, directory: dir.path })
    expect(result.applied.map((a) => a.file)).toEqual(['0002_b.sql'])
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'MIGRATION_FILE_MISSING' })])
  })

  it('a no-transaction file runs statement by statement (CREATE INDEX CONCURRENTLY) and names the failing line', async () => {
    write('0001_t.sql', 'CREATE TABLE t (x int, y text);\n')
    write(
      '0002_idx.sql',
      "-- systemprompt:no-transaction\nCREATE INDEX CONCURRENTLY t_x ON t (x);\nCOMMENT ON TABLE t IS 'a; b';\n",
    )
    const result = await migrate({ databaseUrl: url, directory: dir.path })
    expect(result.applied.map((a) => [a.file, a.noTransaction])).toEqual([
      ['0001_t.sql', false],
      ['0002_idx.sql', true],
    ])
    expect(await tableExists('t_x')).toBe(true)

    write(
      '0003_bad.sql',
      '-- systemprompt:no-transaction\nCREATE INDEX CONCURRENTLY t_y ON t (y);\n\nCREATE INDEX CONCURRENTLY t_z ON t (nope);\n',
    )
    const error = await errorOf(migrate({ databaseUrl: url, directory: dir.path }))
    expect(error.code).toBe('MIGRATION_FAILED')
    expect(error.message).toContain('0003_bad.sql:4')
    expect(error.message).toContain('SQLSTATE 42703')
    expect(await query('SELECT 1 FROM systemprompt_schema_migrations WHERE version = 3')).toHaveLength(0)
  })

  it('--dry-run lists the plan and creates nothing (not even the history table)', async () => {
    threeFiles()
    const result = await migrate({ databaseUrl: url, directory: dir.path, dryRun: true })
    expect(result.pending.map((p) => p.file)).toEqual(['0001_users.sql', '0002_seed.sql', '0003_orders.sql'])
    expect(result.applied).toEqual([])
    expect(await tableExists('systemprompt_schema_migrations')).toBe(false)
    expect(await tableExists('users')).toBe(false)
  })

  it('a missing directory is a warning and nothing to apply', async () => {
    const result = await migrate({ databaseUrl: url, directory: join(dir.path, 'none') })
    expect(result).toMatchObject({ applied: [], upToDate: true })
    expect(result.warnings[0]?.code).toBe('MIGRATIONS_PATH_INVALID')
  })

  it('waits for the lock naming its holder, times out with MIGRATION_LOCK_TIMEOUT, then succeeds once released', async () => {
    write('0001_a.sql', 'CREATE TABLE a (id int);\n')
    const holder: PgClient = await connect(db, { applicationName: `lock-holder-${run}` })
    try {
      await holder.query(
        "SELECT pg_advisory_lock(hashtextextended('systemprompt_schema_migrations:' || current_database(), 0))",
      )
      const events: MigrateEvent[] = []
      const started = Date.now()
      const error = await errorOf(
        migrate({
          databaseUrl: url,
          directory: dir.path,
          lockTimeoutMs: 2000,
          lockReportMs: 700,
          onEvent: (e) => events.push(e),
        }),
      )
      expect(Date.now() - started).toBeLessThan(6000)
      expect(error.code).toBe('MIGRATION_LOCK_TIMEOUT')
      expect(error.message).toContain(`lock-holder-${run}`)
      const waits = events.filter((e) => e.type === 'waiting-for-lock')
      expect(waits.length).toBeGreaterThanOrEqual(2)
      expect(waits[0]?.type === 'waiting-for-lock' && waits[0].holder?.applicationName).toBe(
        `lock-holder-${run}`,
      )
      expect(await tableExists('a')).toBe(false)
    } finally {
      await holder.end()
    }
    const after = await migrate({ databaseUrl: url, directory: dir.path, lockTimeoutMs: 2000 })
    expect(after.applied.map((a) => a.file)).toEqual(['0001_a.sql'])
  })

  it('an edited file is refused while waiting for the lock, without waiting it out', async () => {
    write('0001_a.sql', 'CREATE TABLE a (id int);\n')
    await migrate({ databaseUrl: url, directory: dir.path })
    write('0001_a.sql', 'CREATE TABLE a (id bigint);\n')
    const holder = await connect(db)
    try {
      await holder.query(
        "SELECT pg_advisory_lock(hashtextextended('systemprompt_schema_migrations:' || current_database(), 0))",
      )
      const started = Date.now()
      const error = await errorOf(migrate({ databaseUrl: url, directory: dir.path, lockTimeoutMs: 20_000 }))
      expect(error.code).toBe('MIGRATION_CHECKSUM_MISMATCH')
      expect(Date.now() - started).toBeLessThan(5000)
    } finally {
      await holder.end()
    }
  })
})

describe('reaching the database', () => {
  it('waits up to waitMs for a closed port, then DATABASE_UNREACHABLE naming host:port', async () => {
    const port = await freePort()
    threeFiles()
    const events: MigrateEvent[] = []
    const started = Date.now()
    const error = await errorOf(
      migrate({
        databaseUrl: `postgres://u:secret-pw@127.0.0.1:${port}/app`,
        directory: dir.path,
        waitMs: 2000,
        onEvent: (e) => events.push(e),
      }),
    )
    const elapsed = Date.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(1900)
    expect(elapsed).toBeLessThan(6000)
    expect(error.code).toBe('DATABASE_UNREACHABLE')
    expect(error.message).toContain(`127.0.0.1:${port}`)
    expect(error.message).not.toContain('secret-pw')
    expect(events.some((e) => e.type === 'waiting-for-database')).toBe(true)
  })

  it('a wrong password is DATABASE_AUTH_FAILED (28P01) at once', async () => {
    threeFiles()
    const started = Date.now()
    const error = await errorOf(
      migrate({ databaseUrl: urlOf({ ...db, password: 'wrong-pw' }), directory: dir.path, waitMs: 30_000 }),
    )
    expect(Date.now() - started).toBeLessThan(5000)
    expect(error.code).toBe('DATABASE_AUTH_FAILED')
    expect(error.message).toContain('28P01')
    expect(error.message).not.toContain('wrong-pw')
  })

  it('a role that may not create the history table (PostgreSQL 15: no CREATE on public): our error, no raw pg one', async () => {
    threeFiles()
    const role = `limited_${run}_${n}`
    const password = randomBytes(8).toString('hex')
    const client = await connect(admin)
    try {
      await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`)
      await client.query(`GRANT CONNECT ON DATABASE ${db.database} TO ${role}`)
    } finally {
      await client.end()
    }
    const error = await errorOf(
      migrate({ databaseUrl: urlOf({ ...db, user: role, password }), directory: dir.path, waitMs: 5000 }),
    )
    expect(error).toBeInstanceOf(SystempromptError)
    expect(error.code).toBe('DATABASE_PERMISSION_DENIED')
    expect(error.message).toContain(db.database)
    expect(error.fix).toBeTruthy()
    expect(await query(`SELECT to_regclass('users') AS t`)).toEqual([{ t: null }])
  })
})

describe('migrationStatus', () => {
  it('pending, then up to date; a missing file is drift', async () => {
    threeFiles()
    const before = await migrationStatus({ databaseUrl: url, directory: dir.path })
    expect(before.state).toBe('pending')
    expect(before.pending).toHaveLength(3)
    expect((statusError(before) as Error & { code: string }).code).toBe('MIGRATIONS_PENDING')
    expect(await tableExists('systemprompt_schema_migrations')).toBe(false)
    await migrate({ databaseUrl: url, directory: dir.path })
    const after = await migrationStatus({ databaseUrl: url, directory: dir.path })
    expect(after.state).toBe('up-to-date')
    expect(after.applied.map((a) => a.file)).toEqual(['0001_users.sql', '0002_seed.sql', '0003_orders.sql'])
    expect(statusError(after)).toBeUndefined()
    mkdirSync(join(dir.path, 'sub'))
    rmSync(join(dir.path, '0003_orders.sql'))
    const drift = await migrationStatus({ databaseUrl: url, directory: dir.path })
    expect(drift.state).toBe('drift')
    expect(drift.drift.missing.map((m) => m.version)).toEqual([3])
    expect((statusError(drift) as Error & { code: string }).code).toBe('MIGRATION_FILE_MISSING')
  })
})
