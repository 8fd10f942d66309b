/** Test-only: a temporary project whose shared_config.json points at a test PostgreSQL container. */
import { tempProject } from '@systemprompt/testkit'
import type { AdminServer, ServerProvider } from '../tenants/servers.js'
import type { TestPostgres } from './postgres.js'

export interface TestProject {
  root: string
  servers: ServerProvider
  admin: AdminServer
  remove(): Promise<void>
}

export async function makeTestProject(server: TestPostgres, projectId = 'test0001'): Promise<TestProject> {
  const project = tempProject({
    prefix: 'sp-registry-',
    tenants: { version: 1, project_id: projectId, tenants: [] },
    sharedConfig: {
      admin_password: server.adminPassword,
      port: server.port,
      created_at: new Date().toISOString(),
      tenant_databases: [],
    },
  })
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
  return { root: project.path, servers, admin, remove: async () => project.remove() }
}
