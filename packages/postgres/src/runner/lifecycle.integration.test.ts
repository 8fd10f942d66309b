import { writeFile } from 'node:fs/promises'
import { configHash } from '@systemprompt/compose'
import { connectEngine, type Engine } from '@systemprompt/engine'
import { childEnv, newRunId } from '@systemprompt/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { downServer, resetServer, serverLogs, serverStatus, upServer } from './index.js'
import { adminQuery, cleanupRun, makeTestServer } from './test-support.js'

const run = newRunId()
const dirs: string[] = []
let engine: Engine

beforeAll(async () => {
  engine = await connectEngine({ env: childEnv() })
})
afterEach(async () => {
  cleanupRun(run, dirs.splice(0))
})
afterAll(() => {
  cleanupRun(run)
})

async function server(name: string) {
  const made = await makeTestServer(run, name)
  dirs.push(made.dir)
  return made
}

describe('upServer lifecycle', () => {
  it('cold up: creates volume and container the way the compose file declares, and is ready', async () => {
    const { spec, password } = await server('cold')
    const progress: string[] = []
    const result = await upServer(engine, spec, { onProgress: (e) => progress.push(e.step) })
    expect(result).toMatchObject({ action: 'created', volumeCreated: true, configHash: configHash(spec) })
    expect(progress).toEqual(expect.arrayContaining(['volume', 'create', 'start', 'wait', 'ready']))
    expect(await adminQuery(spec, password, 'SELECT 1 AS one')).toEqual([{ one: 1 }])

    const info = await engine.containers.inspect(spec.containerName)
    expect(info?.Config.Env).toContain('POSTGRES_PASSWORD_FILE=/run/secrets/postgres_admin_password')
    expect(info?.Config.Env?.some((e) => e.startsWith('POSTGRES_PASSWORD='))).toBe(false)
    expect(JSON.stringify(info)).not.toContain(password)
    expect(info?.HostConfig.PortBindings).toEqual({
      '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: String(spec.port) }],
    })
    expect(info?.HostConfig.RestartPolicy?.Name).toBe('unless-stopped')
    expect(info?.Config.Healthcheck?.Test).toEqual([
      'CMD',
      'pg_isready',
      '-h',
      '127.0.0.1',
      '-U',
      'systemprompt_admin',
      '-d',
      'postgres',
    ])
    expect(info?.Config.Labels).toMatchObject({
      'systemprompt.managed': '1',
      'systemprompt.role': 'postgres-shared',
      'systemprompt.config-hash': configHash(spec),
      'systemprompt.test': '1',
      'com.docker.compose.project': spec.project,
      'com.docker.compose.service': 'postgres',
      'com.docker.compose.oneoff': 'False',
      'com.docker.compose.container-number': '1',
    })
    const mount = info?.Mounts.find((m) => m.Destination === '/var/lib/postgresql/data')
    expect(mount?.Name).toBe(spec.volumeName)
    const secret = info?.Mounts.find((m) => m.Destination === '/run/secrets/postgres_admin_password')
    expect(secret).toMatchObject({ Source: spec.passwordFile, RW: false })
    expect((await engine.volumes.inspect(spec.volumeName))?.Labels).toMatchObject({
      'systemprompt.managed': '1',
      'com.docker.compose.volume': 'data',
    })
  })

  it('up again on a running server changes nothing; a changed config re-creates and keeps the data', async () => {
    const { spec, password } = await server('idem')
    const first = await upServer(engine, spec)
    await adminQuery(spec, password, 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)')

    const again = await upServer(engine, spec)
    expect(again.action).toBe('unchanged')
    expect(again.containerId).toBe(first.containerId)

    const changed = { ...spec, labels: { ...spec.labels, 'systemprompt.test-variant': 'b' } }
    const recreated = await upServer(engine, changed)
    expect(recreated.action).toBe('recreated')
    expect(recreated.volumeCreated).toBe(false)
    expect(recreated.containerId).not.toBe(first.containerId)
    expect(await adminQuery(spec, password, 'SELECT v FROM kept')).toEqual([{ v: 42 }])
    const info = await engine.containers.inspect(spec.containerName)
    expect(info?.Config.Labels?.['systemprompt.config-hash']).toBe(configHash(changed))
  })

  it('down keeps the data and up starts the same container again; reset gives an empty server', async () => {
    const { spec, password } = await server('down')
    const first = await upServer(engine, spec)
    await adminQuery(spec, password, 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)')

    expect(await downServer(engine, spec)).toEqual({ action: 'stopped', containerRemoved: false })
    // Left with the policy it starts under (no update before the next start); `up` restores the declared one.
    const stopped = await engine.containers.inspect(spec.containerName)
    expect(stopped?.HostConfig.RestartPolicy?.Name).toBe('no')
    // A stopped server has no health, whatever the engine remembers of its last healthcheck.
    expect(await serverStatus(engine, spec)).toMatchObject({ state: 'exited', health: 'none' })
    expect(await downServer(engine, spec)).toEqual({ action: 'already-stopped', containerRemoved: false })

    const warm = await upServer(engine, spec)
    expect(warm).toMatchObject({ action: 'started', containerId: first.containerId })
    const started = await engine.containers.inspect(spec.containerName)
    expect(started?.HostConfig.RestartPolicy?.Name).toBe('unless-stopped')
    expect(await adminQuery(spec, password, 'SELECT v FROM kept')).toEqual([{ v: 7 }])

    await downServer(engine, spec, { removeContainer: true })
    expect(await engine.containers.inspect(spec.containerName)).toBeUndefined()
    expect(await engine.volumes.inspect(spec.volumeName)).toBeDefined()
    expect((await upServer(engine, spec)).action).toBe('created')
    expect(await adminQuery(spec, password, 'SELECT v FROM kept')).toEqual([{ v: 7 }])

    const reset = await resetServer(engine, spec)
    expect(reset).toMatchObject({ action: 'created', volumeCreated: true })
    const tables = await adminQuery(
      spec,
      password,
      "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'kept'",
    )
    expect(tables).toEqual([{ n: 0 }])
    expect(await downServer(engine, { ...spec, containerName: `${spec.containerName}-none` })).toEqual({
      action: 'missing',
      containerRemoved: false,
    })
  })

  it('reports status with drift, and serves logs', async () => {
    const { spec } = await server('status')
    expect(await serverStatus(engine, spec)).toMatchObject({
      state: 'missing',
      volume: { exists: false },
      drift: [],
    })
    await upServer(engine, spec)
    const status = await serverStatus(engine, spec)
    expect(status).toMatchObject({
      state: 'running',
      port: spec.port,
      image: spec.image,
      volume: { name: spec.volumeName, exists: true },
      drift: [],
    })
    expect(status.uptimeMs).toBeGreaterThanOrEqual(0)
    expect(['starting', 'healthy']).toContain(status.health)

    const drifted = await serverStatus(engine, { ...spec, image: 'postgres:17-alpine', port: spec.port + 1 })
    expect(drifted.drift.map((d) => d.field).sort()).toEqual(['config-hash', 'image', 'port'])

    const logs = await serverLogs(engine, spec, { tail: 50 })
    let text = ''
    for await (const chunk of logs) text += chunk.toString()
    expect(text).toMatch(/database system is ready to accept connections/)

    const follow = await serverLogs(engine, spec, { follow: true, tail: 5 })
    const firstChunk = await new Promise<string>((resolve) =>
      follow.once('data', (c: Buffer) => resolve(c.toString())),
    )
    expect(firstChunk.length).toBeGreaterThan(0)
    follow.destroy()

    await expect(
      serverLogs(engine, { ...spec, containerName: `${spec.containerName}-none` }),
    ).rejects.toMatchObject({
      code: 'SERVER_NOT_FOUND',
    })
  })

  it('reads the password from the file when none is passed, with trailing newline dropped', async () => {
    const { spec, password } = await server('pwfile')
    await writeFile(spec.passwordFile, `${password}\n`, { mode: 0o600 })
    await upServer(engine, spec)
    expect(await adminQuery(spec, password, 'SELECT 2 AS two')).toEqual([{ two: 2 }])
  })
})
