import { basename, join } from 'node:path'
import { configHash } from '@systemprompt/compose'
import { connectEngine, type Engine } from '@systemprompt/engine'
import { childEnv, docker, freePort, newRunId, testImage, testLabels } from '@systemprompt/testkit'
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
    // Nothing listening: unavailable, at once, and marked as no server (the readiness poll waits on).
    expect(await verifyLogin(await freePort(), { ...login, password })).toMatchObject({
      kind: 'unavailable',
      noServer: true,
    })
  })

  it('runs SELECT 1 on the session and says when the server first asked for authentication', async () => {
    const { spec, password } = server
    const login = { user: spec.adminUser, database: spec.database }
    let asked = 0
    const onAuthRequest = () => {
      asked++
    }
    expect(
      await verifyLogin(spec.port, { ...login, password }, 1000, { selectOne: true, onAuthRequest }),
    ).toEqual({ kind: 'ok' })
    // Once per login, though SCRAM has three authentication messages.
    expect(asked).toBe(1)
    // A server that answers but refuses: asked, then rejected; no query is sent before the login.
    expect(
      await verifyLogin(spec.port, { ...login, password: `${password}x` }, 1000, {
        selectOne: true,
        onAuthRequest,
      }),
    ).toEqual({ kind: 'rejected', sqlstate: '28P01' })
    expect(asked).toBe(2)
  })
})

describe('verifyLogin: no proof without a password exchange', () => {
  it('a trust-auth server lets anyone in: unproven, whatever the password', async () => {
    const port = await freePort()
    const labels = Object.entries(testLabels(run)).flatMap(([k, v]) => ['--label', `${k}=${v}`])
    docker([
      'run',
      '-d',
      '--name',
      `sp-test-trust-${run}`,
      ...labels,
      '-e',
      'POSTGRES_HOST_AUTH_METHOD=trust',
      '-p',
      `127.0.0.1:${port}:5432`,
      testImage(),
    ])
    const login = { user: 'postgres', database: 'postgres' }
    // Wait until it answers (the image's init restarts the server once).
    let outcome = await verifyLogin(port, { ...login, password: 'anything' })
    for (let i = 0; i < 120 && outcome.kind === 'unavailable'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      outcome = await verifyLogin(port, { ...login, password: 'anything' })
    }
    expect(outcome.kind).toBe('unproven')
    expect(await verifyLogin(port, { ...login, password: 'another one' })).toMatchObject({ kind: 'unproven' })
  }, 120_000)
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
