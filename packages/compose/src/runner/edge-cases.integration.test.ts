import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { connectEngine, type Engine } from '@systemprompt/engine'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { volumeCreateLabels } from './create-options.js'
import { adoptSharedServer, upServer } from './index.js'
import {
  adminQuery,
  cleanupRun,
  freePort,
  makeTestServer,
  TEST_IMAGE,
  testLabels,
  testRunId,
} from './test-support.js'

const run = testRunId()
const dirs: string[] = []
const servers: Server[] = []
let engine: Engine

beforeAll(async () => {
  engine = await connectEngine()
})
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()))
  await cleanupRun(engine, run, dirs.splice(0))
})
afterAll(async () => {
  await cleanupRun(engine, run)
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
    Image: TEST_IMAGE,
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
      Image: TEST_IMAGE,
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
    // nothing was created, and the hog was not touched
    expect(await engine.containers.inspect(spec.containerName)).toBeUndefined()
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
    expect((error as Error & { fix: string }).fix).toContain('admin_password')
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
      Image: TEST_IMAGE,
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
