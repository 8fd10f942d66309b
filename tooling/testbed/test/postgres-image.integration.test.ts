// The test bed's PostgreSQL image must honour the official image's contract, because our compose
// files and code are written against it. Real engine, real PostgreSQL, nothing mocked.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  connect,
  connectWhenReady,
  docker,
  execText,
  exitCode,
  hex,
  hostPort,
  logs,
  password,
  removeRun,
  startPostgres,
  testLabels,
} from './support.js'

let run: string
let tempDirs: string[] = []

beforeEach(() => {
  run = hex()
  tempDirs = []
})

afterEach(async () => {
  await removeRun(run)
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })))
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sp-testbed-'))
  tempDirs.push(dir)
  return dir
}

describe('systemprompt-testbed/postgres:15', () => {
  it('initialises user, password and database from the environment and logs in over TCP', async () => {
    const pw = password()
    const container = await startPostgres({
      run,
      env: { POSTGRES_USER: 'alice', POSTGRES_PASSWORD: pw, POSTGRES_DB: 'appdb' },
    })
    const port = await hostPort(container)
    const client = await connectWhenReady(container, { port, user: 'alice', password: pw, database: 'appdb' })
    try {
      const { rows } = await client.query(
        `select current_user as "user", current_database() as db,
                (select rolpassword like 'SCRAM-SHA-256$%' from pg_authid where rolname = current_user) as scram,
                (select rolsuper from pg_roles where rolname = current_user) as superuser`,
      )
      expect(rows[0]).toEqual({ user: 'alice', db: 'appdb', scram: true, superuser: true })
    } finally {
      await client.end()
    }
    // A wrong password over TCP is refused with invalid_password, not let through by trust.
    await expect(
      connect({ port, user: 'alice', password: `${pw}x`, database: 'appdb' }),
    ).rejects.toMatchObject({
      code: '28P01',
    })
    // The password never reaches the server's log.
    expect(await logs(container)).not.toContain(pw)
  })

  it('reads the password and user from *_FILE (a bind-mounted secret)', async () => {
    const pw = password()
    const dir = await tempDir()
    await writeFile(join(dir, 'password'), `${pw}`, { mode: 0o644 })
    await writeFile(join(dir, 'user'), 'bob', { mode: 0o644 })
    const container = await startPostgres({
      run,
      env: { POSTGRES_PASSWORD_FILE: '/run/secrets/pg-password', POSTGRES_USER_FILE: '/run/secrets/pg-user' },
      binds: [
        `${join(dir, 'password')}:/run/secrets/pg-password:ro`,
        `${join(dir, 'user')}:/run/secrets/pg-user:ro`,
      ],
    })
    const port = await hostPort(container)
    // POSTGRES_DB defaults to the user's name, as in the official image.
    const client = await connectWhenReady(container, { port, user: 'bob', password: pw, database: 'bob' })
    try {
      const { rows } = await client.query('select current_user as "user", current_database() as db')
      expect(rows[0]).toEqual({ user: 'bob', db: 'bob' })
    } finally {
      await client.end()
    }
  })

  it('runs /docker-entrypoint-initdb.d scripts once, in the new database', async () => {
    const pw = password()
    const dir = await tempDir()
    await writeFile(join(dir, '01-schema.sql'), 'create table seeded (id int primary key);\n', {
      mode: 0o644,
    })
    await writeFile(join(dir, '02-note.sh'), `echo "initdb.d ran for $POSTGRES_DB"\n`, { mode: 0o644 })
    const container = await startPostgres({
      run,
      env: { POSTGRES_PASSWORD: pw, POSTGRES_DB: 'seeded_db' },
      binds: [`${dir}:/docker-entrypoint-initdb.d:ro`],
    })
    const login = { port: await hostPort(container), user: 'postgres', password: pw, database: 'seeded_db' }
    const client = await connectWhenReady(container, login)
    try {
      const { rows } = await client.query(`select to_regclass('public.seeded') is not null as present`)
      expect(rows[0]).toEqual({ present: true })
    } finally {
      await client.end()
    }
    expect(await logs(container)).toContain('initdb.d ran for seeded_db')
  })

  it('refuses to initialise without a password, and with both POSTGRES_PASSWORD and its _FILE', async () => {
    const none = await startPostgres({ run, env: {} })
    expect(await exitCode(none)).not.toBe(0)
    expect(await logs(none)).toMatch(/POSTGRES_PASSWORD/)

    const both = await startPostgres({
      run,
      env: { POSTGRES_PASSWORD: password(), POSTGRES_PASSWORD_FILE: '/etc/hostname' },
    })
    expect(await exitCode(both)).not.toBe(0)
    expect(await logs(both)).toMatch(/both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE/)
  })

  it('keeps data when the container is re-created on the same volume, and skips init', async () => {
    const volume = `sp-testbed-pgdata-${run}`
    await docker.createVolume({ Name: volume, Labels: testLabels(run) })
    const firstPassword = password()
    const first = await startPostgres({
      run,
      volume,
      env: { POSTGRES_USER: 'keeper', POSTGRES_PASSWORD: firstPassword, POSTGRES_DB: 'kept' },
    })
    const login = { port: await hostPort(first), user: 'keeper', password: firstPassword, database: 'kept' }
    const client = await connectWhenReady(first, login)
    try {
      await client.query('create table notes (body text)')
      await client.query(`insert into notes values ('survives re-creation')`)
    } finally {
      await client.end()
    }
    await first.stop({ t: 10 })
    await first.remove({ v: false })

    // Different password and database: an existing data directory must ignore both.
    const secondPassword = password()
    const second = await startPostgres({
      run,
      volume,
      env: { POSTGRES_USER: 'keeper', POSTGRES_PASSWORD: secondPassword, POSTGRES_DB: 'other' },
    })
    const port = await hostPort(second)
    const again = await connectWhenReady(second, { ...login, port })
    try {
      const { rows } = await again.query('select body from notes')
      expect(rows).toEqual([{ body: 'survives re-creation' }])
      const { rows: dbs } = await again.query(
        `select count(*)::int as n from pg_database where datname = 'other'`,
      )
      expect(dbs[0]).toEqual({ n: 0 })
    } finally {
      await again.end()
    }
    await expect(connect({ ...login, port, password: secondPassword })).rejects.toMatchObject({
      code: '28P01',
    })
    expect(await logs(second)).toContain('skipping initialization')
  })

  it('runs postgres as PID 1 so a stop is a fast shutdown with exit code 0', async () => {
    const pw = password()
    const container = await startPostgres({ run, env: { POSTGRES_PASSWORD: pw } })
    const client = await connectWhenReady(container, {
      port: await hostPort(container),
      user: 'postgres',
      password: pw,
      database: 'postgres',
    })
    await client.end()
    expect((await execText(container, ['cat', '/proc/1/comm'])).trim()).toBe('postgres')
    expect(await execText(container, ['pg_isready', '-q', '-h', '127.0.0.1'])).toBe('')

    // The issue asks for "stops in under 2 s"; the 10 s grace period would turn a lost signal into
    // exit 137 after 10 s, which the exit code check below catches on its own.
    const started = performance.now()
    await container.stop({ t: 10 })
    const elapsedMs = performance.now() - started

    const state = (await container.inspect()).State
    expect(state.ExitCode).toBe(0)
    expect(state.OOMKilled).toBe(false)
    expect(await logs(container)).toContain('received fast shutdown request')
    expect(elapsedMs).toBeLessThan(2000)
  })
})
