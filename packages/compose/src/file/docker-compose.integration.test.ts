/**
 * The generated files are real compose files: Debian's docker-compose 1.29 runs them unchanged.
 * Both files live in one directory (one compose project, as in `.systemprompt/docker/`), which also checks
 * that each file's `ps` and `down` stay with its own container.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import {
  childEnv,
  DOCKER,
  docker,
  freePort,
  newRunId,
  RUN_LABEL,
  removeRun,
  type TempDir,
  tempDir,
  testImage,
  testLabels,
} from '@systemprompt/testkit'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PostgresServerSpec } from '../spec.js'
import { dedicatedServerSpec, sharedServerSpec } from './server-spec.js'
import { writeComposeFile } from './write.js'

const run = promisify(execFile)
const COMPOSE = '/usr/bin/docker-compose'
const image = testImage()
const runId = newRunId()
const labels = testLabels(runId)

// A directory of its own (`docker-<run>` -> compose project `docker-<run>`): a parallel test elsewhere that
// uses the real layout (project `docker`, service `postgres`) can never be adopted or recreated by ours.
let project: TempDir
let dockerDir: string
let shared: Server
let tenant: Server

interface Server {
  spec: PostgresServerSpec
  file: string
  password: string
}

async function compose(file: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(COMPOSE, ['-f', file, ...args], { cwd: project.path, env: childEnv() })
  return stdout
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** The testbed helper may still be building the image when this file starts. */
async function waitForImage(): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (docker(['images', '-q', image]) !== '') return
    await sleep(2000)
  }
  throw new Error(`image ${image} not found: run tooling/testbed/up.sh`)
}

async function waitUntilHealthy(container: string): Promise<void> {
  let status = ''
  for (let attempt = 0; attempt < 120; attempt++) {
    status = docker(['inspect', '-f', '{{.State.Status}} {{.State.Health.Status}}', container])
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

beforeAll(async () => {
  await waitForImage()
  project = tempDir('sp-compose-it-')
  dockerDir = join(project.path, '.systemprompt', `docker-${runId}`)
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

afterAll(() => {
  removeRun(runId)
  project?.remove()
})

// Both servers up and healthy: what each test below starts from. Made once (docker-compose is slow to start)
// and made again after a test took them down, so every test also passes alone and in any order.
let running: Promise<void> | undefined
function upBoth(): Promise<void> {
  running ??= (async () => {
    await compose(shared.file, 'up', '-d')
    await compose(tenant.file, 'up', '-d')
    for (const server of [shared, tenant]) await waitUntilHealthy(server.spec.containerName)
  })()
  return running
}

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
    await upBoth()
    for (const server of [shared, tenant]) {
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
    await upBoth()
    const [info] = JSON.parse(docker(['inspect', tenant.spec.containerName])) as [
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
      docker(['volume', 'inspect', '-f', '{{json .Labels}}', tenant.spec.volumeName]),
    )
    expect(volumeLabels).toMatchObject({
      'systemprompt.test': '1',
      'systemprompt.role': 'postgres-dedicated',
    })
  })

  it('ps of each file lists exactly its own container', async () => {
    await upBoth()
    for (const [own, other] of [
      [tenant, shared],
      [shared, tenant],
    ] as const) {
      const ids = (await compose(own.file, 'ps', '-q')).trim().split('\n').filter(Boolean)
      expect(ids).toEqual([docker(['inspect', '-f', '{{.Id}}', own.spec.containerName])])
      expect(ids).not.toContain(docker(['inspect', '-f', '{{.Id}}', other.spec.containerName]))
    }
  })

  it('down -v of the tenant file removes its container and volume, and leaves the shared server running', async () => {
    await upBoth()
    await compose(tenant.file, 'down', '-v')
    running = undefined
    const filter = `label=${RUN_LABEL}=${runId}`
    expect(docker(['ps', '-a', '--filter', filter, '--format', '{{.Names}} {{.State}}'])).toBe(
      `${shared.spec.containerName} running`,
    )
    expect(docker(['volume', 'ls', '-q', '--filter', filter]).split('\n')).toEqual([shared.spec.volumeName])

    await compose(shared.file, 'down', '-v')
    running = undefined
    expect(docker(['ps', '-aq', '--filter', filter])).toBe('')
    expect(docker(['volume', 'ls', '-q', '--filter', filter])).toBe('')
  })
})
