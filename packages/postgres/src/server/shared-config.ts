// shared_config.json is owned by its store in @systemprompt/config (store/shared-config.ts). This module only
// loads that store lazily: it pulls in the schemas (zod), which the fast path of `db up` must not pay for.
import type { ProjectLayout, SharedConfig, SharedConfigChange } from '@systemprompt/config'

export { peekSharedConfig } from '@systemprompt/config/core'

export async function readSharedConfig(layout: ProjectLayout): Promise<SharedConfig | undefined> {
  return (await import('@systemprompt/config')).readSharedConfig(layout)
}

export async function recordSharedConfig(
  layout: ProjectLayout,
  current: SharedConfig | undefined,
  next: SharedConfigChange,
): Promise<SharedConfig> {
  return (await import('@systemprompt/config')).recordSharedConfig(layout, current, next)
}

export async function removeSharedConfig(layout: ProjectLayout): Promise<void> {
  return (await import('@systemprompt/config')).removeSharedConfig(layout)
}
