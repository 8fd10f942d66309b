import { assertTenantName, SystempromptError } from '@systemprompt/config/core'

/**
 * The tenant a `db` command targets. The seed's justfile passes `TENANT="x"` through, so the positional
 * argument may be `x` or `TENANT=x`; `--tenant x` works too. Undefined means the shared server.
 */
export function tenantFromArgs(positional: string | undefined, flag: string | undefined): string | undefined {
  const fromPositional = positional === undefined ? undefined : stripAssignment(positional)
  if (fromPositional !== undefined && flag !== undefined && fromPositional !== flag) {
    throw new SystempromptError({
      code: 'USAGE',
      category: 'usage',
      message: `Two different tenants given: ${JSON.stringify(fromPositional)} and --tenant ${JSON.stringify(flag)}`,
      fix: 'Name the tenant once: `systemprompt db up my-project` or `systemprompt db up --tenant my-project`',
    })
  }
  const tenant = fromPositional ?? flag
  // `just db-up` without TENANT passes an empty value: that means the shared server.
  if (tenant === undefined || tenant === '') return undefined
  assertTenantName(tenant)
  return tenant
}

function stripAssignment(value: string): string {
  const match = /^TENANT=(.*)$/i.exec(value.trim())
  const raw = match ? (match[1] ?? '') : value.trim()
  // just passes quotes through when the recipe quotes the value: TENANT="x".
  return raw.replace(/^(["'])(.*)\1$/, '$2')
}
