import { readFile } from 'node:fs/promises'
import { DEFAULT_SHARED_PORT } from '../constants.js'

/**
 * The few fields of shared_config.json that `db up` on a running server needs. Read with a plain
 * JSON.parse: loading the schemas (zod) costs more than the whole fast path. Part of the shared_config.json
 * store (store/shared-config.ts), kept apart so `@systemprompt/config/core` stays free of zod.
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
