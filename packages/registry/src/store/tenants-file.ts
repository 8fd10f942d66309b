import { join } from 'node:path'
import {
  newProjectId,
  type ProjectLayout,
  readOptionalJsonFile,
  type TenantRecord,
  type TenantsFile,
  TenantsFileSchema,
  updateJsonFile,
} from '@systemprompt/config'

/** Per-tenant lock (serialises create/delete of one name across processes), in .systemprompt/.locks. */
export function tenantLockPath(layout: ProjectLayout, tenant: string): string {
  return join(layout.locksDir, `tenant-${tenant}.lock`)
}

/**
 * Every writer of a store file must use the same lock: we keep updateJsonFile's default (`<file>.lock`),
 * which is what the compose package uses for shared_config.json too.
 */
const STORE_LOCK_TIMEOUT_MS = 30_000

export async function readTenantsFile(layout: ProjectLayout): Promise<TenantsFile | undefined> {
  return readOptionalJsonFile(layout.tenantsFile, TenantsFileSchema)
}

/**
 * Read-modify-write of tenants.json under its lock (temp + fsync + rename, 0600). A project made before
 * `init` wrote a project id gets one here, once, so every later name carries the same suffix.
 */
export async function updateTenantsFile(
  layout: ProjectLayout,
  mutate: (current: TenantsFile) => TenantsFile | Promise<TenantsFile>,
): Promise<TenantsFile> {
  return updateJsonFile(
    layout.tenantsFile,
    TenantsFileSchema,
    async (current) => mutate(current ?? { version: 1, project_id: newProjectId(), tenants: [] }),
    { timeoutMs: STORE_LOCK_TIMEOUT_MS },
  )
}

/** This project's id (the name suffix), creating tenants.json when it does not exist yet. */
export async function ensureProjectId(layout: ProjectLayout): Promise<string> {
  const existing = await readTenantsFile(layout)
  if (existing) return existing.project_id
  return (await updateTenantsFile(layout, (current) => current)).project_id
}

export async function upsertTenantRecord(layout: ProjectLayout, record: TenantRecord): Promise<TenantsFile> {
  return updateTenantsFile(layout, (current) => ({
    ...current,
    tenants: [...current.tenants.filter((t) => t.name !== record.name), record].sort((a, b) =>
      a.name.localeCompare(b.name),
    ),
  }))
}

/** Changes one record in place; returns undefined (and writes nothing new) when it does not exist. */
export async function patchTenantRecord(
  layout: ProjectLayout,
  name: string,
  patch: Partial<TenantRecord>,
): Promise<TenantRecord | undefined> {
  let updated: TenantRecord | undefined
  await updateTenantsFile(layout, (current) => ({
    ...current,
    tenants: current.tenants.map((t) => {
      if (t.name !== name) return t
      updated = { ...t, ...patch, updated_at: new Date().toISOString() }
      return updated
    }),
  }))
  return updated
}

export async function removeTenantRecord(layout: ProjectLayout, name: string): Promise<void> {
  await updateTenantsFile(layout, (current) => ({
    ...current,
    tenants: current.tenants.filter((t) => t.name !== name),
  }))
}
