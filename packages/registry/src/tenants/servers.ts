/**
 * How the registry gets an admin connection to a tenant's PostgreSQL server. The default realises the
 * project's compose files through @systemprompt/postgres (start if needed, wait until ready); callers may
 * pass their own, e.g. to point at a server that is already running (benchmarks, tests with their own
 * container). The registry never changes the admin password of any server.
 */
import type { PgTarget } from '@systemprompt/pg'
import type { RemovedTenantServer, ServerSettings } from '@systemprompt/postgres'

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
  /** Machine and profile settings of the servers (the CLI passes them); the default provider needs them. */
  server?: ServerSettings
  timeoutMs?: number
  onProgress?: (message: string) => void
}

export interface ServerProvider {
  /** Makes sure the shared server is up and ready; returns how to reach it as admin. */
  shared(request: ServerRequest): Promise<AdminServer>
  /** Writes docker/<tenant>.yaml if needed, starts the tenant's own server and waits until ready. */
  dedicated(request: ServerRequest & { tenant: string; port?: number }): Promise<AdminServer>
  /**
   * Removes the tenant's own server: container, volume, compose file and password file. Objects that are
   * not this project's are left alone and reported (`skipped`).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a provider with nothing to report (a test's) returns nothing.
  removeDedicated(request: ServerRequest & { tenant: string }): Promise<RemovedTenantServer | void>
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
