import { readFile } from 'node:fs/promises'
import { DEFAULT_SHARED_PORT } from '@systemprompt/compose'
import type { ProjectLayout, SharedConfig } from '@systemprompt/config'
import { newPassword } from './passwords.js'

/**
 * The few fields of shared_config.json that `db up` on a running server needs. Read with a plain
 * JSON.parse: loading the schemas (zod) costs more than the whole fast path.
 */
export interface SharedConfigPeek {
  admin_password: string
  port: number
  image?: string
  /**
   * sha256 of shared.yaml as last verified to be exactly what the generator writes (ours, not in the
   * original tool's format). Lets the fast path prove the file unchanged without rendering YAML.
   */
  compose_sha256?: string
}

/** The fast path's view of shared_config.json; undefined when missing or anything looks unusual. */
export async function peekSharedConfig(file: string): Promise<SharedConfigPeek | undefined> {
  let value: unknown
  try {
    value = JSON.parse(await readFile(file, 'utf8'))
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const v = value as Record<string, unknown>
  if (v.version !== undefined && v.version !== 1) return undefined
  if (typeof v.admin_password !== 'string' || v.admin_password === '') return undefined
  const port = v.port ?? DEFAULT_SHARED_PORT
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return undefined
  if (v.image !== undefined && (typeof v.image !== 'string' || v.image === '')) return undefined
  if (v.compose_sha256 !== undefined && typeof v.compose_sha256 !== 'string') return undefined
  return {
    admin_password: v.admin_password,
    port,
    ...(typeof v.image === 'string' ? { image: v.image } : {}),
    ...(typeof v.compose_sha256 === 'string' ? { compose_sha256: v.compose_sha256 } : {}),
  }
}

/** shared_config.json, fully validated (errors name the line); undefined when the file does not exist. */
export async function readSharedConfig(file: string): Promise<SharedConfig | undefined> {
  const { readOptionalJsonFile, SharedConfigSchema } = await import('@systemprompt/config')
  return readOptionalJsonFile(file, SharedConfigSchema)
}

export interface SharedConfigChange {
  password?: string
  port?: number
  image?: string
  /** A hash to record, or null to drop the recorded one (the file is hand-edited). */
  composeSha256?: string | null
}

/** Creates or updates shared_config.json under its lock; writes only when something changes. */
export async function recordSharedConfig(
  layout: ProjectLayout,
  current: SharedConfig | undefined,
  next: SharedConfigChange,
): Promise<SharedConfig> {
  if (current && !changes(current, next)) return current
  const { SharedConfigSchema, updateJsonFile } = await import('@systemprompt/config')
  return updateJsonFile(layout.sharedConfig, SharedConfigSchema, (onDisk) => {
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
