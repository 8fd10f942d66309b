import { randomBytes } from 'node:crypto'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { dirname, join } from 'node:path'
import {
  projectLayout,
  readSharedConfig,
  SharedConfigSchema,
  TenantsFileSchema,
  updateJsonFile,
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
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { adminQuery, cleanupRun } from '../runner/test-support.js'

import {
  ensureSharedServer,
  ensureTenantServer,
  projectServerLogs,
  projectServerStatus,
  resetProjectServer,
  sharedPasswordFile,
  stopServer,
} from './index.js'

const run = newRunId()
const dirs: string[] = []
const servers: Server[] = []
let engine: Engine
// The shared server's password file lives per user: here in a temp dir, never in the real ~/.local/share.
const dataDir = tempDir('sp-server-data-').path
// What the CLI would pass down (SYSTEMPROMPT_POSTGRES_IMAGE, SYSTEMPROMPT_DATA_DIR).
const env = { dataDir, postgresImage: testImage() }
const missingImage = `sp-test-missing/${run}:nope`

beforeAll(async () => {
  engine = await connectEngine({ env: childEnv() })
})
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()))
  cleanupRun(run, dirs.splice(0))
})
afterAll(async () => {
  cleanupRun(run)
  removeDir(dataDir)
})

/** A host process (this one) listening on a free port. */
async function hogPort(): Promise<number> {
  const port = await freePort()
  const server = createServer()
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return port
}

/** A tenant record as `cloud tenant create` writes it (pending until its database exists). */
async function recordTenant(
  root: string,
  name: string,
  database: 'shared' | 'dedicated' | 'external',
  state: 'pending' | 'ready' = 'pending',
): Promise<void> {
  const now = new Date().toISOString()
  await updateJsonFile(projectLayout(root).tenantsFile, TenantsFileSchema, (current) => {
    const base = current ?? TenantsFileSchema.parse({ project_id: 'abcd1234' })
    const others = base.tenants.filter((t) => t.name !== name)
    return {
      ...base,
      tenants: [...others, { name, database, state, profile: name, created_at: now, updated_at: now }],
    }
  })
}

/** A shared server the way the original tool (or a user's own compose file) made it: no labels of ours. */
async function foreignSharedServer(
  names: { containerName: string; volumeName: string },
  port: number,
  password: string,
): Promise<string> {
  await engine.volumes.create(names.volumeName, testLabels(run))
  const id = await engine.containers.create({
    name: names.containerName,
    Image: testImage(),
    Env: ['POSTGRES_USER=systemprompt_admin', 'POSTGRES_DB=postgres', `POSTGRES_PASSWORD=${password}`],
    Labels: {
      ...testLabels(run),
      'com.docker.compose.project': 'docker',
      'com.docker.compose.service': 'postgres',
    },
    ExposedPorts: { '5432/tcp': {} },
    HostConfig: {
      Binds: [`${names.volumeName}:/var/lib/postgresql/data`],
      PortBindings: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
    },
  })
  await engine.containers.start(id)
  return id
}

async function missing(path: string): Promise<boolean> {
  return stat(path).then(
    () => false,
    (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
  )
}

async function project(): Promise<string> {
  const root = tempDir('sp-server-').path
  await mkdir(join(root, '.systemprompt'))
  dirs.push(root)
  return root
}

/** Unique Docker names for one "shared server" of this test; several projects may point at it. */
function sharedNames(name: string) {
  return {
    instance: `${name}-${run}`,
    labels: testLabels(run),
    containerName: `systemprompt-postgres-shared-${name}-${run}`,
    volumeName: `systemprompt-postgres-shared-${name}-${run}-data`,
  }
}

/** The instance suffix and test labels for a tenant's dedicated server, and the Docker names they give. */
function tenantNames(tenant: string) {
  return {
    instance: run,
    labels: testLabels(run),
    // Tenant AND project id (recordTenant's abcd1234) in the name, then the instance suffix.
    containerName: `systemprompt-postgres-${tenant}-abcd1234-${run}`,
    volumeName: `systemprompt-postgres-${tenant}-abcd1234-${run}-data`,
  }
}

function mode(info: { mode: number }): number {
  return info.mode & 0o777
}

describe('ensureSharedServer', () => {
  it('creates config, 0600 password file and shared.yaml once; then is a no-op', async () => {
    const root = await project()
    const layout = projectLayout(root)
    const port = await freePort()
    const overrides = sharedNames('cold')
    const first = await ensureSharedServer({ root, ...env, engine, port, ...overrides })
    expect(first).toMatchObject({
      action: 'created',
      port,
      adopted: false,
      composeHandEdited: false,
      warnings: [],
    })
    expect(first.adminPassword.length).toBeGreaterThanOrEqual(32)

    const config = SharedConfigSchema.parse(JSON.parse(await readFile(layout.sharedConfig, 'utf8')))
    expect(config).toMatchObject({
      admin_password: first.adminPassword,
      port,
      image: testImage(),
      tenant_databases: [],
    })
    expect(mode(await stat(layout.sharedConfig))).toBe(0o600)
    // The shared server's password file is per user, outside the project (the server is machine-wide).
    const secret = sharedPasswordFile(dataDir, overrides.containerName)
    expect(secret.startsWith(`${dataDir}/`)).toBe(true)
    expect(first.spec.passwordFile).toBe(secret)
    expect(await readFile(secret, 'utf8')).toBe(first.adminPassword)
    expect(mode(await stat(secret))).toBe(0o600)
    expect(mode(await stat(dirname(secret)))).toBe(0o700)
    expect(await missing(layout.sharedPasswordFile)).toBe(true)
    const mounted = (await engine.containers.inspect(overrides.containerName))?.Mounts.find(
      (m) => m.Destination === '/run/secrets/postgres_admin_password',
    )
    expect(mounted?.Source).toBe(secret)
    const yaml = await readFile(layout.sharedCompose, 'utf8')
    expect(yaml).toMatch(/^# Generated by systemprompt /)
    expect(yaml).toContain(`127.0.0.1:${port}:5432`)
    expect(yaml).toContain(`file: "${secret}"`)
    expect(yaml).not.toContain(first.adminPassword)

    const configBefore = await stat(layout.sharedConfig)
    const yamlBefore = await stat(layout.sharedCompose)
    const second = await ensureSharedServer({ root, ...env, engine, ...overrides })
    expect(second).toMatchObject({ action: 'unchanged', adminPassword: first.adminPassword, port })
    expect((await stat(layout.sharedConfig)).mtimeMs).toBe(configBefore.mtimeMs)
    expect((await stat(layout.sharedCompose)).mtimeMs).toBe(yamlBefore.mtimeMs)
    expect(await adminQuery(second.spec, second.adminPassword, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
  })

  it('a stopped server as declared is only started (warm db up); a refused record changes no file', async () => {
    const root = await project()
    const layout = projectLayout(root)
    const port = await freePort()
    const overrides = sharedNames('warm')
    const first = await ensureSharedServer({ root, ...env, engine, port, ...overrides })
    await engine.containers.stop(overrides.containerName, 2)
    const configBefore = await readFile(layout.sharedConfig, 'utf8')
    const yamlBefore = await stat(layout.sharedCompose)
    const steps: string[] = []
    // Counted, not replaced: the full path looks at the volume (realiseExisting), the warm path has no need to.
    const volumeInspects = vi.spyOn(engine.volumes, 'inspect')
    const warm = await ensureSharedServer({
      root,
      ...env,
      engine,
      ...overrides,
      onProgress: (event) => steps.push(event.step),
    }).finally(() => volumeInspects.mockRestore())
    expect(warm).toMatchObject({ action: 'started', port, adminPassword: first.adminPassword, warnings: [] })
    expect(steps).toEqual(['start', 'wait'])
    expect(volumeInspects).not.toHaveBeenCalled()
    expect(await readFile(layout.sharedConfig, 'utf8')).toBe(configBefore)
    expect((await stat(layout.sharedCompose)).mtimeMs).toBe(yamlBefore.mtimeMs)
    expect(await adminQuery(warm.spec, warm.adminPassword, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
    // The declared restart policy is back once the server came up.
    const after = await engine.containers.inspect(overrides.containerName)
    expect(after?.HostConfig.RestartPolicy?.Name).toBe('unless-stopped')
    // The readiness wait's login is the proof for this start: the next `db up` needs no login of its own.
    const proof = JSON.parse(
      await readFile(join(dirname(first.spec.passwordFile), 'verified-login.json'), 'utf8'),
    )
    expect(proof).toMatchObject({ containerId: after?.Id, startedAt: after?.State.StartedAt })

    // Record and password file agree on a password the volume was not initialised with: the start proves them
    // wrong, the full path finds nothing that opens it, and neither file changes.
    await engine.containers.stop(overrides.containerName, 2)
    const wrong = JSON.parse(configBefore) as Record<string, unknown>
    wrong.admin_password = 'not-the-volume-password'
    await writeFile(layout.sharedConfig, `${JSON.stringify(wrong, null, 2)}\n`, { mode: 0o600 })
    await writeFile(first.spec.passwordFile, 'not-the-volume-password', { mode: 0o600 })
    const error = await ensureSharedServer({ root, ...env, engine, ...overrides }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'VOLUME_PASSWORD_MISMATCH' })
    expect(JSON.stringify(error)).not.toContain('not-the-volume-password')
    expect(JSON.parse(await readFile(layout.sharedConfig, 'utf8')).admin_password).toBe(
      'not-the-volume-password',
    )
    expect(await readFile(first.spec.passwordFile, 'utf8')).toBe('not-the-volume-password')
  })

  it('realises a hand-edited shared.yaml as it is and records its port', async () => {
    const root = await project()
    const layout = projectLayout(root)
    const overrides = sharedNames('hand')
    const first = await ensureSharedServer({ root, ...env, engine, port: await freePort(), ...overrides })
    const newPort = await freePort()
    const yaml = await readFile(layout.sharedCompose, 'utf8')
    await writeFile(
      layout.sharedCompose,
      yaml.replace(`127.0.0.1:${first.port}:5432`, `127.0.0.1:${newPort}:5432`),
    )

    const second = await ensureSharedServer({ root, ...env, engine, ...overrides })
    expect(second).toMatchObject({ action: 'recreated', port: newPort, composeHandEdited: true })
    expect(second.warnings[0]).toContain('edited by hand')
    expect(await readFile(layout.sharedCompose, 'utf8')).toContain(`127.0.0.1:${newPort}:5432`)
    expect(JSON.parse(await readFile(layout.sharedConfig, 'utf8')).port).toBe(newPort)
    await expect(
      ensureSharedServer({ root, ...env, engine, ...overrides, port: first.port }),
    ).rejects.toMatchObject({
      code: 'COMPOSE_HAND_EDITED',
    })
  })

  it('adopts a shared server made by another project: same password, never changed', async () => {
    const overrides = sharedNames('adopt')
    const rootA = await project()
    const a = await ensureSharedServer({ root: rootA, ...env, engine, port: await freePort(), ...overrides })
    const containerA = await engine.containers.inspect(overrides.containerName)
    const rootB = await project()
    // B's SYSTEMPROMPT_POSTGRES_IMAGE names another image: joining must not re-create A's server.
    const otherImage = { ...env, postgresImage: 'debian:bookworm-slim' }
    const b = await ensureSharedServer({ root: rootB, ...otherImage, engine, ...overrides })
    expect(b).toMatchObject({
      adopted: true,
      action: 'unchanged',
      port: a.port,
      adminPassword: a.adminPassword,
    })
    const containerB = await engine.containers.inspect(overrides.containerName)
    expect(containerB?.Id).toBe(containerA?.Id)
    expect(containerB?.Config.Image).toBe(testImage())
    const recorded = JSON.parse(await readFile(projectLayout(rootB).sharedConfig, 'utf8'))
    expect(recorded.admin_password).toBe(a.adminPassword)
    expect(await adminQuery(a.spec, a.adminPassword, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
    // A again: its own record still opens the server; nothing adopted, nothing re-created.
    expect(await ensureSharedServer({ root: rootA, ...env, engine, ...overrides })).toMatchObject({
      action: 'unchanged',
      adopted: false,
    })
  })

  it('refuses an orphaned volume before writing anything, and resets it only when asked', async () => {
    const root = await project()
    const layout = projectLayout(root)
    const overrides = sharedNames('orphan')
    const port = await freePort()
    await engine.volumes.create(overrides.volumeName, { ...testLabels(run), 'systemprompt.managed': '1' })
    await expect(ensureSharedServer({ root, ...env, engine, port, ...overrides })).rejects.toMatchObject({
      code: 'VOLUME_ORPHANED',
    })
    await expect(stat(layout.sharedConfig)).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(stat(layout.sharedCompose)).rejects.toMatchObject({ code: 'ENOENT' })
    const result = await ensureSharedServer({ root, ...env, engine, port, ...overrides, resetVolume: true })
    expect(result.action).toBe('created')
  })

  it('adopts a shared server systemprompt did not make: used as it is, never re-created', async () => {
    const overrides = sharedNames('foreign')
    const port = await freePort()
    const password = randomBytes(12).toString('hex')
    const id = await foreignSharedServer(overrides, port, password)
    const root = await project()
    const layout = projectLayout(root)
    // Another image in SYSTEMPROMPT_POSTGRES_IMAGE must not re-create someone else's server either.
    const otherImage = { ...env, postgresImage: 'debian:bookworm-slim' }

    const first = await ensureSharedServer({ root, ...otherImage, engine, ...overrides })
    expect(first).toMatchObject({ adopted: true, action: 'unchanged', port, adminPassword: password })
    expect(first.warnings.join('\n')).toContain('not created by systemprompt')
    const container = await engine.containers.inspect(overrides.containerName)
    expect(container?.Id).toBe(id)
    expect(container?.Config.Image).toBe(testImage())
    expect(JSON.parse(await readFile(layout.sharedConfig, 'utf8'))).toMatchObject({
      admin_password: password,
      port,
      image: testImage(),
    })
    expect(await adminQuery(first.spec, password, 'SELECT 1 AS one')).toEqual([{ one: 1 }])

    // With the record now: the same container; stopped, it is started (not re-created).
    expect(await ensureSharedServer({ root, ...otherImage, engine, ...overrides })).toMatchObject({
      action: 'unchanged',
      adopted: false,
    })
    await engine.containers.stop(id, 10)
    expect(await ensureSharedServer({ root, ...env, engine, ...overrides })).toMatchObject({
      action: 'started',
    })
    expect((await engine.containers.inspect(overrides.containerName))?.Id).toBe(id)

    // Never moved to another port, stopped or reset by us.
    const configBefore = await readFile(layout.sharedConfig, 'utf8')
    await expect(
      ensureSharedServer({ root, ...env, engine, ...overrides, port: await freePort() }),
    ).rejects.toMatchObject({ code: 'SERVER_NOT_MANAGED' })
    await expect(stopServer({ root, ...env, engine, ...overrides })).rejects.toMatchObject({
      code: 'CONTAINER_NAME_TAKEN',
    })
    await expect(resetProjectServer({ root, ...env, engine, ...overrides })).rejects.toMatchObject({
      code: 'CONTAINER_NAME_TAKEN',
    })
    expect((await engine.containers.inspect(overrides.containerName))?.State.Running).toBe(true)
    expect(await readFile(layout.sharedConfig, 'utf8')).toBe(configBefore)
  })

  it('a refused --port or image leaves the running server and the files as they were', async () => {
    const root = await project()
    const layout = projectLayout(root)
    const overrides = sharedNames('refuse')
    const first = await ensureSharedServer({ root, ...env, engine, port: await freePort(), ...overrides })
    const containerId = (await engine.containers.inspect(overrides.containerName))?.Id
    const configBefore = await readFile(layout.sharedConfig, 'utf8')
    const yamlBefore = await readFile(layout.sharedCompose, 'utf8')

    const taken = await hogPort()
    await expect(
      ensureSharedServer({ root, ...env, engine, port: taken, ...overrides }),
    ).rejects.toMatchObject({
      code: 'PORT_IN_USE',
    })
    await expect(
      ensureSharedServer({
        root,
        ...env,
        postgresImage: missingImage,
        engine,
        ...overrides,
      }),
    ).rejects.toMatchObject({ code: 'IMAGE_MISSING' })

    const container = await engine.containers.inspect(overrides.containerName)
    expect(container?.Id).toBe(containerId)
    expect(container?.State.Running).toBe(true)
    expect(await readFile(layout.sharedConfig, 'utf8')).toBe(configBefore)
    expect(await readFile(layout.sharedCompose, 'utf8')).toBe(yamlBefore)
    expect(await ensureSharedServer({ root, ...env, engine, ...overrides })).toMatchObject({
      action: 'unchanged',
      port: first.port,
    })

    // A free port: the server moves, and only then do the files say so.
    const next = await freePort()
    expect(await ensureSharedServer({ root, ...env, engine, ...overrides, port: next })).toMatchObject({
      action: 'recreated',
      port: next,
    })
    expect(JSON.parse(await readFile(layout.sharedConfig, 'utf8')).port).toBe(next)
    expect(await readFile(layout.sharedCompose, 'utf8')).toContain(`127.0.0.1:${next}:5432`)
  })

  it('a brand-new server refused for its port leaves nothing behind', async () => {
    const root = await project()
    const layout = projectLayout(root)
    const overrides = sharedNames('freshport')
    const taken = await hogPort()
    await expect(
      ensureSharedServer({ root, ...env, engine, port: taken, ...overrides }),
    ).rejects.toMatchObject({
      code: 'PORT_IN_USE',
    })
    expect(await missing(layout.sharedConfig)).toBe(true)
    expect(await missing(layout.sharedCompose)).toBe(true)
    expect(await missing(sharedPasswordFile(dataDir, overrides.containerName))).toBe(true)
    expect(await engine.volumes.inspect(overrides.volumeName)).toBeUndefined()
  })

  it('fails in one line when the engine is not reachable', async () => {
    const root = await project()
    await expect(
      ensureSharedServer({ root, ...env, dockerEnv: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } }),
    ).rejects.toMatchObject({
      code: 'ENGINE_UNREACHABLE',
      message: 'Docker engine not reachable at DOCKER_HOST=unix:///nonexistent/docker.sock (no such socket)',
    })
  })
})

describe('stop, status, logs, reset at project level', () => {
  it('works on the shared server', async () => {
    const root = await project()
    const layout = projectLayout(root)
    const overrides = sharedNames('manage')
    const up = await ensureSharedServer({ root, ...env, engine, port: await freePort(), ...overrides })
    await adminQuery(up.spec, up.adminPassword, 'CREATE DATABASE sp_tenant_alpha')
    await adminQuery(up.spec, up.adminPassword, 'CREATE TABLE kept (v int)')
    await updateJsonFile(layout.sharedConfig, SharedConfigSchema, (c) => ({
      ...c!,
      tenant_databases: [
        { tenant_id: 'alpha', database_name: 'sp_tenant_alpha' },
        { tenant_id: 'ghost', database_name: 'sp_tenant_ghost' },
      ],
    }))

    const status = await projectServerStatus({ root, ...env, engine, ...overrides })
    expect(status).toMatchObject({
      target: 'shared',
      state: 'running',
      port: up.port,
      drift: [],
      composeFileExists: true,
    })

    let text = ''
    for await (const chunk of await projectServerLogs({ root, ...env, engine, ...overrides, tail: 20 }))
      text += chunk
    expect(text).toContain('ready to accept connections')

    expect(await stopServer({ root, ...env, engine, ...overrides })).toMatchObject({ action: 'stopped' })
    expect((await projectServerStatus({ root, ...env, engine, ...overrides })).state).toBe('exited')
    expect((await ensureSharedServer({ root, ...env, engine, ...overrides })).action).toBe('started')
    expect(
      await adminQuery(
        up.spec,
        up.adminPassword,
        "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'kept'",
      ),
    ).toEqual([{ n: 1 }])

    const reset = await resetProjectServer({ root, ...env, engine, ...overrides })
    expect(reset).toMatchObject({
      action: 'created',
      volumeCreated: true,
      lostDatabases: ['sp_tenant_alpha', 'sp_tenant_ghost'],
    })
    expect(
      await adminQuery(
        up.spec,
        up.adminPassword,
        "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'kept'",
      ),
    ).toEqual([{ n: 0 }])
  })
})

describe('ensureTenantServer', () => {
  it('declares docker/<tenant>.yaml with its own password and a free port, then is idempotent', async () => {
    const root = await project()
    const layout = projectLayout(root)
    const tenant = `t${randomBytes(3).toString('hex')}`
    const overrides = tenantNames(tenant)
    // As `cloud tenant create --database dedicated` leaves it just before it starts the server.
    await recordTenant(root, tenant, 'dedicated', 'pending')
    const first = await ensureTenantServer(root, tenant, { ...env, engine, ...overrides })
    expect(first.action).toBe('created')
    expect(first.port).toBeGreaterThanOrEqual(5433)
    expect(await readFile(layout.tenantPasswordFile(tenant), 'utf8')).toBe(first.adminPassword)
    expect(mode(await stat(layout.tenantPasswordFile(tenant)))).toBe(0o600)
    expect(await readFile(layout.tenantCompose(tenant), 'utf8')).toContain(`postgres-${tenant}:`)
    expect(await adminQuery(first.spec, first.adminPassword, 'SELECT 1 AS one')).toEqual([{ one: 1 }])

    const again = await ensureTenantServer(root, tenant, { ...env, engine, ...overrides })
    expect(again).toMatchObject({ action: 'unchanged', port: first.port, adminPassword: first.adminPassword })
    const status = await projectServerStatus({ root, ...env, engine, tenant, ...overrides })
    expect(status).toMatchObject({ target: { tenant }, state: 'running', port: first.port, drift: [] })
    expect(await stopServer({ root, ...env, engine, tenant, ...overrides })).toMatchObject({
      action: 'stopped',
    })
  })

  it('starts only tenants recorded as dedicated, and writes nothing when it refuses', async () => {
    const root = await project()
    const layout = projectLayout(root)
    const tenant = `t${randomBytes(3).toString('hex')}`
    const overrides = tenantNames(tenant)
    const nothingWritten = async () => {
      expect(await missing(layout.tenantCompose(tenant))).toBe(true)
      expect(await missing(layout.tenantPasswordFile(tenant))).toBe(true)
      expect(await engine.containers.inspect(overrides.containerName)).toBeUndefined()
      expect(await engine.volumes.inspect(overrides.volumeName)).toBeUndefined()
    }

    await expect(ensureTenantServer(root, tenant, { ...env, engine, ...overrides })).rejects.toMatchObject({
      code: 'TENANT_NOT_FOUND',
      fix: expect.stringContaining(`systemprompt cloud tenant create --name ${tenant} --database dedicated`),
    })
    await nothingWritten()

    await recordTenant(root, tenant, 'shared', 'ready')
    await expect(ensureTenantServer(root, tenant, { ...env, engine, ...overrides })).rejects.toMatchObject({
      code: 'TENANT_NOT_DEDICATED',
      message: expect.stringContaining('shared PostgreSQL server'),
      fix: expect.stringContaining('systemprompt db up'),
    })
    await nothingWritten()

    // Dedicated, but the image is missing: the files this attempt made go again.
    await recordTenant(root, tenant, 'dedicated', 'pending')
    await expect(
      ensureTenantServer(root, tenant, {
        ...env,
        postgresImage: missingImage,
        engine,
        ...overrides,
      }),
    ).rejects.toMatchObject({ code: 'IMAGE_MISSING' })
    await nothingWritten()
  })

  it('rejects a bad tenant name before touching anything', async () => {
    const root = await project()
    await expect(ensureTenantServer(root, '../etc', { ...env, engine })).rejects.toMatchObject({
      code: 'TENANT_NAME_INVALID',
    })
  })
})

describe('password file vs volume at project level', () => {
  it('a volume initialised with another password: back with the machine-wide file, else explained', async () => {
    const root = await project()
    const layout = projectLayout(root)
    const overrides = sharedNames('mismatch')
    const port = await freePort()
    // The volume of an earlier life, initialised with a password this project never knew.
    const other = await project()
    const earlier = await ensureSharedServer({ root: other, ...env, engine, port, ...overrides })
    await engine.containers.remove(earlier.spec.containerName, { force: true })
    await updateJsonFile(layout.sharedConfig, SharedConfigSchema, () =>
      SharedConfigSchema.parse({ admin_password: 'not-the-volume-password', port }),
    )
    // The machine-wide password file still holds the volume's password: the server comes back with it, and
    // this project's wrong record is proven wrong by a login and corrected (never the other way round).
    const back = await ensureSharedServer({ root, ...env, engine, ...overrides })
    expect(back.adminPassword).toBe(earlier.adminPassword)
    expect(back.warnings.join('\n')).not.toContain('not-the-volume-password')
    expect((await readSharedConfig(layout))?.admin_password).toBe(earlier.adminPassword)
    // Neither the record nor the machine-wide file opens the volume: said exactly, nothing rewritten.
    await engine.containers.remove(back.spec.containerName, { force: true })
    await updateJsonFile(layout.sharedConfig, SharedConfigSchema, () =>
      SharedConfigSchema.parse({ admin_password: 'not-the-volume-password', port }),
    )
    await writeFile(back.spec.passwordFile, 'not-the-volume-password', { mode: 0o600 })
    const error = await ensureSharedServer({ root, ...env, engine, ...overrides }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'VOLUME_PASSWORD_MISMATCH' })
    expect(JSON.stringify(error)).not.toContain('not-the-volume-password')
    expect(await readFile(back.spec.passwordFile, 'utf8')).toBe('not-the-volume-password')
  })
})
