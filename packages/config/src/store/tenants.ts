// The one owner of `.systemprompt/tenants.json`: every read, lock and write of the file goes through here.
import { join } from 'node:path'
import type { ProjectLayout } from '../layout.js'
import { readOptionalJsonFile } from '../load.js'
import { compareNames } from '../names.js'
import { newProjectId, type TenantRecord, type TenantsFile, TenantsFileSchema } from '../schema/tenants.js'
import { updateJsonFile } from '../update-json.js'

/** How long a writer waits for the file's lock (`tenants.json.lock`, the only lock of this file). */
const LOCK_TIMEOUT_MS = 30_000

function lockPath(layout: ProjectLayout): string {
  return `${layout.tenantsFile}.lock`
}

/** Per-tenant lock (serialises create/delete of one name across processes), in .systemprompt/.locks. */
export function tenantLockPath(layout: ProjectLayout, tenant: string): string {
  return join(layout.locksDir, `tenant-${tenant}.lock`)
}

/** tenants.json, validated (errors name the line); undefined when the file does not exist. */
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
  return update(layout, async (current) =>
    mutate(current ?? { version: 1, project_id: newProjectId(), tenants: [] }),
  )
}

function update(
  layout: ProjectLayout,
  mutate: (current: TenantsFile | undefined) => TenantsFile | Promise<TenantsFile>,
): Promise<TenantsFile> {
  return updateJsonFile(layout.tenantsFile, TenantsFileSchema, mutate, {
    timeoutMs: LOCK_TIMEOUT_MS,
    lockPath: lockPath(layout),
  })
}

/** This project's id (the name suffix), creating tenants.json when it does not exist yet. */
export async function ensureProjectId(layout: ProjectLayout): Promise<string> {
  return (await ensureTenantsFile(layout)).file.project_id
}

/** Creates tenants.json (a new project id, no tenants) unless it exists; an existing file is never rewritten. */
export async function ensureTenantsFile(
  layout: ProjectLayout,
): Promise<{ file: TenantsFile; created: boolean }> {
  const existing = await readTenantsFile(layout)
  if (existing) return { file: existing, created: false }
  let created = false
  const file = await update(layout, (current) => {
    created = current === undefined
    return current ?? { version: 1, project_id: newProjectId(), tenants: [] }
  })
  return { file, created }
}

export async function upsertTenantRecord(layout: ProjectLayout, record: TenantRecord): Promise<TenantsFile> {
  return updateTenantsFile(layout, (current) => ({
    ...current,
    tenants: [...current.tenants.filter((t) => t.name !== record.name), record].sort((a, b) =>
      compareNames(a.name, b.name),
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
