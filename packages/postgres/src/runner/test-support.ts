/**
 * Helpers for the integration tests of the runner and the server service (not exported by the package).
 * Every Docker object they make carries `systemprompt.test=1` and a per-run label, and uses a unique
 * suffix and an OS-chosen port, so test files of different packages never collide.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { sharedServerSpec } from '@systemprompt/compose'
import { freePort, removeDir, removeRun, tempDir, testImage, testLabels } from '@systemprompt/testkit'

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
  const dir = tempDir(`sp-runner-${name}-`).path
  const dockerDir = join(dir, '.systemprompt', 'docker')
  const base = sharedServerSpec({
    dockerDir,
    image: testImage(),
    port: await freePort(),
    labels: testLabels(run),
  })
  const spec: PostgresServerSpec = {
    ...base,
    containerName: `sp-test-${name}-${run}`,
    volumeName: `sp-test-${name}-${run}-data`,
    // A compose project of its own: never the machine's (or another test's) `systemprompt-shared`.
    project: `sp-test-${name}-${run}`,
    ...overrides,
  }
  const password = randomBytes(18).toString('base64url')
  await mkdir(join(dockerDir, '.secrets'), { recursive: true, mode: 0o700 })
  await writeFile(spec.passwordFile, password, { mode: 0o600 })
  return { spec, password, dir }
}

/** Removes everything this run made (by label) and the temp dirs. */
export function cleanupRun(run: string, dirs: string[] = []): void {
  removeRun(run)
  for (const dir of dirs) removeDir(dir)
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
