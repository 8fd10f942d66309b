import {
  compareNames,
  ErrorCode,
  projectLayout,
  readTenantsFile,
  SystempromptError,
} from '@systemprompt/config'
import { tenantFromObjectName } from '../names.js'
import { recordedSharedServer, snapshotServer } from './live.js'

/**
 * ok: recorded and present; missing: recorded but not on the server; unrecorded: carries this project's
 * suffix but has no record (an orphan); foreign: another project's or the user's own database (no drift).
 */
type Drift = 'ok' | 'missing' | 'unrecorded' | 'foreign'

interface DatabaseRow {
  database: string
  /** Tenant of this project, when known (from the records, or from the name's suffix). */
  tenant: string | undefined
  owner: string | undefined
  sizeBytes: number | undefined
  /** Record state (pending, ready, deleting) when recorded. */
  state: string | undefined
  drift: Drift
}

export interface DatabaseListResult {
  port: number
  projectId: string | undefined
  databases: DatabaseRow[]
  drift: { missing: number; unrecorded: number }
}

/** Server maintenance database: not a tenant database, never listed. */
const SYSTEM_DATABASES = new Set(['postgres'])

/**
 * Every database of the shared server joined with this project's records (one catalog query): what
 * `systemprompt db list` shows.
 */
export async function listSharedDatabases(options: { root: string }): Promise<DatabaseListResult> {
  const layout = projectLayout(options.root)
  const server = await recordedSharedServer(layout)
  if (!server) {
    throw new SystempromptError({
      code: ErrorCode.CONFIG_MISSING,
      category: 'user',
      file: layout.sharedConfig,
      message: 'This project has no shared PostgreSQL server yet (no docker/shared_config.json)',
      fix: 'Start it with `systemprompt db up`',
    })
  }
  const [snapshot, file] = await Promise.all([snapshotServer(server), readTenantsFile(layout)])
  if (snapshot.status !== 'up') {
    throw new SystempromptError({
      code:
        snapshot.status === 'auth-failed'
          ? ErrorCode.VOLUME_PASSWORD_MISMATCH
          : ErrorCode.DATABASE_UNREACHABLE,
      category: 'database',
      message: snapshot.error?.message ?? 'The shared server does not answer',
      fix:
        snapshot.status === 'auth-failed'
          ? 'The server volume was initialised with another admin password; run `systemprompt db doctor`'
          : 'Start it with `systemprompt db up`',
    })
  }
  const projectId = file?.project_id
  const records = (file?.tenants ?? []).filter((t) => t.database === 'shared' && t.database_name)
  const byDatabase = new Map(records.map((r) => [r.database_name as string, r]))
  const rows: DatabaseRow[] = []
  for (const db of snapshot.databases) {
    if (SYSTEM_DATABASES.has(db.name)) continue
    const record = byDatabase.get(db.name)
    const suffixTenant = projectId ? tenantFromObjectName(db.name, projectId) : undefined
    rows.push({
      database: db.name,
      tenant: record?.name ?? suffixTenant,
      owner: db.owner,
      sizeBytes: db.sizeBytes,
      state: record?.state,
      drift: record ? 'ok' : suffixTenant ? 'unrecorded' : 'foreign',
    })
  }
  const present = new Set(snapshot.databases.map((d) => d.name))
  for (const record of records) {
    if (present.has(record.database_name as string)) continue
    rows.push({
      database: record.database_name as string,
      tenant: record.name,
      owner: record.role_name,
      sizeBytes: undefined,
      state: record.state,
      drift: 'missing',
    })
  }
  rows.sort((a, b) => compareNames(a.database, b.database))
  return {
    port: server.port,
    projectId,
    databases: rows,
    drift: {
      missing: rows.filter((r) => r.drift === 'missing').length,
      unrecorded: rows.filter((r) => r.drift === 'unrecorded').length,
    },
  }
}
