import {
  ErrorCode,
  type ProjectLayout,
  readOptionalJsonFile,
  type SharedConfig,
  SharedConfigSchema,
  type SharedTenantDatabase,
  SystempromptError,
  updateJsonFile,
} from '@systemprompt/config'

export async function readSharedConfig(layout: ProjectLayout): Promise<SharedConfig | undefined> {
  return readOptionalJsonFile(layout.sharedConfig, SharedConfigSchema)
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
  return updateJsonFile(
    layout.sharedConfig,
    SharedConfigSchema,
    (current) => {
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
    },
    { timeoutMs: 30_000 },
  )
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
