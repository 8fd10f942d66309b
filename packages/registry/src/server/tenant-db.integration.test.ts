import { connect, type PgClient, type PgTarget, withClient } from '@systemprompt/pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestPostgres, type TestPostgres } from '../test-support/postgres.js'
import { listServerDatabases, listServerRoles } from './inventory.js'
import { createTenantDatabase, dropTenantDatabase, resetTenantPassword } from './tenant-db.js'

let server: TestPostgres
let admin: PgClient
const A = { role: 'sp_alpha_t1', database: 'sp_alpha_t1' }
const B = { role: 'sp_beta_t1', database: 'sp_beta_t1' }
// A and B live for the whole file; a test that drops or re-keys one keeps the shared state true (passwordA)
// or uses a tenant of its own (C), so every test passes alone and in any order.
const C = { role: 'sp_gamma_t1', database: 'sp_gamma_t1' }
let passwordA = ''

function target(user: string, password: string, database: string): PgTarget {
  return { host: '127.0.0.1', port: server.port, user, password, database }
}

beforeAll(async () => {
  server = await startTestPostgres('tenantdb')
  admin = await connect(target(server.adminUser, server.adminPassword, 'postgres'))
  passwordA = (await createTenantDatabase(admin, A)).password
  await createTenantDatabase(admin, B)
})

afterAll(async () => {
  await admin?.end().catch(() => {})
  await server?.stop()
})

describe('createTenantDatabase', () => {
  it('gives the role its own database with the generated password', async () => {
    const who = await withClient(target(A.role, passwordA, A.database), async (c) => {
      const r = await c.query<{ u: string; d: string }>('SELECT current_user AS u, current_database() AS d')
      await c.query('CREATE TABLE IF NOT EXISTS notes (id int)')
      return r.rows[0]
    })
    expect(who).toEqual({ u: A.role, d: A.database })
  })

  it('records owner, size and the closed ACL', async () => {
    const dbs = await listServerDatabases(admin)
    const a = dbs.find((d) => d.name === A.database)
    expect(a).toMatchObject({ owner: A.role, closedToPublic: true })
    expect(a?.sizeBytes).toBeGreaterThan(1_000_000)
    // Creating a tenant also closes the maintenance database to PUBLIC (issue 8).
    expect(dbs.find((d) => d.name === 'postgres')?.closedToPublic).toBe(true)
    expect((await listServerRoles(admin, 'sp_')).map((r) => r.name)).toEqual([A.role, B.role])
  })

  it('is idempotent: a resumed create resets the password and keeps the data', async () => {
    await withClient(target(A.role, passwordA, A.database), (c) =>
      c.query('CREATE TABLE IF NOT EXISTS notes (id int)'),
    )
    const again = await createTenantDatabase(admin, A)
    expect(again).toMatchObject({ createdDatabase: false, createdRole: false })
    await expect(withClient(target(A.role, passwordA, A.database), async () => {})).rejects.toMatchObject({
      code: 'DATABASE_AUTH_FAILED',
    })
    passwordA = again.password
    const rows = await withClient(target(A.role, passwordA, A.database), (c) =>
      c.query("SELECT 1 FROM pg_tables WHERE tablename = 'notes'"),
    )
    expect(rows.rowCount).toBe(1)
  })

  it('measures sizes over parallel connections above 50 databases, and on its own one when those fail', async () => {
    const names = Array.from({ length: 52 }, (_, i) => `sp_lanes_${i}`)
    for (const name of names) await admin.query(`CREATE DATABASE ${name}`)
    try {
      const good = target(server.adminUser, server.adminPassword, 'postgres')
      const parallel = await listServerDatabases(admin, good)
      // Extra connections refused (here: a wrong password): every size is still measured, on `admin`.
      const refused = await listServerDatabases(admin, { ...good, password: 'wrong' })
      const sizes = (list: typeof parallel) =>
        new Map(list.filter((d) => d.name.startsWith('sp_lanes_')).map((d) => [d.name, d.sizeBytes]))
      expect(sizes(parallel).size).toBe(52)
      expect([...sizes(parallel).values()].every((size) => size > 1_000_000)).toBe(true)
      expect(sizes(refused)).toEqual(sizes(parallel))
    } finally {
      for (const name of names) await admin.query(`DROP DATABASE IF EXISTS ${name}`)
    }
  }, 120_000)

  it('escapes hostile identifiers instead of executing them', async () => {
    const evil = { role: 'x"; CREATE ROLE pwned SUPERUSER; --', database: "y'; DROP DATABASE postgres; --" }
    const made = await createTenantDatabase(admin, evil)
    const roles = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', ['pwned'])
    expect(roles.rowCount).toBe(0)
    expect((await listServerDatabases(admin)).map((d) => d.name)).toContain('postgres')
    expect((await listServerDatabases(admin)).map((d) => d.name)).toContain(evil.database)
    await dropTenantDatabase(admin, { role: made.role, database: made.database })
    expect((await listServerDatabases(admin)).map((d) => d.name)).not.toContain(evil.database)
  })

  it('refuses to adopt a database owned by someone else', async () => {
    await admin.query('CREATE DATABASE sp_foreign_t1')
    await expect(
      createTenantDatabase(admin, { role: 'sp_foreign_t1', database: 'sp_foreign_t1' }),
    ).rejects.toMatchObject({ code: 'DATABASE_OBJECT_EXISTS', category: 'conflict' })
    await expect(
      dropTenantDatabase(admin, { role: 'sp_foreign_t1', database: 'sp_foreign_t1' }),
    ).rejects.toMatchObject({
      code: 'DATABASE_OBJECT_EXISTS',
    })
    await admin.query('DROP DATABASE sp_foreign_t1')
    await admin.query('DROP ROLE IF EXISTS sp_foreign_t1')
  })
})

describe('isolation between tenants', () => {
  it("A's role cannot open B's database", async () => {
    await expect(withClient(target(A.role, passwordA, B.database), async () => {})).rejects.toMatchObject({
      code: 'DATABASE_PERMISSION_DENIED',
      details: { sqlstate: '42501' },
    })
  })

  it("A's role has no server-wide powers", async () => {
    await withClient(target(A.role, passwordA, A.database), async (c) => {
      const me = await c.query<{ rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean }>(
        'SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user',
      )
      expect(me.rows[0]).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false })
      await expect(c.query('CREATE ROLE sneaky LOGIN')).rejects.toMatchObject({ code: '42501' })
      await expect(c.query('CREATE DATABASE sneaky')).rejects.toMatchObject({ code: '42501' })
      await expect(c.query('SELECT rolpassword FROM pg_authid')).rejects.toMatchObject({ code: '42501' })
      await expect(c.query(`ALTER ROLE ${B.role} PASSWORD 'x'`)).rejects.toMatchObject({ code: '42501' })
      await expect(c.query('ALTER ROLE current_user SUPERUSER')).rejects.toMatchObject({ code: '42501' })
      await expect(c.query(`GRANT ${B.role} TO current_user`)).rejects.toMatchObject({ code: '42501' })
    })
  })

  it('the admin password is never touched', async () => {
    await withClient(target(server.adminUser, server.adminPassword, 'postgres'), async (c) => {
      expect((await c.query('SELECT 1')).rowCount).toBe(1)
    })
  })
})

describe('dropTenantDatabase', () => {
  it('ends open sessions, drops database and role, and is idempotent', async () => {
    const passwordC = (await createTenantDatabase(admin, C)).password
    const open = await connect(target(C.role, passwordC, C.database))
    const result = await dropTenantDatabase(admin, C)
    expect(result).toMatchObject({ droppedDatabase: true, droppedRole: true })
    expect(result.terminatedSessions).toBeGreaterThanOrEqual(1)
    await open.end().catch(() => {})
    expect((await listServerDatabases(admin)).map((d) => d.name)).not.toContain(C.database)
    expect((await listServerRoles(admin, 'sp_gamma')).length).toBe(0)
    expect(await dropTenantDatabase(admin, C)).toMatchObject({ droppedDatabase: false, droppedRole: false })
    // The other tenants are untouched.
    expect((await listServerDatabases(admin)).map((d) => d.name)).toContain(B.database)
  })

  it('resetTenantPassword gives a working new password', async () => {
    passwordA = await resetTenantPassword(admin, A.role)
    await withClient(target(A.role, passwordA, A.database), async (c) => c.query('SELECT 1'))
  })

  it('maps connection refused to DATABASE_UNREACHABLE', async () => {
    await expect(
      connect({ ...target('x', 'y', 'postgres'), port: 1 }, { timeoutMs: 2000 }),
    ).rejects.toMatchObject({ code: 'DATABASE_UNREACHABLE' })
  })
})
