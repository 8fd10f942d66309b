/** Test-only: a temporary project whose shared_config.json points at a test PostgreSQL container. */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AdminServer, ServerProvider } from '../tenants/servers.js'
import type { TestPostgres } from './postgres.js'

export interface TestProject {
  root: string
  servers: ServerProvider
  admin: AdminServer
  remove(): Promise<void>
}

export async function makeTestProject(server: TestPostgres, projectId = 'test0001'): Promise<TestProject> {
  const root = await mkdtemp(join(tmpdir(), 'sp-registry-'))
  const dir = join(root, '.systemprompt')
  await mkdir(join(dir, 'docker'), { recursive: true })
  await writeFile(
    join(dir, 'tenants.json'),
    JSON.stringify({ version: 1, project_id: projectId, tenants: [] }),
    {
      mode: 0o600,
    },
  )
  await writeFile(
    join(dir, 'docker', 'shared_config.json'),
    JSON.stringify({
      admin_password: server.adminPassword,
      port: server.port,
      created_at: new Date().toISOString(),
      tenant_databases: [],
    }),
    { mode: 0o600 },
  )
  const admin: AdminServer = {
    host: '127.0.0.1',
    port: server.port,
    user: server.adminUser,
    password: server.adminPassword,
    database: 'postgres',
  }
  // The server is already running (the test started it); dedicated servers are the compose package's tests.
  const servers: ServerProvider = {
    shared: async () => admin,
    dedicated: async () => {
      throw new Error('dedicated servers are not part of this test')
    },
    removeDedicated: async () => {
      throw new Error('dedicated servers are not part of this test')
    },
  }
  return { root, servers, admin, remove: () => rm(root, { recursive: true, force: true }) }
}

/** Every file under `dir` with its content and mode: compare before/after to prove nothing was written. */
export async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  async function walk(path: string): Promise<void> {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name)
      if (entry.isDirectory()) {
        out[`${full}/`] = 'dir'
        await walk(full)
      } else {
        const mode = ((await stat(full)).mode & 0o777).toString(8)
        out[full] = `${mode}:${await readFile(full, 'utf8')}`
      }
    }
  }
  await walk(dir)
  return out
}
