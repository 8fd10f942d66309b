import { createRequire } from 'node:module'
import { SystempromptError } from '@systemprompt/config/core'
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2019.js'
import type { KeyPath, Position } from './yaml-source.js'

let compiled: ValidateFunction | undefined

/**
 * The Compose Specification schema's validator (draft 2019-09), compiled to code when the package is built
 * (scripts/compile-validator.mjs: ajv standalone code and the formats of compose-formats.cts). Loaded on first
 * use: `db up` on a running server never validates a file. The path is the same from src/file (tests) and
 * dist/file.
 */
function composeValidator(): ValidateFunction {
  if (compiled) return compiled
  const require = createRequire(import.meta.url)
  compiled = require('../../dist/file/compose-validator.cjs') as ValidateFunction
  return compiled
}

/**
 * Validates a parsed compose document against the Compose Specification. Throws COMPOSE_INVALID with
 * every violation (key path, and line when `locate` is given).
 */
export function validateComposeDocument(
  doc: unknown,
  file: string,
  locate?: (path: KeyPath) => Position | undefined,
): void {
  const validate = composeValidator()
  if (validate(doc)) return
  const issues = dedupe(validate.errors ?? []).map((error) => {
    const keyPath = issuePath(error)
    const at = locate?.(keyPath)
    return {
      code: 'COMPOSE_INVALID' as const,
      message: describe(error),
      file,
      keyPath,
      line: at?.line,
      column: at?.column,
    }
  })
  const first = issues[0]
  throw new SystempromptError({
    code: 'COMPOSE_INVALID',
    message: `${file}${first?.line ? `:${first.line}` : ''} is not a valid compose file: ${issues.map((i) => i.message).join('; ')}`,
    fix: `Fix the file by hand, or delete it and run 'systemprompt db up' to generate it again.`,
    category: 'user',
    file,
    keyPath: first?.keyPath,
    line: first?.line,
    column: first?.column,
    issues,
  })
}

function pointerToPath(pointer: string): KeyPath {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part))
}

/** An unknown key is reported at the key itself, everything else at the value that fails. */
function issuePath(error: ErrorObject): KeyPath {
  const path = pointerToPath(error.instancePath)
  const extra = unknownKey(error)
  return extra === undefined ? path : [...path, extra]
}

function unknownKey(error: ErrorObject): string | undefined {
  if (error.keyword !== 'additionalProperties') return undefined
  return (error.params as { additionalProperty?: string }).additionalProperty
}

function describe(error: ErrorObject): string {
  const path = pointerToPath(error.instancePath)
  const where = path.length === 0 ? '(top level)' : path.join('.')
  const extra = unknownKey(error)
  if (extra !== undefined) return `${where}: unknown key "${extra}"`
  return `${where} ${error.message ?? 'is invalid'}`
}

/** oneOf/anyOf report every failed branch; one line per place and message is enough. */
function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>()
  return errors.filter((error) => {
    const key = `${error.instancePath}|${describe(error)}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
