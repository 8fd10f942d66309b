import type { z } from 'zod'
import { ErrorCode } from '../error-codes.js'
import { type ErrorLocationIssue, formatKeyPath } from '../errors.js'

type Locate = (path: readonly PropertyKey[]) => { line: number; column: number } | undefined

interface SchemaInfo {
  description: string | undefined
  keys: string[] | undefined
}

/** Walks a zod schema along a key path, through wrappers (default, optional, ...), objects and arrays. */
function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): SchemaInfo {
  let schema: z.ZodType | undefined = root
  let description: string | undefined
  const unwrap = () => {
    for (let guard = 0; schema && guard < 20; guard++) {
      description ??= schema.description
      const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def
      const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined)
      if (!inner) return def
      schema = inner as z.ZodType
    }
    return undefined
  }
  for (const segment of path) {
    description = undefined
    const def = unwrap()
    if (!def) return { description: undefined, keys: undefined }
    if (def.type === 'object') schema = (def.shape as Record<string, z.ZodType>)[String(segment)]
    else if (def.type === 'array') schema = def.element as z.ZodType
    else return { description: undefined, keys: undefined }
  }
  description = undefined
  const def = unwrap()
  const keys = def?.type === 'object' ? Object.keys(def.shape as object) : undefined
  return { description, keys }
}

function valueAt(data: unknown, path: readonly PropertyKey[]): { present: boolean } {
  let current: unknown = data
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return { present: false }
    if (!Object.hasOwn(current as object, segment as string)) return { present: false }
    current = (current as Record<PropertyKey, unknown>)[segment as string]
  }
  return { present: current !== undefined }
}

function toKeyPath(path: readonly PropertyKey[]): (string | number)[] {
  return path.map((segment) => (typeof segment === 'number' ? segment : String(segment)))
}

/** One located issue per zod issue (one per key for unknown keys), with a fix that names the key. */
export function zodIssuesToLocated(
  error: z.ZodError,
  schema: z.ZodType,
  data: unknown,
  file: string,
  locate: Locate,
): ErrorLocationIssue[] {
  const out: ErrorLocationIssue[] = []
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = schemaAt(schema, issue.path).keys
      for (const key of issue.keys) {
        const path = [...issue.path, key]
        const where = formatKeyPath(toKeyPath(issue.path)) ?? 'the top level'
        out.push({
          code: ErrorCode.CONFIG_INVALID,
          file,
          keyPath: toKeyPath(path),
          ...locate(path),
          message: `unknown key ${JSON.stringify(key)} in ${where}`,
          fix: `Remove ${JSON.stringify(key)} or correct its spelling${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}.`,
        })
      }
      continue
    }
    const keyPath = toKeyPath(issue.path)
    const name = formatKeyPath(keyPath)
    const info = schemaAt(schema, issue.path)
    const hint = info.description ? ` ${info.description}` : ''
    const missing = issue.code === 'invalid_type' && !valueAt(data, issue.path).present
    if (missing && name) {
      out.push({
        code: ErrorCode.CONFIG_INVALID,
        file,
        keyPath,
        ...locate(issue.path),
        message: `${name}: required key is missing`,
        fix: `Add ${name} to ${file}.${hint}`,
      })
      continue
    }
    out.push({
      code: ErrorCode.CONFIG_INVALID,
      file,
      keyPath,
      ...locate(issue.path),
      message: `${name ?? 'top level'}: ${issue.message}`,
      fix: name ? `Correct ${name} in ${file}.${hint}` : `Rewrite ${file} as described.${hint}`,
    })
  }
  return out
}
