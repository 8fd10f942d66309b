import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { connectEngine, type Engine } from '@systemprompt/engine'
import { childEnv, freePort, newRunId, testImage, testLabels } from '@systemprompt/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { volumeCreateLabels } from './create-options.js'
import { acceptsLogins, adoptSharedServer, downServer, resetServer, upServer } from './index.js'
import { adminQuery, cleanupRun, makeTestServer } from './test-support.js'

const run = newRunId()
const dirs: string[] = []
const servers: Server[] = []
let engine: Engine

beforeAll(async () => {
  engine = await connectEngine({ env: childEnv() })
})
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()))
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

/** Runs a throwaway container with the test labels that has the volume mounted, to prepare its content. */
async function inVolume(volume: string, script: string): Promise<void> {
  const name = `sp-test-prep-${run}-${randomBytes(3).toString('hex')}`
  const id = await engine.containers.create({
    name,
    Image: testImage(),
    Entrypoint: ['sh', '-c', script],
    Labels: testLabels(run),
    HostConfig: { Binds: [`${volume}:/data`] },
  })
  await engine.containers.start(id)
  expect(await engine.containers.wait(id)).toBe(0)
  await engine.containers.remove(id, { force: true })
}

describe('pre-flight: port already taken', () => {
  it('names the container that holds it, with its compose project, and suggests a free port', async () => {
    const { spec } = await server('porthog-ctr')
    const hog = `sp-test-hog-${run}`
    const id = await engine.containers.create({
      name: hog,
      Image: testImage(),
      Entrypoint: ['sleep', '300'],
      Labels: { ...testLabels(run), 'com.docker.compose.project': 'otherproj' },
      StopSignal: 'SIGKILL',
      ExposedPorts: { '5432/tcp': {} },
      HostConfig: { PortBindings: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: String(spec.port) }] } },
    })
    await engine.containers.start(id)

    const error = await upServer(engine, spec).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'PORT_IN_USE',
      category: 'conflict',
      message: `Port 127.0.0.1:${spec.port} is already in use by container ${hog} (compose project otherproj)`,
      details: { port: spec.port, holder: { kind: 'container', name: hog, project: 'otherproj' } },
    })
    const suggested = (error as { details: { suggestedPort: number } }).details.suggestedPort
    expect(suggested).not.toBe(spec.port)
    expect((error as Error & { fix: string }).fix).toBe(
      `Use a free port: --port ${suggested} (or stop the holder yourself)`,
    )
    // nothing was created (not even the volume), and the hog was not touched
    expect(await engine.containers.inspect(spec.containerName)).toBeUndefined()
    expect(await engine.volumes.inspect(spec.volumeName)).toBeUndefined()
    expect((await engine.containers.inspect(hog))?.State.Running).toBe(true)
  })

  it('names a host process by PID and command line', async () => {
    const { spec } = await server('porthog-proc')
    const hog = createServer()
    servers.push(hog)
    await new Promise<void>((resolve) => hog.listen(spec.port, '127.0.0.1', resolve))

    const error = await upServer(engine, spec).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'PORT_IN_USE',
      details: { holder: { kind: 'process', pid: process.pid } },
    })
    expect((error as Error).message).toContain(`in use by process ${process.pid} (`)
    expect((error as Error).message).toContain('node')
    expect(await engine.containers.inspect(spec.containerName)).toBeUndefined()
  })
})

describe('refusals leave a running server as it was', () => {
  it('a re-create onto a taken port fails before the running container is removed', async () => {
    const { spec, password } = await server('reprt')
    const first = await upServer(engine, spec)
    await adminQuery(spec, password, 'CREATE TABLE kept (v int)')
    const taken = await freePort()
    const hog = createServer()
    servers.push(hog)
    await new Promise<void>((resolve) => hog.listen(taken, '127.0.0.1', resolve))

    await expect(upServer(engine, { ...spec, port: taken })).rejects.toMatchObject({ code: 'PORT_IN_USE' })
    const after = await engine.containers.inspect(spec.containerName)
    expect(after?.Id).toBe(first.containerId)
    expect(after?.State.Running).toBe(true)
    expect(await adminQuery(spec, password, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 0 }])
  })

  it('a re-create onto a missing image fails before the running container is removed', async () => {
    const { spec } = await server('reimg')
    const first = await upServer(engine, spec)
    const image = `sp-test-missing/${run}:nope`
    await expect(upServer(engine, { ...spec, image })).rejects.toMatchObject({ code: 'IMAGE_MISSING' })
    expect((await engine.containers.inspect(spec.containerName))?.Id).toBe(first.containerId)
  })
})

describe('login probe (fast path of a running server)', () => {
  it('is true only when PostgreSQL answers with an authentication request', async () => {
    const { spec } = await server('probe')
    // Something that accepts TCP and closes, like docker-proxy with nothing behind it.
    const tcpOnly = createServer((socket) => socket.destroy())
    servers.push(tcpOnly)
    await new Promise<void>((resolve) => tcpOnly.listen(spec.port, '127.0.0.1', resolve))
    expect(await acceptsLogins(spec.port, spec.adminUser, spec.database)).toBe(false)
    await new Promise<void>((resolve) => tcpOnly.close(() => resolve()))
    servers.splice(servers.indexOf(tcpOnly), 1)

    await upServer(engine, spec)
    expect(await acceptsLogins(spec.port, spec.adminUser, spec.database)).toBe(true)
    await downServer(engine, spec)
    expect(await acceptsLogins(spec.port, spec.adminUser, spec.database)).toBe(false)
  })
})

describe('containers systemprompt did not make', () => {
  it('down and reset refuse them and touch nothing', async () => {
    const { spec } = await server('foreign')
    await engine.volumes.create(spec.volumeName, testLabels(run))
    const id = await engine.containers.create({
      name: spec.containerName,
      Image: testImage(),
      Entrypoint: ['sleep', '300'],
      Labels: testLabels(run),
      StopSignal: 'SIGKILL',
      HostConfig: { Binds: [`${spec.volumeName}:/data`] },
    })
    await engine.containers.start(id)

    await expect(downServer(engine, spec)).rejects.toMatchObject({
      code: 'CONTAINER_NAME_TAKEN',
      category: 'conflict',
    })
    await expect(resetServer(engine, spec)).rejects.toMatchObject({ code: 'CONTAINER_NAME_TAKEN' })
    await expect(downServer(engine, spec, { removeContainer: true })).rejects.toMatchObject({
      code: 'CONTAINER_NAME_TAKEN',
    })
    expect((await engine.containers.inspect(spec.containerName))?.State.Running).toBe(true)
    expect(await engine.volumes.inspect(spec.volumeName)).toBeDefined()
  })
})

describe('reset pre-flight', () => {
  it('refuses a taken port before deleting the volume', async () => {
    const { spec, password } = await server('resetport')
    await upServer(engine, spec)
    await adminQuery(spec, password, 'CREATE TABLE kept (v int)')
    await downServer(engine, spec)
    const hog = createServer()
    servers.push(hog)
    await new Promise<void>((resolve) => hog.listen(spec.port, '127.0.0.1', resolve))

    await expect(resetServer(engine, spec)).rejects.toMatchObject({ code: 'PORT_IN_USE' })
    expect(await engine.volumes.inspect(spec.volumeName)).toBeDefined()
    await new Promise<void>((resolve) => hog.close(() => resolve()))
    servers.splice(servers.indexOf(hog), 1)
    expect((await upServer(engine, spec)).action).toBe('started')
    expect(await adminQuery(spec, password, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 0 }])
  })
})

describe('password versus volume', () => {
  it('explains SQLSTATE 28P01 on a volume initialised with another password, without looping', async () => {
    const { spec, password } = await server('mismatch')
    await upServer(engine, spec)
    await engine.containers.remove(spec.containerName, { force: true })
    await writeFile(spec.passwordFile, `${password}-changed`, { mode: 0o600 })

    const error = await upServer(engine, spec, { timeoutMs: 60_000 }).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'VOLUME_PASSWORD_MISMATCH',
      category: 'conflict',
      details: { sqlstate: '28P01' },
    })
    expect((error as Error).message).toContain(
      `volume ${spec.volumeName} was initialised with another password`,
    )
    expect((error as Error & { fix: string }).fix).toContain('systemprompt db reset --yes')
    expect((error as Error & { fix: string }).fix).toContain(
      '`admin_password` in .systemprompt/docker/shared_config.json',
    )
    expect(JSON.stringify(error)).not.toContain(password)
  })
})

describe('orphaned volume', () => {
  it('refuses a volume without container and record, and starts fresh only with resetVolume', async () => {
    const { spec, password } = await server('orphan')
    await engine.volumes.create(spec.volumeName, volumeCreateLabels(spec))
    await inVolume(spec.volumeName, 'echo leftover > /data/leftover.txt')

    const error = await upServer(engine, spec, { volumeKnown: false }).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'VOLUME_ORPHANED',
      category: 'conflict',
      details: { volume: spec.volumeName },
    })
    expect((error as Error & { fix: string }).fix).toContain('--reset-volume')
    expect(await engine.containers.inspect(spec.containerName)).toBeUndefined()

    const result = await upServer(engine, spec, { volumeKnown: false, resetVolume: true })
    expect(result).toMatchObject({ action: 'created', volumeCreated: true })
    expect(await adminQuery(spec, password, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
  })
})

describe('server exits while starting', () => {
  it('fails at once with the exit code and the last log lines', async () => {
    const { spec, password } = await server('exit')
    await engine.volumes.create(spec.volumeName, volumeCreateLabels(spec))
    // A data directory from a "newer" PostgreSQL: the image skips init and postgres refuses to start.
    await inVolume(spec.volumeName, 'echo 99 > /data/PG_VERSION && chown -R 999:999 /data 2>/dev/null; true')

    const error = await upServer(engine, spec, { timeoutMs: 60_000 }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'SERVER_EXITED', category: 'database' })
    const details = (error as { details: { exitCode: number; logs: string[] } }).details
    expect(details.exitCode).not.toBe(0)
    expect(details.logs.length).toBeGreaterThan(0)
    expect((error as Error).message).toMatch(/exited with code \d+ while starting\. Last log lines:/)
    expect(JSON.stringify(error)).not.toContain(password)
    // It stays exited instead of crash-looping under its restart policy.
    const info = await engine.containers.inspect(spec.containerName)
    expect(info?.State.Running).toBe(false)
    expect(info?.HostConfig.RestartPolicy?.Name).toBe('no')
  })
})

describe('image missing', () => {
  it('names the image and SYSTEMPROMPT_POSTGRES_IMAGE', async () => {
    const { spec } = await server('noimage')
    const image = `systemprompt-test/no-such-postgres-${run}:1`
    const error = await upServer(engine, { ...spec, image }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'IMAGE_MISSING', category: 'user', details: { image } })
    expect((error as Error).message).toContain(image)
    expect((error as Error & { fix: string }).fix).toContain('SYSTEMPROMPT_POSTGRES_IMAGE')
    expect(await engine.volumes.inspect(spec.volumeName)).toBeUndefined()
  })
})

describe('container name taken by something that is not ours', () => {
  it('refuses to touch it', async () => {
    const { spec } = await server('foreign')
    await engine.containers.create({
      name: spec.containerName,
      Image: testImage(),
      Entrypoint: ['true'],
      Labels: testLabels(run),
    })
    await expect(upServer(engine, spec)).rejects.toMatchObject({
      code: 'CONTAINER_NAME_TAKEN',
      category: 'conflict',
    })
    expect(await engine.containers.inspect(spec.containerName)).toBeDefined()
  })
})

describe('adoption of a shared server made by another project', () => {
  it('reads the admin password through the Engine API, verifies it, and never changes it', async () => {
    const a = await server('adopt')
    await upServer(engine, a.spec)

    // Project B: another directory, its own (different) password file, same container and volume names.
    const b = await makeTestServer(run, 'adopt-b', {
      containerName: a.spec.containerName,
      volumeName: a.spec.volumeName,
      port: a.spec.port,
      // The one machine-wide server: one compose project, whichever project declares it.
      project: a.spec.project,
    })
    dirs.push(b.dir)
    const adopted = await adoptSharedServer(engine, b.spec)
    expect(adopted).toMatchObject({ password: a.password, source: 'container-secret-file', started: false })

    // B records the adopted password in its own file; same declared config -> nothing to do.
    await writeFile(b.spec.passwordFile, adopted.password, { mode: 0o600 })
    expect((await upServer(engine, b.spec)).action).toBe('unchanged')
    // both projects log in with the one password; it was not altered
    expect(await adminQuery(a.spec, a.password, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
    expect(await adminQuery(b.spec, adopted.password, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
  })

  it('starts a stopped shared container to verify the password', async () => {
    const a = await server('adopt-stopped')
    await upServer(engine, a.spec)
    await engine.containers.stop(a.spec.containerName, 10)
    const adopted = await adoptSharedServer(engine, {
      ...a.spec,
      passwordFile: '/nonexistent/other.password',
    })
    expect(adopted).toMatchObject({ password: a.password, started: true })
  })
})

describe('engine not reachable', () => {
  it('fails with one line naming DOCKER_HOST', async () => {
    const port = await freePort()
    await expect(connectEngine({ env: { DOCKER_HOST: `tcp://127.0.0.1:${port}` } })).rejects.toMatchObject({
      code: 'ENGINE_UNREACHABLE',
      message: `Docker engine not reachable at DOCKER_HOST=tcp://127.0.0.1:${port} (connection refused)`,
    })
  })
})
