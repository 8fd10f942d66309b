import { projectLayout, SystempromptError } from '@systemprompt/config/core'
import type { ProjectServerOptions } from './context.js'
import { declaredTarget } from './manage.js'
import { readSharedConfig } from './shared-config.js'

export interface DatabaseInfo {
  name: string
  owner: string
  sizeBytes: number
  /** Tenant of this project that recorded the database (shared_config.json), when known. */
  tenant?: string
}

export interface ListDatabasesResult {
  port: number
  databases: DatabaseInfo[]
  /** Recorded in this project's shared_config.json but not in the server. */
  missing: { tenant: string; database: string }[]
}

/** System databases that are not anyone's tenant database. */
const SYSTEM_DATABASES = new Set(['postgres', 'template0', 'template1'])

/**
 * `db list`: every database in the shared server with owner and size, joined with this project's records.
 * Connects as the admin (password from shared_config.json) over 127.0.0.1.
 */
export async function listDatabases(
  options: Omit<ProjectServerOptions, 'engine'> & { includeSystem?: boolean },
): Promise<ListDatabasesResult> {
  const layout = projectLayout(options.root)
  const config = await readSharedConfig(layout.sharedConfig)
  if (!config) {
    throw new SystempromptError({
      code: 'CONFIG_MISSING',
      category: 'user',
      file: layout.sharedConfig,
      message: `This project has no shared server yet (${layout.sharedConfig} is missing)`,
      fix: 'Run `systemprompt db up` first',
    })
  }
  const { spec } = await declaredTarget(options)
  const { default: pg } = await import('pg')
  const client = new pg.Client({
    host: '127.0.0.1',
    port: spec.port,
    user: spec.adminUser,
    password: config.admin_password,
    database: spec.database,
    connectionTimeoutMillis: 5000,
  })
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (error) {
    await client.end().catch(() => {})
    throw connectError(error, spec.port)
  }
  let rows: { name: string; owner: string; size: string }[]
  try {
    const result = await client.query<{ name: string; owner: string; size: string }>(
      `SELECT d.datname AS name, pg_catalog.pg_get_userbyid(d.datdba) AS owner,
              pg_catalog.pg_database_size(d.oid)::text AS size
         FROM pg_catalog.pg_database d
        WHERE NOT d.datistemplate
        ORDER BY d.datname`,
    )
    rows = result.rows
  } catch (error) {
    throw new SystempromptError({
      code: 'DATABASE_ERROR',
      category: 'database',
      message: `Could not list the databases of the shared server: ${(error as Error).message}`,
      fix: 'Run `systemprompt db status` and `systemprompt db logs`',
      cause: error,
    })
  } finally {
    await client.end().catch(() => {})
  }
  const tenantOf = new Map(config.tenant_databases.map((d) => [d.database_name, d.tenant_id]))
  const databases = rows
    .filter((r) => options.includeSystem || !SYSTEM_DATABASES.has(r.name))
    .map((r) => {
      const tenant = tenantOf.get(r.name)
      return { name: r.name, owner: r.owner, sizeBytes: Number(r.size), ...(tenant ? { tenant } : {}) }
    })
  const present = new Set(rows.map((r) => r.name))
  const missing = config.tenant_databases
    .filter((d) => !present.has(d.database_name))
    .map((d) => ({ tenant: d.tenant_id, database: d.database_name }))
  return { port: spec.port, databases, missing }
}

function connectError(error: unknown, port: number): SystempromptError {
  const code = (error as { code?: string }).code
  if (code === '28P01') {
    return new SystempromptError({
      code: 'VOLUME_PASSWORD_MISMATCH',
      category: 'conflict',
      message:
        'The shared server rejected the admin password recorded in shared_config.json (SQLSTATE 28P01)',
      fix: "Run `systemprompt db up` (it adopts the running server's password) or `systemprompt db doctor`",
      cause: error,
    })
  }
  return new SystempromptError({
    code: 'DATABASE_UNREACHABLE',
    category: 'database',
    message: `Cannot connect to the shared server on 127.0.0.1:${port}: ${(error as Error).message}`,
    fix: 'Start it with `systemprompt db up`',
    cause: error,
  })
}
