/**
 * The generated files are real compose files: Debian's docker-compose 1.29 runs them unchanged. Two projects
 * A and B on one machine, each with a dedicated server of the SAME tenant name, plus the machine-wide shared
 * server (its file in A's docker directory, as in a real project). Each project's `.env` names its own compose
 * project, so each file's `ps` and `down --remove-orphans` stay with that project's dedicated containers: never
 * the other project's, never the shared server (which runs under its own `-p`).
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
import { writeComposeProjectEnv } from './env-file.js'
import { dedicatedServerSpec, sharedServerSpec } from './server-spec.js'
import { writeComposeFile } from './write.js'

const run = promisify(execFile)
const COMPOSE = '/usr/bin/docker-compose'
const image = testImage()
const runId = newRunId()
const labels = testLabels(runId)
const tenantName = `it-${runId}`

let root: TempDir
let shared: Server
let tenantA: Server
let tenantB: Server

interface Server {
  spec: PostgresServerSpec
  file: string
  password: string
  /** `-p` for docker-compose, when the file's own directory does not name its compose project. */
  composeProject?: string
}

async function compose(server: Server, ...args: string[]): Promise<string> {
  const project = server.composeProject ? ['-p', server.composeProject] : []
  const { stdout } = await run(COMPOSE, [...project, '-f', server.file, ...args], {
    cwd: root.path,
    env: childEnv(),
  })
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

async function makeServer(spec: PostgresServerSpec, dockerDir: string, fileName: string): Promise<Server> {
  const password = randomBytes(18).toString('base64url')
  await mkdir(join(dockerDir, '.secrets'), { recursive: true, mode: 0o700 })
  await writeFile(spec.passwordFile, password, { mode: 0o600 })
  const file = join(dockerDir, fileName)
  await writeComposeFile(file, spec, { generatorVersion: '0.0.0-test' })
  return { spec, file, password }
}

/** A project's dedicated server of `tenantName`, its file and `.env` as the generator writes them. */
async function dedicatedOf(name: string): Promise<Server> {
  const projectDir = join(root.path, name)
  const dockerDir = join(projectDir, '.systemprompt', 'docker')
  const spec = dedicatedServerSpec(tenantName, {
    dockerDir,
    projectId: newRunId(),
    projectDir,
    image,
    port: await freePort(),
    labels,
  })
  const server = await makeServer(spec, dockerDir, `${tenantName}.yaml`)
  await writeComposeProjectEnv(dockerDir, spec.project)
  return server
}

beforeAll(async () => {
  await waitForImage()
  root = tempDir('sp-compose-it-')
  tenantA = await dedicatedOf('a')
  tenantB = await dedicatedOf('b')
  const aDocker = join(root.path, 'a', '.systemprompt', 'docker')
  const sharedSpec = sharedServerSpec({ dockerDir: aDocker, image, port: await freePort(), labels })
  // Unique Docker names AND compose project: the real shared server (or another test's, all under
  // `systemprompt-shared`) is never adopted or recreated by ours.
  const unique = {
    containerName: `${sharedSpec.containerName}-${runId}`,
    volumeName: `${sharedSpec.volumeName}-${runId}`,
    project: `${sharedSpec.project}-${runId}`,
  }
  shared = {
    ...(await makeServer({ ...sharedSpec, ...unique }, aDocker, 'shared.yaml')),
    composeProject: unique.project,
  }
})

afterAll(() => {
  removeRun(runId)
  root?.remove()
})

const all = () => [shared, tenantA, tenantB]

// Every server up and healthy: what each test below starts from. Made once (docker-compose is slow to start)
// and made again after a test took them down, so every test also passes alone and in any order.
let running: Promise<void> | undefined
function upAll(): Promise<void> {
  running ??= (async () => {
    for (const server of all()) await compose(server, 'up', '-d')
    for (const server of all()) await waitUntilHealthy(server.spec.containerName)
  })()
  return running
}

function idOf(container: string): string {
  return docker(['inspect', '-f', '{{.Id}}', container])
}

describe('generated compose files under docker-compose 1.29', () => {
  it('docker-compose accepts every file as it is', async () => {
    for (const server of all()) {
      const config = await compose(server, 'config')
      expect(config).toContain(`container_name: ${server.spec.containerName}`)
      expect(config).toContain(`- 127.0.0.1:${server.spec.port}:5432/tcp`)
      expect(config).toContain(`file: ${server.spec.passwordFile}`)
    }
  })

  it('up -d starts every server; they become healthy and accept the secret password over TCP', async () => {
    await upAll()
    for (const server of all()) {
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

  it('a dedicated container and its volume carry our labels and the project; loopback port, no password in env', async () => {
    await upAll()
    const [info] = JSON.parse(docker(['inspect', tenantA.spec.containerName])) as [
      {
        Config: { Env: string[]; Labels: Record<string, string> }
        HostConfig: { PortBindings: Record<string, { HostIp: string; HostPort: string }[]> }
        Mounts: { Name?: string; Destination: string }[]
      },
    ]
    const project = {
      'systemprompt.project': tenantA.spec.projectId,
      'systemprompt.project-dir': join(root.path, 'a'),
    }
    expect(info.Config.Labels).toMatchObject({
      'systemprompt.role': 'postgres-dedicated',
      'systemprompt.tenant': tenantName,
      'systemprompt.managed': '1',
      ...project,
      // From the .env beside the file: the project's own compose project, not the directory's name.
      'com.docker.compose.project': `systemprompt-${tenantA.spec.projectId}`,
      'com.docker.compose.service': tenantA.spec.service,
    })
    expect(info.Config.Labels['systemprompt.config-hash']).toMatch(/^[0-9a-f]{64}$/)
    expect(info.HostConfig.PortBindings['5432/tcp']).toEqual([
      { HostIp: '127.0.0.1', HostPort: String(tenantA.spec.port) },
    ])
    expect(info.Mounts).toContainEqual(
      expect.objectContaining({ Name: tenantA.spec.volumeName, Destination: '/var/lib/postgresql/data' }),
    )
    expect(info.Config.Env).toContain('POSTGRES_PASSWORD_FILE=/run/secrets/postgres_admin_password')
    expect(JSON.stringify(info)).not.toContain(tenantA.password)
    const volumeLabels = JSON.parse(
      docker(['volume', 'inspect', '-f', '{{json .Labels}}', tenantA.spec.volumeName]),
    )
    expect(volumeLabels).toMatchObject({
      'systemprompt.test': '1',
      'systemprompt.role': 'postgres-dedicated',
      ...project,
    })
    const sharedLabels = JSON.parse(
      docker(['inspect', '-f', '{{json .Config.Labels}}', shared.spec.containerName]),
    ) as Record<string, string>
    expect(Object.keys(sharedLabels)).not.toContain('systemprompt.project')
  })

  it('ps of each file lists exactly its own container', async () => {
    await upAll()
    for (const own of all()) {
      const ids = (await compose(own, 'ps', '-q')).trim().split('\n').filter(Boolean)
      expect(ids).toEqual([idOf(own.spec.containerName)])
    }
  })

  it("down --remove-orphans of A's tenant file removes A's container only: B's and the shared one keep running", async () => {
    await upAll()
    await compose(tenantA, 'down', '--remove-orphans')
    running = undefined
    const filter = `label=${RUN_LABEL}=${runId}`
    const states = docker(['ps', '-a', '--filter', filter, '--format', '{{.Names}} {{.State}}'])
      .split('\n')
      .sort()
    expect(states).toEqual(
      [`${shared.spec.containerName} running`, `${tenantB.spec.containerName} running`].sort(),
    )
    // `down` keeps volumes: A's data is still there for the next `up`.
    expect(docker(['volume', 'ls', '-q', '--filter', filter]).split('\n').sort()).toEqual(
      all()
        .map((s) => s.spec.volumeName)
        .sort(),
    )

    for (const server of all()) await compose(server, 'down', '-v')
    expect(docker(['ps', '-aq', '--filter', filter])).toBe('')
    expect(docker(['volume', 'ls', '-q', '--filter', filter])).toBe('')
  })
})
