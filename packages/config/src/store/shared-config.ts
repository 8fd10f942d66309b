// The one owner of `.systemprompt/docker/shared_config.json`: every read, lock and write goes through here
// (postgres records the server, registry records tenant databases; both call these functions).
import { rm } from 'node:fs/promises'
import { DEFAULT_SHARED_PORT } from '../constants.js'
import { ErrorCode } from '../error-codes.js'
import { SystempromptError } from '../errors.js'
import type { ProjectLayout } from '../layout.js'
import { readOptionalJsonFile } from '../load.js'
import { withFileLock } from '../lock.js'
import { newPassword } from '../password-file.js'
import { type SharedConfig, SharedConfigSchema, type SharedTenantDatabase } from '../schema/shared-config.js'
import { updateJsonFile } from '../update-json.js'

/** How long a writer waits for the file's lock (`shared_config.json.lock`, the only lock of this file). */
const LOCK_TIMEOUT_MS = 30_000

function lockPath(layout: ProjectLayout): string {
  return `${layout.sharedConfig}.lock`
}

function update(
  layout: ProjectLayout,
  mutate: (current: SharedConfig | undefined) => SharedConfig | Promise<SharedConfig>,
): Promise<SharedConfig> {
  return updateJsonFile(layout.sharedConfig, SharedConfigSchema, mutate, {
    timeoutMs: LOCK_TIMEOUT_MS,
    lockPath: lockPath(layout),
  })
}

/** shared_config.json, fully validated (errors name the line); undefined when the file does not exist. */
export async function readSharedConfig(layout: ProjectLayout): Promise<SharedConfig | undefined> {
  return readOptionalJsonFile(layout.sharedConfig, SharedConfigSchema)
}

export interface SharedConfigChange {
  password?: string
  port?: number
  image?: string
  /** A hash to record, or null to drop the recorded one (the file is hand-edited). */
  composeSha256?: string | null
}

/**
 * Creates or updates the server fields of shared_config.json under its lock; writes only when something
 * changes compared with `current` (what the caller read). A new file gets `next.password` (or a fresh one).
 */
export async function recordSharedConfig(
  layout: ProjectLayout,
  current: SharedConfig | undefined,
  next: SharedConfigChange,
): Promise<SharedConfig> {
  if (current && !changes(current, next)) return current
  return update(layout, (onDisk) => {
    const base: SharedConfig =
      onDisk ??
      SharedConfigSchema.parse({
        version: 1,
        admin_password: next.password ?? newPassword(),
        port: next.port ?? DEFAULT_SHARED_PORT,
        created_at: new Date().toISOString(),
        tenant_databases: [],
      })
    const updated: SharedConfig = {
      ...base,
      ...(next.password !== undefined ? { admin_password: next.password } : {}),
      ...(next.port !== undefined ? { port: next.port } : {}),
      ...(next.image !== undefined ? { image: next.image } : {}),
    }
    if (next.composeSha256 === null) delete updated.compose_sha256
    else if (next.composeSha256 !== undefined) updated.compose_sha256 = next.composeSha256
    return updated
  })
}

function changes(current: SharedConfig, next: SharedConfigChange): boolean {
  return (
    (next.password !== undefined && next.password !== current.admin_password) ||
    (next.port !== undefined && next.port !== current.port) ||
    (next.image !== undefined && next.image !== current.image) ||
    (next.composeSha256 === null && current.compose_sha256 !== undefined) ||
    (typeof next.composeSha256 === 'string' && next.composeSha256 !== current.compose_sha256)
  )
}

/** Deletes shared_config.json under its lock (a brand-new server whose first start failed). */
export async function removeSharedConfig(layout: ProjectLayout): Promise<void> {
  await withFileLock(lockPath(layout), () => rm(layout.sharedConfig, { force: true }), {
    timeoutMs: LOCK_TIMEOUT_MS,
  })
}

/**
 * Changes the tenant_databases list of shared_config.json under the file's lock. Fields this tool does not
 * know (written by the original tool) are kept: the schema is loose and we spread the current value.
 * When the file does not exist there is no shared server to record against, and nothing is written.
 */
export async function updateSharedTenantDatabases(
  layout: ProjectLayout,
  mutate: (entries: SharedTenantDatabase[]) => SharedTenantDatabase[],
): Promise<SharedConfig | undefined> {
  if ((await readSharedConfig(layout)) === undefined) return undefined
  return update(layout, (current) => {
    // Deleted between our check and the lock: refuse to invent admin credentials.
    if (current === undefined) {
      throw new SystempromptError({
        code: ErrorCode.CONFIG_MISSING,
        category: 'conflict',
        file: layout.sharedConfig,
        message: `${layout.sharedConfig} disappeared while it was being updated`,
        fix: 'Run `systemprompt db up` to recreate it, then retry',
      })
    }
    return { ...current, tenant_databases: mutate(current.tenant_databases) }
  })
}

export async function upsertSharedTenantDatabase(
  layout: ProjectLayout,
  entry: SharedTenantDatabase,
): Promise<void> {
  await updateSharedTenantDatabases(layout, (entries) => [
    ...entries.filter((e) => e.tenant_id !== entry.tenant_id),
    entry,
  ])
}

export async function removeSharedTenantDatabase(layout: ProjectLayout, tenant: string): Promise<void> {
  await updateSharedTenantDatabases(layout, (entries) => entries.filter((e) => e.tenant_id !== tenant))
}
