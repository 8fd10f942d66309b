import {
  assertTenantName,
  projectLayout,
  readProfileSecrets,
  readTenantsFile,
  type TenantRecord,
} from '@systemprompt/config'
import { tenantNotFound } from './errors.js'
import { recordedDedicatedServer, recordedSharedServer, type ServerSnapshot, snapshotServer } from './live.js'

/** Live state of a tenant's database, as the server reports it right now. */
type LiveState =
  /** Database and role exist on a running server. */
  | 'ok'
  /** The server answers but the database (or role) is missing: drift. */
  | 'missing'
  /** The server does not answer (stopped) or refused the admin login; nothing known. */
  | 'unknown'
  /** External database: not checked by list (show checks it). */
  | 'external'

interface TenantView extends TenantRecord {
  live: LiveState
  sizeBytes?: number
  owner?: string
}

export interface ListTenantsResult {
  projectId: string | undefined
  tenants: TenantView[]
  shared: Pick<ServerSnapshot, 'status' | 'port' | 'error'>
}

function liveOf(
  record: TenantRecord,
  snapshot: ServerSnapshot,
): Pick<TenantView, 'live' | 'sizeBytes' | 'owner'> {
  if (record.database === 'external') return { live: 'external' }
  if (snapshot.status !== 'up') return { live: 'unknown' }
  const db = snapshot.databases.find((d) => d.name === record.database_name)
  const role = snapshot.roles.find((r) => r.name === record.role_name)
  if (!db || !role) return { live: 'missing' }
  return { live: 'ok', sizeBytes: db.sizeBytes, owner: db.owner }
}

/** Records of this project joined with what their servers say now (one query per server). */
export async function listTenants(options: { root: string }): Promise<ListTenantsResult> {
  const layout = projectLayout(options.root)
  // shared_config.json is read alongside tenants.json; it only counts (and can only fail the list) when a
  // tenant is in the shared server.
  const sharedServer = recordedSharedServer(layout)
  sharedServer.catch(() => undefined)
  const file = await readTenantsFile(layout)
  const records = file?.tenants ?? []
  const shared = records.some((t) => t.database === 'shared')
    ? await snapshotServer(await sharedServer)
    : { status: 'absent' as const, databases: [], roles: [] }
  const tenants: TenantView[] = []
  for (const record of records) {
    let snapshot = shared
    if (record.database === 'dedicated') {
      snapshot = await snapshotServer(await recordedDedicatedServer(layout, record.name, record.port))
    }
    tenants.push({ ...record, ...liveOf(record, snapshot) })
  }
  return {
    projectId: file?.project_id,
    tenants,
    shared: { status: shared.status, port: shared.port, error: shared.error },
  }
}

export interface TenantDetails extends TenantView {
  /** DATABASE_URL of the tenant's profile, with its password: the caller masks it for display. */
  databaseUrl: string | undefined
  profileDir: string
}

export async function showTenant(options: { root: string; name: string }): Promise<TenantDetails> {
  assertTenantName(options.name)
  const layout = projectLayout(options.root)
  const record = (await readTenantsFile(layout))?.tenants.find((t) => t.name === options.name)
  if (!record) throw tenantNotFound(options.name)
  const server =
    record.database === 'shared'
      ? await recordedSharedServer(layout)
      : record.database === 'dedicated'
        ? await recordedDedicatedServer(layout, record.name, record.port)
        : undefined
  const snapshot = await snapshotServer(server)
  const secrets = await readProfileSecrets(layout, record.profile).catch(() => undefined)
  return {
    ...record,
    ...liveOf(record, snapshot),
    databaseUrl: secrets?.database_url,
    profileDir: layout.profileDir(record.profile),
  }
}
