import {
  assertTenantName,
  deleteProfileFiles,
  type ProjectLayout,
  patchTenantRecord,
  projectLayout,
  readProfile,
  readTenantsFile,
  removeSharedTenantDatabase,
  removeTenantRecord,
  type TenantRecord,
  tenantLockPath,
  updateSharedTenantDatabases,
  withFileLock,
} from '@systemprompt/config'
import type { RemovedTenantServer, ServerSettings } from '@systemprompt/postgres'
import { dropTenantDatabase } from '../server/tenant-db.js'
import { lazyServerProvider, withSharedAdmin } from './admin-access.js'
import { tenantNotFound } from './errors.js'
import type { ServerProvider, ServerRequest } from './servers.js'

export interface DeleteTenantOptions {
  root: string
  name: string
  /** Keep the tenant's profile directory (default: removed when profile.yaml names this tenant). */
  keepProfile?: boolean
  /** Machine and profile settings of the servers (the CLI passes them); the default provider needs them. */
  server?: ServerSettings
  timeoutMs?: number
  servers?: ServerProvider
  onProgress?: (message: string) => void
}

export interface DeleteTenantResult {
  tenant: TenantRecord
  droppedDatabase: boolean
  droppedRole: boolean
  terminatedSessions: number
  removedServer: boolean
  /**
   * Dedicated: containers and volumes the tenant's files pointed at that are not this project's (another
   * project's server of the same name, say): left as they were.
   */
  skippedServerObjects: RemovedTenantServer['skipped']
  removedProfile: boolean
}

/**
 * Deletes a tenant: marks it `deleting`, drops its database (ending its sessions) and role on the shared
 * server, or removes its dedicated server; then its profile and the records. Never stops or removes the
 * shared container or its volume. Safe to run again after an interruption (every step is idempotent).
 * Confirmation is the caller's business (the CLI asks, or needs --yes).
 */
export async function deleteTenant(options: DeleteTenantOptions): Promise<DeleteTenantResult> {
  assertTenantName(options.name)
  const layout = projectLayout(options.root)
  return withFileLock(
    tenantLockPath(layout, options.name),
    async () => {
      const record = (await readTenantsFile(layout))?.tenants.find((t) => t.name === options.name)
      if (!record) throw tenantNotFound(options.name)
      return removeTenant(layout, record, {
        root: layout.root,
        server: options.server,
        timeoutMs: options.timeoutMs,
        onProgress: options.onProgress,
        servers: options.servers,
        keepProfile: options.keepProfile,
      })
    },
    { timeoutMs: 120_000 },
  )
}

/**
 * The body of a delete, also used by `db doctor --fix` to undo an interrupted create. The caller holds the
 * tenant's lock.
 */
export async function removeTenant(
  layout: ProjectLayout,
  record: TenantRecord,
  options: ServerRequest & { servers?: ServerProvider; keepProfile?: boolean },
): Promise<DeleteTenantResult> {
  await patchTenantRecord(layout, record.name, { state: 'deleting' })
  await updateSharedTenantDatabases(layout, (entries) =>
    entries.map((e) => (e.tenant_id === record.name ? { ...e, state: 'deleting' } : e)),
  )
  const result: DeleteTenantResult = {
    tenant: record,
    droppedDatabase: false,
    droppedRole: false,
    terminatedSessions: 0,
    removedServer: false,
    skippedServerObjects: [],
    removedProfile: false,
  }
  const request: ServerRequest = {
    root: options.root,
    server: options.server,
    timeoutMs: options.timeoutMs,
    onProgress: options.onProgress,
  }
  const provider = lazyServerProvider(options.servers)
  if (record.database === 'shared' && record.database_name && record.role_name) {
    const dropped = await withSharedAdmin(request, provider, (client) => {
      options.onProgress?.(`Dropping database ${record.database_name}`)
      return dropTenantDatabase(client, {
        role: record.role_name as string,
        database: record.database_name as string,
      })
    })
    Object.assign(result, dropped)
  } else if (record.database === 'dedicated') {
    options.onProgress?.(`Removing the server of ${record.name}`)
    const removal = await (await provider()).removeDedicated({ ...request, tenant: record.name })
    result.removedServer = true
    result.skippedServerObjects = removal?.skipped ?? []
    for (const skipped of result.skippedServerObjects)
      options.onProgress?.(
        `Left ${skipped.kind} ${skipped.name} alone: it is not this project's${skipped.owner.projectDir ? ` (it belongs to ${skipped.owner.projectDir})` : ''}`,
      )
  }
  if (!options.keepProfile) {
    const profile = await readProfile(layout, record.profile).catch(() => undefined)
    if (profile?.tenant === record.name) {
      await deleteProfileFiles(layout, record.profile)
      result.removedProfile = true
    }
  }
  await removeSharedTenantDatabase(layout, record.name)
  await removeTenantRecord(layout, record.name)
  return result
}
