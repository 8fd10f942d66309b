/**
 * The generated files are real compose files: Debian's docker-compose 1.29 runs them unchanged.
 * Both files live in one directory (one compose project, as in `.systemprompt/docker/`), which also checks
 * that each file's `ps` and `down` stay with its own container.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PostgresServerSpec } from '../spec.js'
import { dedicatedServerSpec, sharedServerSpec } from './server-spec.js'
import { writeComposeFile } from './write.js'

const run = promisify(execFile)
const DOCKER = '/usr/bin/docker'
const COMPOSE = '/usr/bin/docker-compose'
const image = process.env.SYSTEMPROMPT_POSTGRES_IMAGE ?? 'systemprompt-testbed/postgres:15'
const runId = randomBytes(4).toString('hex')
const labels = { 'systemprompt.test': '1', 'systemprompt.test-run': runId }

// A directory of its own (`docker-<run>` -> compose project `docker-<run>`): a parallel test elsewhere that
// uses the real layout (project `docker`, service `postgres`) can never be adopted or recreated by ours.
let root: string
let dockerDir: string
let shared: Server
let tenant: Server

interface Server {
  spec: PostgresServerSpec
  file: string
  password: string
}

/** Child env without COMPOSE_PROJECT_NAME/COMPOSE_FILE, which would override what the files imply. */
function composeEnv(): NodeJS.ProcessEnv {
  const { COMPOSE_PROJECT_NAME: _p, COMPOSE_FILE: _f, ...env } = process.env
  return env
}

async function compose(file: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(COMPOSE, ['-f', file, ...args], { cwd: root, env: composeEnv() })
  return stdout
}

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run(DOCKER, args)
  return stdout.trim()
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** The testbed helper may still be building the image when this file starts. */
async function waitForImage(): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if ((await docker('images', '-q', image)) !== '') return
    await sleep(2000)
  }
  throw new Error(`image ${image} not found: run tooling/testbed/up.sh`)
}

async function waitUntilHealthy(container: string): Promise<void> {
  let status = ''
  for (let attempt = 0; attempt < 120; attempt++) {
    status = await docker('inspect', '-f', '{{.State.Status}} {{.State.Health.Status}}', container)
    if (status === 'running healthy') return
    if (status.startsWith('exited') || status.startsWith('dead')) break
    await sleep(500)
  }
  const logs = await run(DOCKER, ['logs', '--tail', '20', container]).catch(() => ({
    stdout: '',
    stderr: '',
  }))
  throw new Error(`${container} did not become healthy (${status}):\n${logs.stdout}${logs.stderr}`)
}

async function makeServer(spec: PostgresServerSpec, fileName: string): Promise<Server> {
  const password = randomBytes(18).toString('base64url')
  await writeFile(spec.passwordFile, password, { mode: 0o600 })
  const file = join(dockerDir, fileName)
  await writeComposeFile(file, spec, { generatorVersion: '0.0.0-test' })
  return { spec, file, password }
}

async function removeTestObjects(): Promise<void> {
  const filter = `label=systemprompt.test-run=${runId}`
  const containers = (await docker('ps', '-aq', '--filter', filter)).split('\n').filter(Boolean)
  if (containers.length > 0) await docker('rm', '-fv', ...containers)
  const volumes = (await docker('volume', 'ls', '-q', '--filter', filter)).split('\n').filter(Boolean)
  if (volumes.length > 0) await docker('volume', 'rm', '-f', ...volumes)
}

beforeAll(async () => {
  await waitForImage()
  root = await mkdtemp(join(tmpdir(), 'sp-compose-it-'))
  dockerDir = join(root, '.systemprompt', `docker-${runId}`)
  await mkdir(join(dockerDir, '.secrets'), { recursive: true, mode: 0o700 })
  const sharedSpec = sharedServerSpec({ dockerDir, image, port: await freePort(), labels })
  shared = await makeServer(
    {
      ...sharedSpec,
      // Unique Docker names, so the real shared server (or another test's) is never touched.
      containerName: `${sharedSpec.containerName}-${runId}`,
      volumeName: `${sharedSpec.volumeName}-${runId}`,
    },
    'shared.yaml',
  )
  tenant = await makeServer(
    dedicatedServerSpec(`it-${runId}`, { dockerDir, image, port: await freePort(), labels }),
    `it-${runId}.yaml`,
  )
})

afterAll(async () => {
  await removeTestObjects()
  if (root) await rm(root, { recursive: true, force: true })
})

describe('generated compose files under docker-compose 1.29', () => {
  it('docker-compose accepts both files as they are', async () => {
    for (const server of [shared, tenant]) {
      const config = await compose(server.file, 'config')
      expect(config).toContain(`container_name: ${server.spec.containerName}`)
      expect(config).toContain(`- 127.0.0.1:${server.spec.port}:5432/tcp`)
      expect(config).toContain(`file: ${server.spec.passwordFile}`)
    }
  })

  it('up -d starts both servers; they become healthy and accept the secret password over TCP', async () => {
    await compose(shared.file, 'up', '-d')
    await compose(tenant.file, 'up', '-d')
    for (const server of [shared, tenant]) {
      await waitUntilHealthy(server.spec.containerName)
      const client = new pg.Client({
        host: '127.0.0.1',
        port: server.spec.port,
        user: 'systemprompt_admin',
        password: server.password,
        database: 'postgres',
      })
      await client.connect()
      try {
        const result = await client.query<{ user: string; one: number }>(
          'SELECT current_user AS user, 1 AS one',
        )
        expect(result.rows).toEqual([{ user: 'systemprompt_admin', one: 1 }])
      } finally {
        await client.end()
      }
    }
  })

  it('the container carries our labels, the explicit volume, loopback port, and no password in its env', async () => {
    const [info] = JSON.parse(await docker('inspect', tenant.spec.containerName)) as [
      {
        Config: { Env: string[]; Labels: Record<string, string> }
        HostConfig: { PortBindings: Record<string, { HostIp: string; HostPort: string }[]> }
        Mounts: { Name?: string; Destination: string }[]
      },
    ]
    expect(info.Config.Labels).toMatchObject({
      'systemprompt.role': 'postgres-dedicated',
      'systemprompt.tenant': `it-${runId}`,
      'systemprompt.managed': '1',
      'com.docker.compose.project': tenant.spec.project,
      'com.docker.compose.service': tenant.spec.service,
    })
    expect(info.Config.Labels['systemprompt.config-hash']).toMatch(/^[0-9a-f]{64}$/)
    expect(info.HostConfig.PortBindings['5432/tcp']).toEqual([
      { HostIp: '127.0.0.1', HostPort: String(tenant.spec.port) },
    ])
    expect(info.Mounts).toContainEqual(
      expect.objectContaining({ Name: tenant.spec.volumeName, Destination: '/var/lib/postgresql/data' }),
    )
    expect(info.Config.Env).toContain('POSTGRES_PASSWORD_FILE=/run/secrets/postgres_admin_password')
    expect(JSON.stringify(info)).not.toContain(tenant.password)
    const volumeLabels = JSON.parse(
      await docker('volume', 'inspect', '-f', '{{json .Labels}}', tenant.spec.volumeName),
    )
    expect(volumeLabels).toMatchObject({
      'systemprompt.test': '1',
      'systemprompt.role': 'postgres-dedicated',
    })
  })

  it('ps of each file lists exactly its own container', async () => {
    for (const [own, other] of [
      [tenant, shared],
      [shared, tenant],
    ] as const) {
      const ids = (await compose(own.file, 'ps', '-q')).trim().split('\n').filter(Boolean)
      expect(ids).toEqual([await docker('inspect', '-f', '{{.Id}}', own.spec.containerName)])
      expect(ids).not.toContain(await docker('inspect', '-f', '{{.Id}}', other.spec.containerName))
    }
  })

  it('down -v of the tenant file removes its container and volume, and leaves the shared server running', async () => {
    await compose(tenant.file, 'down', '-v')
    const filter = `label=systemprompt.test-run=${runId}`
    expect(await docker('ps', '-a', '--filter', filter, '--format', '{{.Names}} {{.State}}')).toBe(
      `${shared.spec.containerName} running`,
    )
    expect((await docker('volume', 'ls', '-q', '--filter', filter)).split('\n')).toEqual([
      shared.spec.volumeName,
    ])

    await compose(shared.file, 'down', '-v')
    expect(await docker('ps', '-aq', '--filter', filter)).toBe('')
    expect(await docker('volume', 'ls', '-q', '--filter', filter)).toBe('')
  })
})
