import type { ProjectLayout } from '@systemprompt/config'
import {
  ADMIN_DATABASE,
  ADMIN_USER,
  isSystempromptError,
  readPasswordFile,
  readSharedConfig,
} from '@systemprompt/config'
import { withClient } from '@systemprompt/pg'
import {
  listServerDatabases,
  listServerRoles,
  type ServerDatabase,
  type ServerRole,
} from '../server/inventory.js'
import type { AdminServer } from './servers.js'

/** What we learnt by asking a server; never throws for an unreachable server (that is a state). */
export interface ServerSnapshot {
  /** up: logged in; down: nothing answers; auth-failed: the stored admin password is refused (28P01); absent: no config. */
  status: 'up' | 'down' | 'auth-failed' | 'error' | 'absent'
  port?: number
  databases: ServerDatabase[]
  roles: ServerRole[]
  /** Our error for anything other than up (code, message, fix). */
  error?: { code: string; message: string; fix?: string }
}

const LIVE_TIMEOUT_MS = 2000

export async function snapshotServer(
  server: AdminServer | undefined,
  rolePrefix = 'sp_',
): Promise<ServerSnapshot> {
  if (!server) return { status: 'absent', databases: [], roles: [] }
  try {
    const target = {
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      database: server.database,
    }
    return await withClient(
      target,
      async (c) => ({
        status: 'up' as const,
        port: server.port,
        databases: await listServerDatabases(c, target),
        roles: await listServerRoles(c, rolePrefix),
      }),
      { timeoutMs: LIVE_TIMEOUT_MS, action: 'reading the server state' },
    )
  } catch (error) {
    if (!isSystempromptError(error)) throw error
    const status =
      error.code === 'DATABASE_UNREACHABLE'
        ? 'down'
        : error.code === 'DATABASE_AUTH_FAILED'
          ? 'auth-failed'
          : 'error'
    return {
      status,
      port: server.port,
      databases: [],
      roles: [],
      error: { code: error.code, message: error.message, fix: error.fix },
    }
  }
}

/** Admin access to the shared server as recorded in shared_config.json (no Docker round trip: fast). */
export async function recordedSharedServer(layout: ProjectLayout): Promise<AdminServer | undefined> {
  const config = await readSharedConfig(layout)
  if (!config) return undefined
  return {
    host: '127.0.0.1',
    port: config.port,
    user: ADMIN_USER,
    password: config.admin_password,
    database: ADMIN_DATABASE,
  }
}

/**
 * Admin access to a dedicated server: its 0600 password file, and the port its compose file declares (where
 * `db up` puts it, also after `db up <tenant> --port N` moved it), else the one in the tenant record.
 */
export async function recordedDedicatedServer(
  layout: ProjectLayout,
  tenant: string,
  port: number | undefined,
): Promise<AdminServer | undefined> {
  const declared = (await declaredDedicatedPort(layout, tenant)) ?? port
  if (declared === undefined) return undefined
  const password = await readPasswordFile(layout.tenantPasswordFile(tenant))
  if (password === undefined) return undefined
  return { host: '127.0.0.1', port: declared, user: ADMIN_USER, password, database: ADMIN_DATABASE }
}

/** The port in docker/<tenant>.yaml, read by @systemprompt/postgres (the owner of that file); undefined without one. */
async function declaredDedicatedPort(layout: ProjectLayout, tenant: string): Promise<number | undefined> {
  const { declaredPortOf } = await import('@systemprompt/postgres')
  return declaredPortOf(layout.tenantCompose(tenant))
}
