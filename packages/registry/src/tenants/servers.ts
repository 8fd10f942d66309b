/**
 * How the registry gets an admin connection to a tenant's PostgreSQL server. The default realises the
 * project's compose files through @systemprompt/postgres (start if needed, wait until ready); callers may
 * pass their own, e.g. to point at a server that is already running (benchmarks, tests with their own
 * container). The registry never changes the admin password of any server.
 */
import { projectLayout } from '@systemprompt/config'
import { connect, type PgClient, type PgTarget, withClient } from '@systemprompt/pg'
import { recordedSharedServer } from './live.js'

export interface AdminServer {
  host: string
  port: number
  user: string
  password: string
  /** Maintenance database the admin connects to. */
  database: string
}

export interface ServerRequest {
  root: string
  env: NodeJS.ProcessEnv
  timeoutMs?: number
  onProgress?: (message: string) => void
}

export interface ServerProvider {
  /** Makes sure the shared server is up and ready; returns how to reach it as admin. */
  shared(request: ServerRequest): Promise<AdminServer>
  /** Writes docker/<tenant>.yaml if needed, starts the tenant's own server and waits until ready. */
  dedicated(request: ServerRequest & { tenant: string; port?: number }): Promise<AdminServer>
  /** Removes the tenant's own server: container, volume, compose file and password file. */
  removeDedicated(request: ServerRequest & { tenant: string }): Promise<void>
}

export function adminTarget(server: AdminServer): PgTarget {
  return {
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database: server.database,
  }
}

export const ADMIN_USER = 'systemprompt_admin'

/** The compose-backed provider (loaded lazily: it pulls in dockerode). */
export async function defaultServerProvider(): Promise<ServerProvider> {
  const { composeServerProvider } = await import('./compose-servers.js')
  return composeServerProvider
}

/**
 * Runs `fn` with an admin connection to the shared server. Fast path: the server recorded in
 * shared_config.json answers a login, so it is up and nothing needs Docker (this keeps `tenant create` on a
 * running server free of engine round trips and of loading dockerode). Otherwise the provider makes sure it
 * is up (start, create, adopt, explain a password mismatch) and we connect to what it returns.
 */
export async function withSharedAdmin<T>(
  request: ServerRequest,
  servers: () => Promise<ServerProvider>,
  fn: (client: PgClient, server: AdminServer) => Promise<T>,
): Promise<T> {
  const recorded = await recordedSharedServer(projectLayout(request.root))
  if (recorded) {
    const client = await connect(adminTarget(recorded), { timeoutMs: 1500 }).catch(() => undefined)
    if (client) {
      try {
        return await fn(client, recorded)
      } finally {
        await client.end().catch(() => {})
      }
    }
  }
  const server = await (await servers()).shared(request)
  return withClient(adminTarget(server), (client) => fn(client, server))
}
