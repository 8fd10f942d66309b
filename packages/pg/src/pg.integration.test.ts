/**
 * The PostgreSQL edge against a real server from the test image: login probing, error mapping by SQLSTATE,
 * quoting of hostile names, and SCRAM verifiers the server accepts.
 */
import { randomBytes } from 'node:crypto'
import { freePort, newRunId, removeRun, startTestPostgres, type TestPostgres } from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, endClient, newClient, withClient } from './connect.js'
import { isTransientLoginError, sqlstateOf, tryLogin } from './login.js'
import { scramSha256Verifier } from './scram.js'
import { quoteIdent, quoteLiteral } from './sql.js'

const run = newRunId()
let admin: TestPostgres

beforeAll(async () => {
  admin = await startTestPostgres(run, { name: `sp-test-pg-${run}` })
})

afterAll(() => removeRun(run))

describe('login probe', () => {
  it('answers true for a working login', async () => {
    expect(await tryLogin(admin, 2000)).toBe(true)
  })

  it('a wrong password is 28P01 and not worth retrying', async () => {
    const outcome = await tryLogin({ ...admin, password: 'wrong' }, 2000)
    expect(outcome).toBeInstanceOf(Error)
    expect(sqlstateOf(outcome)).toBe('28P01')
    expect(isTransientLoginError(outcome as Error)).toBe(false)
  })

  it('a closed port is transient (the server may still be starting)', async () => {
    const outcome = await tryLogin({ ...admin, port: await freePort() }, 1000)
    expect(outcome).toBeInstanceOf(Error)
    expect(isTransientLoginError(outcome as Error)).toBe(true)
  })
})

describe('endClient', () => {
  it('ends the session with Terminate and closes our side without waiting for the server: no abandoned session', async () => {
    const name = `sp-end-${run}`
    // Sessions of this database that ended without Terminate (the client just went away), as the server counts them.
    const abandoned = () =>
      withClient(admin, async (c) => {
        await c.query('SELECT pg_stat_clear_snapshot()')
        const res = await c.query(
          'SELECT sessions_abandoned::int AS n FROM pg_stat_database WHERE datname = $1',
          [admin.database],
        )
        return res.rows[0].n as number
      })
    const before = await abandoned()
    for (let i = 0; i < 3; i++) {
      const client = await connect(admin, { applicationName: name })
      await client.query('SELECT 1')
      await endClient(client)
      expect(client.connection.stream.destroyed).toBe(true)
    }
    // a client that never connected, and one that failed to: nothing to wait for
    await endClient(newClient(admin, 1000))
    await connect({ ...admin, port: await freePort() }, { timeoutMs: 500 }).catch(() => undefined)
    const gone = await withClient(admin, async (c) => {
      for (let tries = 0; tries < 100; tries++) {
        const left = await c.query(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
          [name],
        )
        if (left.rows[0].n === 0) return true
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      return false
    })
    expect(gone).toBe(true)
    expect(await abandoned()).toBe(before)
  })
})

describe('connect maps errors to our codes', () => {
  it('wrong password -> DATABASE_AUTH_FAILED, the password not in the message', async () => {
    const error = await connect({ ...admin, password: 'not-the-password-x9' }).catch((e: unknown) => e)
    expect((error as { code: string }).code).toBe('DATABASE_AUTH_FAILED')
    expect((error as { details: { sqlstate: string } }).details.sqlstate).toBe('28P01')
    expect(String((error as Error).message)).not.toContain('not-the-password-x9')
  })

  it('nothing listening -> DATABASE_UNREACHABLE naming the host and port', async () => {
    const port = await freePort()
    const error = await connect({ ...admin, port }, { timeoutMs: 1000 }).catch((e: unknown) => e)
    expect((error as { code: string }).code).toBe('DATABASE_UNREACHABLE')
    expect((error as Error).message).toContain(`127.0.0.1:${port}`)
  })

  it('a missing database -> its own code (3D000)', async () => {
    const error = await connect({ ...admin, database: `nope_${run}` }).catch((e: unknown) => e)
    expect((error as { details: { sqlstate: string } }).details.sqlstate).toBe('3D000')
  })
})

describe('quoting and SCRAM on the real server', () => {
  it('a role and database with hostile names round-trip, and the SCRAM verifier logs in', async () => {
    const role = `r"'; DROP TABLE x; --${run}`
    const db = `d "quoted" ${run}`
    const password = randomBytes(16).toString('hex')
    await withClient(admin, async (client) => {
      await client.query(
        `CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD ${quoteLiteral(scramSha256Verifier(password))}`,
      )
      await client.query(`CREATE DATABASE ${quoteIdent(db)} OWNER ${quoteIdent(role)}`)
      const found = await client.query('SELECT datname FROM pg_database WHERE datname = $1', [db])
      expect(found.rows).toHaveLength(1)
      const stored = await client.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role])
      expect(String(stored.rows[0].rolpassword)).toMatch(/^SCRAM-SHA-256\$4096:/)
    })
    expect(await tryLogin({ ...admin, user: role, password, database: db }, 2000)).toBe(true)
    await withClient(admin, async (client) => {
      await client.query(`DROP DATABASE ${quoteIdent(db)}`)
      await client.query(`DROP ROLE ${quoteIdent(role)}`)
    })
  })
})
