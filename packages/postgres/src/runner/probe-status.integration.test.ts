import { basename, join } from 'node:path'
import { configHash } from '@systemprompt/compose'
import { connectEngine, type Engine } from '@systemprompt/engine'
import { childEnv, freePort, newRunId } from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acceptsLogins, verifyLogin } from './probe.js'
import { serverStatus } from './status.js'
import { cleanupRun, makeTestServer, type TestServer } from './test-support.js'
import { upServer } from './up.js'

// One running server for both: the login probe and the drift the config hash cannot show.
const run = newRunId()
const dirs: string[] = []
let engine: Engine
let server: TestServer

beforeAll(async () => {
  engine = await connectEngine({ env: childEnv() })
  server = await makeTestServer(run, 'probe')
  dirs.push(server.dir)
  await upServer(engine, server.spec)
})
afterAll(() => {
  cleanupRun(run, dirs.splice(0))
})

describe('verifyLogin: a real login over the protocol, without the pg driver', () => {
  it('tells a right password from a wrong one, where acceptsLogins cannot', async () => {
    const { spec, password } = server
    const login = { user: spec.adminUser, database: spec.database }

    expect(await verifyLogin(spec.port, { ...login, password })).toEqual({ kind: 'ok' })
    expect(await verifyLogin(spec.port, { ...login, password: `${password}x` })).toEqual({
      kind: 'rejected',
      sqlstate: '28P01',
    })
    // The startup-message probe says "takes logins" for both: it never sends a password.
    expect(await acceptsLogins(spec.port, spec.adminUser, spec.database)).toBe(true)
    // Another database that does not exist: not a password problem (3D000).
    expect(await verifyLogin(spec.port, { ...login, database: 'nope', password })).toMatchObject({
      kind: 'unavailable',
      sqlstate: '3D000',
    })
    // Nothing listening: unavailable, at once.
    expect((await verifyLogin(await freePort(), { ...login, password })).kind).toBe('unavailable')
  })
})

describe('serverStatus: drift of the password file', () => {
  it('a container that mounts its password file from another directory drifts, though its hash matches', async () => {
    const { spec } = server
    expect((await serverStatus(engine, spec)).drift).toEqual([])
    const elsewhere = { ...spec, passwordFile: join('/elsewhere/data', basename(spec.passwordFile)) }
    expect(configHash(elsewhere)).toBe(configHash(spec))
    expect((await serverStatus(engine, elsewhere)).drift).toEqual([
      { field: 'password-file', declared: elsewhere.passwordFile, actual: spec.passwordFile },
    ])
  })
})
