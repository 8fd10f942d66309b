import { createHash } from 'node:crypto'
import { basename } from 'node:path'
import { LABELS } from '@systemprompt/config/core'
import type { PostgresServerSpec } from '../spec.js'

/** JSON with object keys sorted at every level, so equal values always give equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]))
  }
  return value
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/**
 * Hash of everything that shapes the container. The runner compares it with the container's
 * `systemprompt.config-hash` label and recreates the container (keeping the volume) when it differs.
 * Left out: the config-hash label itself (it holds this value), and the directory of the password file —
 * every project keeps its own copy of the shared password, and `db up` in another project (or after the
 * project moved) must not recreate a shared container that is otherwise identical.
 */
export function configHash(spec: PostgresServerSpec): string {
  const { [LABELS.configHash]: _ignored, ...labels } = spec.labels
  return sha256Hex(canonicalJson({ ...spec, labels, passwordFile: basename(spec.passwordFile) }))
}
