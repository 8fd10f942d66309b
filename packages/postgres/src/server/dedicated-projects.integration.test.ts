/**
 * Dedicated servers of several projects on one engine (issue 8): names, labels and compose project carry the
 * project id; every change or removal proves ownership first; servers made before names carried the project
 * id are adopted (when provably ours) with their data; ports are chosen under a per-user lock.
 */
import { randomBytes } from 'node:crypto'
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { dirname, join } from 'node:path'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { dedicatedServerSpec, writeComposeFile } from '@systemprompt/compose'
import {
  projectLayout,
  readTenantsFile,
  TenantsFileSchema,
  updateJsonFile,
  withFileLock,
} from '@systemprompt/config'
import { connectEngine, type Engine } from '@systemprompt/engine'
import {
  childEnv,
  freePort,
  newRunId,
  removeDir,
  tempDir,
  testImage,
  testLabels,
} from '@systemprompt/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { adminQuery, cleanupRun } from '../runner/test-support.js'
import { upServer } from '../runner/up.js'
import {
  declaredTarget,
  ensureTenantServer,
  projectServerLogs,
  projectServerStatus,
  removeTenantServer,
  resetProjectServer,
  stopServer,
} from './index.js'

const run = newRunId()
const dirs: string[] = []
const hogs: Server[] = []
let engine: Engine
const dataDir = tempDir('sp-dedicated-data-').path
// What the CLI passes down, plus this run's instance suffix and labels on every object.
const machine = { dataDir, postgresImage: testImage(), instance: run, labels: testLabels(run) }

beforeAll(async () => {
  engine = await connectEngine({ env: childEnv() })
})
afterEach(async () => {
  for (const s of hogs.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()))
  cleanupRun(run, dirs.splice(0))
})
afterAll(() => {
  cleanupRun(run)
  removeDir(dataDir)
})

interface Project {
  root: string
  id: string
}

/** A project whose tenants.json records `tenants` as dedicated (pending, as `tenant create` leaves them). */
async function project(...tenants: string[]): Promise<Project> {
  const root = tempDir('sp-dedicated-').path
  dirs.push(root)
  const id = newRunId()
  const now = new Date().toISOString()
  await updateJsonFile(projectLayout(root).tenantsFile, TenantsFileSchema, () =>
    TenantsFileSchema.parse({
      project_id: id,
      tenants: tenants.map((name) => ({
        name,
        database: 'dedicated',
        state: 'pending',
        profile: name,
        created_at: now,
        updated_at: now,
      })),
    }),
  )
  return { root, id }
}

function tenantName(): string {
  return `d${randomBytes(3).toString('hex')}`
}

async function ensure(p: Project, tenant: string, extra: { portStart?: number; port?: number } = {}) {
  return ensureTenantServer(p.root, tenant, { ...machine, engine, ...extra })
}

async function putMarker(spec: PostgresServerSpec, password: string, value: string): Promise<void> {
  await adminQuery(spec, password, `CREATE TABLE IF NOT EXISTS marker (v text)`)
  await adminQuery(spec, password, `INSERT INTO marker VALUES ('${value}')`)
}

async function markers(spec: PostgresServerSpec, password: string): Promise<unknown[]> {
  return adminQuery(spec, password, 'SELECT v FROM marker')
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

/**
 * A server made the way the code before project-scoped names made it: container `systemprompt-postgres-<t>`,
 * volume `...-data` (instance suffix as today), compose project `docker`, no project labels, the compose file
 * that code wrote, started through the runner with the project's password file mounted.
 */
async function legacyServer(
  p: Project,
  tenant: string,
): Promise<{ spec: PostgresServerSpec; password: string }> {
  const layout = projectLayout(p.root)
  const current = dedicatedServerSpec(tenant, {
    dockerDir: layout.dockerDir,
    projectId: p.id,
    projectDir: p.root,
    image: testImage(),
    port: await freePort(),
    labels: testLabels(run),
  })
  const { projectId: _id, projectDir: _dir, ...rest } = current
  const spec: PostgresServerSpec = {
    ...rest,
    containerName: `systemprompt-postgres-${tenant}-${run}`,
    volumeName: `systemprompt-postgres-${tenant}-${run}-data`,
    project: 'docker',
  }
  const password = randomBytes(18).toString('base64url')
  await writeFileWithDirs(spec.passwordFile, password)
  await writeComposeFile(layout.tenantCompose(tenant), spec, { generatorVersion: '0.1.0' })
  await upServer(engine, spec, { password, composeFile: layout.tenantCompose(tenant) })
  return { spec, password }
}

async function writeFileWithDirs(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  await writeFile(file, text, { mode: 0o600 })
}

describe('dedicated servers of two projects with the same tenant name', () => {
  it('are two servers, each labelled with its project; one project never touches the other one', async () => {
    const tenant = tenantName()
    const a = await project(tenant)
    const b = await project(tenant)
    const portStart = await freePort()
    const upA = await ensure(a, tenant, { portStart })
    const upB = await ensure(b, tenant, { portStart })
    expect(upA.spec.containerName).toBe(`systemprompt-postgres-${tenant}-${a.id}-${run}`)
    expect(upB.spec.containerName).toBe(`systemprompt-postgres-${tenant}-${b.id}-${run}`)
    expect(upB.spec.volumeName).toBe(`systemprompt-postgres-${tenant}-${b.id}-${run}-data`)
    expect(upB.port).not.toBe(upA.port)

    const infoA = await engine.containers.inspect(upA.spec.containerName)
    const own = { 'systemprompt.project': a.id, 'systemprompt.project-dir': a.root }
    expect(infoA?.Config.Labels).toMatchObject({
      ...own,
      'com.docker.compose.project': `systemprompt-${a.id}`,
    })
    expect((await engine.volumes.inspect(upA.spec.volumeName))?.Labels).toMatchObject(own)
    expect(await readFile(join(projectLayout(a.root).dockerDir, '.env'), 'utf8')).toBe(
      `COMPOSE_PROJECT_NAME=systemprompt-${a.id}\n`,
    )
    await putMarker(upA.spec, upA.adminPassword, 'a')

    // Project B's whole life cycle of its tenant: A's server stays as it was.
    expect(await stopServer({ root: b.root, ...machine, engine, tenant })).toMatchObject({
      action: 'stopped',
      containerName: upB.spec.containerName,
    })
    await resetProjectServer({ root: b.root, ...machine, engine, tenant })
    const removed = await removeTenantServer(b.root, tenant, { ...machine, engine })
    expect(removed.skipped).toEqual([])
    expect(removed.removed.map((o) => o.name).sort()).toEqual(
      [upB.spec.containerName, upB.spec.volumeName].sort(),
    )

    const after = await engine.containers.inspect(upA.spec.containerName)
    expect(after?.Id).toBe(infoA?.Id)
    expect(after?.State.Running).toBe(true)
    expect(await markers(upA.spec, upA.adminPassword)).toEqual([{ v: 'a' }])
  })

  it("a compose file edited to point at another project's server is refused everywhere, and removal skips it", async () => {
    const tenant = tenantName()
    const a = await project(tenant)
    const b = await project(tenant)
    const upA = await ensure(a, tenant, { portStart: await freePort() })
    await putMarker(upA.spec, upA.adminPassword, 'a')
    const idA = (await engine.containers.inspect(upA.spec.containerName))?.Id
    // B's file: A's file with B's project labels, i.e. a hand edit that names A's container and volume.
    const layoutB = projectLayout(b.root)
    const text = (await readFile(projectLayout(a.root).tenantCompose(tenant), 'utf8'))
      .replaceAll(`"${a.id}"`, `"${b.id}"`)
      .replaceAll(`"${a.root}"`, `"${b.root}"`)
    await writeFileWithDirs(layoutB.tenantCompose(tenant), text)
    await writeFileWithDirs(layoutB.tenantPasswordFile(tenant), 'b-password')

    const owned = {
      code: 'SERVER_OWNED_ELSEWHERE',
      message: expect.stringContaining(
        `belongs to project ${a.id} (${a.root}), not to this project (${b.id})`,
      ),
    }
    const target = { root: b.root, ...machine, engine, tenant }
    await expect(ensure(b, tenant)).rejects.toMatchObject(owned)
    await expect(stopServer(target)).rejects.toMatchObject(owned)
    await expect(projectServerStatus(target)).rejects.toMatchObject(owned)
    await expect(projectServerLogs(target)).rejects.toMatchObject(owned)
    await expect(resetProjectServer(target)).rejects.toMatchObject(owned)

    const removed = await removeTenantServer(b.root, tenant, { ...machine, engine })
    expect(removed.removed).toEqual([])
    expect(removed.skipped).toEqual([
      {
        kind: 'container',
        name: upA.spec.containerName,
        owner: expect.objectContaining({ projectId: a.id }),
      },
      { kind: 'volume', name: upA.spec.volumeName, owner: expect.objectContaining({ projectDir: a.root }) },
    ])
    expect(await exists(layoutB.tenantCompose(tenant))).toBe(false)
    expect(await exists(layoutB.tenantPasswordFile(tenant))).toBe(false)

    const after = await engine.containers.inspect(upA.spec.containerName)
    expect(after?.Id).toBe(idA)
    expect(after?.State.Running).toBe(true)
    expect(await markers(upA.spec, upA.adminPassword)).toEqual([{ v: 'a' }])
  })
})

describe('servers made before names carried the project id', () => {
  it('are adopted and moved to the project-scoped container with their data; the old container goes, the volume stays', async () => {
    const tenant = tenantName()
    const p = await project(tenant)
    const layout = projectLayout(p.root)
    const legacy = await legacyServer(p, tenant)
    await putMarker(legacy.spec, legacy.password, 'kept')

    // Before the move, read-only commands show the old container, and say so.
    const before = await projectServerStatus({ root: p.root, ...machine, engine, tenant })
    expect(before).toMatchObject({
      legacy: true,
      containerName: legacy.spec.containerName,
      state: 'running',
      declared: { containerName: `systemprompt-postgres-${tenant}-${p.id}-${run}` },
    })

    const up = await ensure(p, tenant)
    expect(up.spec.containerName).toBe(`systemprompt-postgres-${tenant}-${p.id}-${run}`)
    expect(up.spec.volumeName).toBe(legacy.spec.volumeName)
    expect(up.port).toBe(legacy.spec.port)
    expect(up.adminPassword).toBe(legacy.password)
    expect(up.warnings.join('\n')).toContain(
      `Moved tenant ${tenant}'s server from ${legacy.spec.containerName}`,
    )
    expect(await markers(up.spec, up.adminPassword)).toEqual([{ v: 'kept' }])
    expect(await engine.containers.inspect(legacy.spec.containerName)).toBeUndefined()
    const info = await engine.containers.inspect(up.spec.containerName)
    expect(info?.Mounts).toContainEqual(
      expect.objectContaining({ Name: legacy.spec.volumeName, Destination: '/var/lib/postgresql/data' }),
    )
    expect(info?.Config.Labels).toMatchObject({ 'systemprompt.project': p.id })
    const record = (await readTenantsFile(layout))?.tenants.find((t) => t.name === tenant)
    expect(record?.volume_name).toBe(legacy.spec.volumeName)
    const file = await readFile(layout.tenantCompose(tenant), 'utf8')
    expect(file).toContain(`container_name: "${up.spec.containerName}"`)
    expect(file).toContain(`name: "${legacy.spec.volumeName}"`)

    expect((await ensure(p, tenant)).action).toBe('unchanged')
    expect((await projectServerStatus({ root: p.root, ...machine, engine, tenant })).drift).toEqual([])

    // The adopted volume is this project's: the tenant's removal takes it too.
    const removed = await removeTenantServer(p.root, tenant, { ...machine, engine })
    expect(removed.skipped).toEqual([])
    expect(await engine.volumes.inspect(legacy.spec.volumeName)).toBeUndefined()
  })

  it("one that does not mount this project's password file is another project's: never touched", async () => {
    const tenant = tenantName()
    const owner = await project(tenant)
    const other = await project(tenant)
    const legacy = await legacyServer(owner, tenant)
    await putMarker(legacy.spec, legacy.password, 'theirs')
    const id = (await engine.containers.inspect(legacy.spec.containerName))?.Id

    const up = await ensure(other, tenant, { portStart: await freePort() })
    expect(up.spec.containerName).toBe(`systemprompt-postgres-${tenant}-${other.id}-${run}`)
    expect(up.warnings.join('\n')).toContain(`${legacy.spec.containerName}`)
    expect(up.warnings.join('\n')).toContain('belongs to another project; it was left alone')
    await stopServer({ root: other.root, ...machine, engine, tenant })
    const removed = await removeTenantServer(other.root, tenant, { ...machine, engine })
    expect(removed.skipped).toEqual([{ kind: 'container', name: legacy.spec.containerName, owner: {} }])

    const after = await engine.containers.inspect(legacy.spec.containerName)
    expect(after?.Id).toBe(id)
    expect(after?.State.Running).toBe(true)
    expect(await engine.volumes.inspect(legacy.spec.volumeName)).toBeDefined()
    expect(await markers(legacy.spec, legacy.password)).toEqual([{ v: 'theirs' }])
  })
})

describe('a tenant this project does not know', () => {
  it('is TENANT_NOT_FOUND for every command; a leftover password or compose file is never used', async () => {
    const tenant = tenantName()
    const p = await project()
    const layout = projectLayout(p.root)
    await writeFileWithDirs(layout.tenantPasswordFile(tenant), 'x')
    const target = { root: p.root, ...machine, engine, tenant }
    const notFound = { code: 'TENANT_NOT_FOUND', details: { tenant } }
    await expect(declaredTarget(target)).rejects.toMatchObject(notFound)
    await expect(stopServer(target)).rejects.toMatchObject(notFound)
    await expect(projectServerStatus(target)).rejects.toMatchObject(notFound)
    await expect(projectServerLogs(target)).rejects.toMatchObject(notFound)
    await expect(resetProjectServer(target)).rejects.toMatchObject(notFound)
    await expect(ensure(p, tenant)).rejects.toMatchObject(notFound)
    expect(await engine.containers.list({ labels: { 'systemprompt.tenant': tenant } })).toEqual([])
    expect(await readFile(layout.tenantPasswordFile(tenant), 'utf8')).toBe('x')
  })
})

describe('port choice across projects', () => {
  it('two projects creating at once both succeed, on different ports', async () => {
    const tenant = tenantName()
    const a = await project(tenant)
    const b = await project(tenant)
    const portStart = await freePort()
    const [upA, upB] = await Promise.all([ensure(a, tenant, { portStart }), ensure(b, tenant, { portStart })])
    expect(upA.action).toBe('created')
    expect(upB.action).toBe('created')
    expect(upA.port).not.toBe(upB.port)
  })

  it('a port we chose that is taken before the server starts is given up for the next free one', async () => {
    const tenant = tenantName()
    const p = await project(tenant)
    const portStart = await freePort()
    let hogged = false
    const up = await ensureTenantServer(p.root, tenant, {
      ...machine,
      engine,
      portStart,
      onProgress: (event) => {
        // Someone else binds the port between our choice and the start of the container.
        if (event.step !== 'create' || hogged) return
        hogged = true
        const hog = createServer()
        hogs.push(hog)
        hog.listen(portStart, '127.0.0.1')
      },
    })
    expect(hogged).toBe(true)
    expect(up.action).toBe('created')
    expect(up.port).toBeGreaterThan(portStart)
    expect(await adminQuery(up.spec, up.adminPassword, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
  })

  it('an explicit --port is never moved', async () => {
    const tenant = tenantName()
    const p = await project(tenant)
    const port = await freePort()
    const hog = createServer()
    hogs.push(hog)
    await new Promise<void>((resolve) => hog.listen(port, '127.0.0.1', resolve))
    await expect(ensure(p, tenant, { port })).rejects.toMatchObject({ code: 'PORT_IN_USE' })
  })
})

describe('a copy of a project (same project id, another directory)', () => {
  it("never stops, resets or removes the original's server; once the original is gone (moved), it may", async () => {
    const tenant = tenantName()
    const a = await project(tenant)
    const upA = await ensure(a, tenant, { portStart: await freePort() })
    await putMarker(upA.spec, upA.adminPassword, 'original')
    const idA = (await engine.containers.inspect(upA.spec.containerName))?.Id
    // The copy: the whole .systemprompt directory (same project id, compose and password files).
    const copy = tempDir('sp-dedicated-copy-').path
    dirs.push(copy)
    await cp(join(a.root, '.systemprompt'), join(copy, '.systemprompt'), { recursive: true })

    const target = { root: copy, ...machine, engine, tenant }
    const copied = { code: 'SERVER_OWNED_ELSEWHERE', message: expect.stringContaining('is a copy of it') }
    await expect(stopServer(target)).rejects.toMatchObject(copied)
    await expect(resetProjectServer(target)).rejects.toMatchObject(copied)
    const removed = await removeTenantServer(copy, tenant, { ...machine, engine })
    expect(removed.removed).toEqual([])
    expect(removed.skipped.map((o) => o.name).sort()).toEqual(
      [upA.spec.containerName, upA.spec.volumeName].sort(),
    )
    const after = await engine.containers.inspect(upA.spec.containerName)
    expect(after?.Id).toBe(idA)
    expect(after?.State.Running).toBe(true)
    expect(await markers(upA.spec, upA.adminPassword)).toEqual([{ v: 'original' }])

    // The original directory now holds another project: this one moved, and may manage its server.
    const tenantsA = projectLayout(a.root).tenantsFile
    const other = JSON.parse(await readFile(tenantsA, 'utf8')) as { project_id: string }
    await writeFile(tenantsA, JSON.stringify({ ...other, project_id: newRunId() }))
    expect(await stopServer({ ...target, tenant })).toMatchObject({ action: 'stopped' })
  })
})

describe('a legacy volume without its container', () => {
  it("is adopted only to start a server, never reset or removed on a volume's name alone", async () => {
    const tenant = tenantName()
    const owner = await project(tenant)
    const other = await project(tenant)
    const legacy = await legacyServer(owner, tenant)
    await engine.containers.remove((await engine.containers.inspect(legacy.spec.containerName))?.Id ?? '', {
      force: true,
    })
    // The other project has the compose file the old code wrote there too (legacy names are the same everywhere).
    const layout = projectLayout(other.root)
    const oldFiles = async () => {
      await writeComposeFile(
        layout.tenantCompose(tenant),
        { ...legacy.spec, passwordFile: layout.tenantPasswordFile(tenant) },
        { generatorVersion: '0.1.0' },
      )
      await writeFileWithDirs(layout.tenantPasswordFile(tenant), 'other-password')
    }

    await oldFiles()
    const removed = await removeTenantServer(other.root, tenant, { ...machine, engine })
    expect(removed.removed).toEqual([])
    expect(removed.skipped).toEqual([
      expect.objectContaining({ kind: 'volume', name: legacy.spec.volumeName }),
    ])
    expect(await engine.volumes.inspect(legacy.spec.volumeName)).toBeDefined()

    await oldFiles()
    const reset = await resetProjectServer({ root: other.root, ...machine, engine, tenant })
    expect(reset.volumeName).not.toBe(legacy.spec.volumeName)
    expect(await engine.volumes.inspect(legacy.spec.volumeName)).toBeDefined()
  })

  it('an unlabelled volume a hand-edited file names, that the record does not, is never reset', async () => {
    const tenant = tenantName()
    const owner = await project(tenant)
    const p = await project(tenant)
    const legacy = await legacyServer(owner, tenant)
    await putMarker(legacy.spec, legacy.password, 'theirs')
    const layout = projectLayout(p.root)
    const own = dedicatedServerSpec(tenant, {
      dockerDir: layout.dockerDir,
      projectId: p.id,
      projectDir: p.root,
      image: testImage(),
      port: await freePort(),
      labels: testLabels(run),
    })
    const spec = { ...own, containerName: `${own.containerName}-${run}`, volumeName: legacy.spec.volumeName }
    await writeComposeFile(layout.tenantCompose(tenant), spec, { generatorVersion: '0.1.0' })
    await writeFile(
      layout.tenantCompose(tenant),
      `${await readFile(layout.tenantCompose(tenant), 'utf8')}# edited\n`,
    )
    await writeFileWithDirs(layout.tenantPasswordFile(tenant), 'p-password')

    await expect(resetProjectServer({ root: p.root, ...machine, engine, tenant })).rejects.toMatchObject({
      code: 'SERVER_OWNED_ELSEWHERE',
      message: expect.stringContaining(`cannot prove it is this project's`),
    })
    expect(await markers(legacy.spec, legacy.password)).toEqual([{ v: 'theirs' }])
  })
})

describe('the per-user dedicated-ports lock', () => {
  it('is let go once the container is started with its port, before the readiness wait', async () => {
    const tenant = tenantName()
    const p = await project(tenant)
    let probe: Promise<string> | undefined
    const up = await ensureTenantServer(p.root, tenant, {
      ...machine,
      engine,
      portStart: await freePort(),
      onProgress: (event) => {
        if (event.step !== 'wait' || probe) return
        probe = withFileLock(join(dataDir, '.locks', 'dedicated-ports.lock'), () => 'free', {
          timeoutMs: 300,
        }).catch((error: { code?: string }) => String(error.code))
      },
    })
    expect(up.action).toBe('created')
    expect(await probe).toBe('free')
  })
})

describe('two tenants of one project', () => {
  it("a copy of a.yaml as b.yaml never has b's removal or life cycle touch a's server", async () => {
    const a = tenantName()
    const b = tenantName()
    const p = await project(a, b)
    const upA = await ensure(p, a, { portStart: await freePort() })
    const idA = (await engine.containers.inspect(upA.spec.containerName))?.Id
    const layout = projectLayout(p.root)
    const text = await readFile(layout.tenantCompose(a), 'utf8')
    await writeFile(layout.tenantCompose(b), `${text}# edited\n`)
    const target = { root: p.root, ...machine, engine, tenant: b }
    const invalid = { code: 'COMPOSE_INVALID', message: expect.stringContaining(`tenant ${b}'s file`) }
    await expect(stopServer(target)).rejects.toMatchObject(invalid)
    await expect(resetProjectServer(target)).rejects.toMatchObject(invalid)

    await writeFile(layout.tenantCompose(b), text)
    const removed = await removeTenantServer(p.root, b, { ...machine, engine })
    expect(removed.removed).toEqual([])
    expect(removed.skipped.map((o) => o.name).sort()).toEqual(
      [upA.spec.containerName, upA.spec.volumeName].sort(),
    )
    const after = await engine.containers.inspect(upA.spec.containerName)
    expect(after?.Id).toBe(idA)
    expect(after?.State.Running).toBe(true)
    expect(await engine.volumes.inspect(upA.spec.volumeName)).toBeDefined()
  })
})
