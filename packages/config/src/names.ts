import { ErrorCode } from './error-codes.js'
import { SystempromptError } from './errors.js'

/** Human text of the naming rule, used in error fixes and --help. Shared by tenant and profile names. */
export const TENANT_NAME_RULE =
  "lowercase letter first, then lowercase letters, digits or '-', at most 40 characters"

/** Maximum length of a tenant or profile name; keeps container names and SQL identifiers (63 bytes) in bounds. */
export const TENANT_NAME_MAX_LENGTH = 40

export const TENANT_NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/

/** `shared` names the shared server's compose file and password file: a tenant of that name would collide. */
export const RESERVED_TENANT_NAMES: readonly string[] = ['shared']

function matchesNameRule(value: unknown): value is string {
  return typeof value === 'string' && TENANT_NAME_PATTERN.test(value)
}

export function isValidTenantName(value: unknown): value is string {
  return matchesNameRule(value) && !RESERVED_TENANT_NAMES.includes(value)
}

/** Profile names follow the tenant rule (a profile is named after its tenant by default); none is reserved. */
export const isValidProfileName = matchesNameRule

export function assertTenantName(value: unknown, what = 'tenant name'): asserts value is string {
  if (isValidTenantName(value)) return
  throw new SystempromptError({
    code: ErrorCode.TENANT_NAME_INVALID,
    category: 'user',
    // JSON.stringify quotes the name and escapes control characters, so odd input cannot garble the output.
    message: `Invalid ${what} ${describeValue(value)}: ${whyInvalid(value)}.`,
    fix: `Use a ${what} with: ${TENANT_NAME_RULE} (e.g. "my-project").`,
  })
}

export function assertProfileName(value: unknown): asserts value is string {
  if (isValidProfileName(value)) return
  throw new SystempromptError({
    code: ErrorCode.PROFILE_NAME_INVALID,
    category: 'user',
    message: `Invalid profile name ${describeValue(value)}: ${whyInvalid(value)}.`,
    fix: `Use a profile name with: ${TENANT_NAME_RULE} (e.g. "local" or "production").`,
  })
}

function describeValue(value: unknown): string {
  if (typeof value !== 'string') return `(${value === null ? 'null' : typeof value})`
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value
  return JSON.stringify(shown)
}

function whyInvalid(value: unknown): string {
  if (typeof value !== 'string') return 'not a string'
  if (value.length === 0) return 'it is empty'
  if (value.length > TENANT_NAME_MAX_LENGTH) return `it has ${value.length} characters`
  if (RESERVED_TENANT_NAMES.includes(value)) return 'it is reserved for the shared PostgreSQL server'
  if (!/^[a-z]/.test(value)) return 'it must start with a lowercase letter'
  return "it may only contain lowercase letters, digits and '-'"
}

/**
 * Order of names we make (tenants, profiles, databases, roles, command ids): by code unit, without creating ICU's
 * collator (14-18 ms on its first use in a process, measured with --cpu-prof on `db list`). For tenant and
 * profile names (`[a-z0-9-]`) that is the order `localeCompare` gives; `_` and `:` sort after digits and `-`
 * here and before them there, which only changes where a database or role is listed.
 */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
