/**
 * Helpers for the integration tests of the runner and the server service (not exported by the package).
 * Every Docker object they make carries `systemprompt.test=1` and a per-run label, and uses a unique
 * suffix and an OS-chosen port, so test files of different packages never collide.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { sharedServerSpec } from '@systemprompt/compose'
import type { Engine } from '@systemprompt/engine'

export const TEST_IMAGE = process.env.SYSTEMPROMPT_POSTGRES_IMAGE ?? 'systemprompt-testbed/postgres:15'

export function testRunId(): string {
  return randomBytes(4).toString('hex')
}

export function testLabels(run: string): Record<string, string> {
  return { 'systemprompt.test': '1', 'systemprompt.test-run': run }
}

/** A port the OS says is free right now. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (!address || typeof address === 'string') throw new Error('could not get a free port')
  return address.port
}

export interface TestServer {
  spec: PostgresServerSpec
  password: string
  dir: string
}

/** A shared-kind spec in a fresh temp project, with suffixed names, a free port and a 0600 password file. */
export async function makeTestServer(
  run: string,
  name: string,
  overrides: Partial<PostgresServerSpec> = {},
): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), `sp-runner-${name}-`))
  const dockerDir = join(dir, '.systemprompt', 'docker')
  const base = sharedServerSpec({
    dockerDir,
    image: TEST_IMAGE,
    port: await freePort(),
    labels: testLabels(run),
  })
  const spec: PostgresServerSpec = {
    ...base,
    containerName: `sp-test-${name}-${run}`,
    volumeName: `sp-test-${name}-${run}-data`,
    ...overrides,
  }
  const password = randomBytes(18).toString('base64url')
  await mkdir(join(dockerDir, '.secrets'), { recursive: true, mode: 0o700 })
  await writeFile(spec.passwordFile, password, { mode: 0o600 })
  return { spec, password, dir }
}

/** Removes everything this run made (containers first, then volumes) and the temp dirs. */
export async function cleanupRun(engine: Engine, run: string, dirs: string[] = []): Promise<void> {
  const filter = { 'systemprompt.test-run': run }
  for (const c of await engine.containers.list({ labels: filter })) {
    await engine.containers.remove(c.Id, { force: true }).catch(() => {})
  }
  for (const v of await engine.volumes.list({ labels: filter })) {
    await engine.volumes.remove(v.Name, { force: true }).catch(() => {})
  }
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
}

/** Runs SQL as the admin over TCP on 127.0.0.1. */
export async function adminQuery(
  spec: PostgresServerSpec,
  password: string,
  sql: string,
): Promise<unknown[]> {
  const { default: pg } = await import('pg')
  const client = new pg.Client({
    host: '127.0.0.1',
    port: spec.port,
    user: spec.adminUser,
    password,
    database: spec.database,
  })
  await client.connect()
  try {
    return (await client.query(sql)).rows
  } finally {
    await client.end()
  }
}
