import { Args, Flags } from '@oclif/core'
import { assertTenantName, SystempromptError } from '@systemprompt/config/core'

/**
 * The flags several commands share, defined once. Each takes the command's own description (help text
 * says what the value means for that command); type, limits and defaults live here.
 */

/** `--yes`: commands that ask before destroying something; `this.confirm()` honours it. */
export const yesFlag = Flags.boolean({
  char: 'y',
  description: 'Answer yes to confirmations (required without a terminal).',
  default: false,
})

/** `--timeout SECONDS`: how long to wait for a server. Absent unless typed (the CLI falls back to the profile, then 60). */
export function timeoutFlag(description: string) {
  // No flag default: an absent --timeout lets the profile's docker.ready_timeout_seconds apply (then 60).
  return Flags.integer({
    description: `${description} Default: the profile's docker.ready_timeout_seconds, else 60.`,
    min: 1,
  })
}

/** `--port N`: a TCP port, 1-65535. */
export function portFlag(options: { description: string; char?: 'p' }) {
  return Flags.integer({ ...options, min: 1, max: 65535 })
}

/**
 * The tenant a `db` command targets: the positional `[TENANT]` (as `x` or `TENANT=x`, the form the
 * justfile passes) or `--tenant x`. Read the result with `this.tenantTarget()`.
 */
export function tenantTargetArg(description: string) {
  return Args.string({ ignoreStdin: true, description })
}

export function tenantTargetFlag(description: string) {
  return Flags.string({ char: 't', description })
}

/**
 * The tenant named by the positional argument and/or `--tenant`; undefined means the shared server.
 * The seed's justfile passes `TENANT="x"` through, so the positional may carry the assignment and quotes.
 */
export function parseTenantTarget(
  positional: string | undefined,
  flag: string | undefined,
): string | undefined {
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

/**
 * The name a `create` command is given, as its positional `[NAME]` (like `show` and `delete` take it) or as
 * `--name`: whichever was given; USAGE when both were and they differ. The caller checks the name against
 * its rule before anything else happens.
 */
export function nameFromArgOrFlag(
  positional: string | undefined,
  flag: string | undefined,
  options: { what: string; example: string },
): string | undefined {
  if (positional !== undefined && flag !== undefined && positional !== flag) {
    throw new SystempromptError({
      code: 'USAGE',
      category: 'usage',
      message: `Two different ${options.what} names given: ${JSON.stringify(positional)} and --name ${JSON.stringify(flag)}`,
      fix: `Name it once: \`${options.example}\``,
    })
  }
  return positional ?? flag
}
