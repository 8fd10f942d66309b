import { type ErrorCodeName, SystempromptError } from '@systemprompt/config/core'

/** Where a PostgreSQL error happened, for the message: "creating database sp_a_x on 127.0.0.1:5432". */
export interface PgErrorContext {
  action: string
  host?: string
  port?: number
  user?: string
  database?: string
  /** Replaces the default fix for an unreachable server (which assumes one of our local servers). */
  unreachableFix?: string
  /**
   * Whose credentials logged in, so a refused login (28P01, 28000) gets the fix that fits: `admin`, our
   * server's admin role (its password lives in our files); `url`, a DATABASE_URL the user gave us (its user
   * and password are theirs to correct). Unset: a generic fix.
   */
  login?: PgLogin
}

export type PgLogin = 'admin' | 'url'

/** The fix of a refused login, by whose credentials they were. */
function authFix(ctx: PgErrorContext): string {
  const user = JSON.stringify(ctx.user ?? '?')
  switch (ctx.login) {
    case 'url':
      return `Check the user (${user}) and the password in the database URL you gave (percent-encode special characters such as @ : / in the password), and that this role may log in to ${JSON.stringify(ctx.database ?? '?')}`
    case 'admin':
      return 'The admin password recorded for this server does not match its data volume: run `systemprompt db doctor` for the fixes'
    default:
      return `Check the password stored for role ${user} (a tenant's is in its profile's secrets.json, the admin's in docker/shared_config.json); \`systemprompt db doctor\` diagnoses both`
  }
}

interface PgLikeError {
  code?: string
  message?: string
  severity?: string
}

/** Network failures: the server is not there (yet), or went away. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
])

function where(ctx: PgErrorContext): string {
  if (ctx.host === undefined) return ''
  return ` on ${ctx.host}${ctx.port === undefined ? '' : `:${ctx.port}`}`
}

/**
 * Maps a pg (or socket) error to our error type. The SQLSTATE is kept in `details.sqlstate` so callers
 * can branch on it; the message never contains a password (pg's messages do not either).
 */
export function mapPgError(error: unknown, ctx: PgErrorContext): SystempromptError {
  if (error instanceof SystempromptError) return error
  const e = (error ?? {}) as PgLikeError
  const code = typeof e.code === 'string' ? e.code : undefined
  const text = typeof e.message === 'string' ? e.message : String(error)
  const at = where(ctx)
  const details: Record<string, unknown> = {}
  if (code !== undefined) details.sqlstate = code
  if (ctx.database !== undefined) details.database = ctx.database
  if (ctx.user !== undefined) details.user = ctx.user

  const make = (
    ourCode: ErrorCodeName,
    category: 'database' | 'conflict' | 'user' | 'internal',
    message: string,
    fix: string,
  ): SystempromptError =>
    new SystempromptError({ code: ourCode, category, message, fix, cause: error, details })

  if (
    (code !== undefined && NETWORK_CODES.has(code)) ||
    /Connection terminated|timeout expired|connect ETIMEDOUT/i.test(text)
  ) {
    return make(
      'DATABASE_UNREACHABLE',
      'database',
      `PostgreSQL is not reachable${at} while ${ctx.action}: ${text}`,
      ctx.unreachableFix ??
        'Start the server with `systemprompt db up` and check the port in docker/shared_config.json',
    )
  }
  switch (code) {
    case '28P01':
    case '28000':
      return make(
        'DATABASE_AUTH_FAILED',
        'database',
        `PostgreSQL refused the login of role ${JSON.stringify(ctx.user ?? '?')}${at} while ${ctx.action} (SQLSTATE ${code}: ${text})`,
        authFix(ctx),
      )
    case '3D000':
      return make(
        'DATABASE_NOT_FOUND',
        'database',
        `Database ${JSON.stringify(ctx.database ?? '?')} does not exist${at} (while ${ctx.action})`,
        'Run `systemprompt db doctor --fix` to reconcile the records with the server',
      )
    case '42501':
      return make(
        'DATABASE_PERMISSION_DENIED',
        'database',
        `Permission denied${at} while ${ctx.action}: ${text}`,
        'Connect with the role that owns this database (see the profile secrets.json)',
      )
    case '42P04':
    case '42710':
    case '23505':
      // 23505: two CREATE DATABASE/ROLE racing on the catalog's unique index.
      return make(
        'DATABASE_OBJECT_EXISTS',
        'conflict',
        `Already exists${at} while ${ctx.action}: ${text}`,
        'Pick another tenant name, or run `systemprompt db doctor --fix` if a create was interrupted',
      )
    case '55006':
      return make(
        'DATABASE_IN_USE',
        'conflict',
        `The database is in use${at} while ${ctx.action}: ${text}`,
        'Close the sessions that use it and retry',
      )
    case '57P03':
      return make(
        'DATABASE_STARTING',
        'database',
        `PostgreSQL is still starting${at}`,
        'Retry in a moment, or run `systemprompt db up` which waits until it is ready',
      )
    case '53300':
      return make(
        'DATABASE_TOO_MANY_CONNECTIONS',
        'database',
        `PostgreSQL has no free connection slots${at}: ${text}`,
        'Close idle clients or raise max_connections',
      )
    case '2BP01':
      return make(
        'DATABASE_OBJECT_IN_USE',
        'conflict',
        `Cannot drop${at} while ${ctx.action}: other objects depend on it (${text})`,
        'Drop or reassign the objects the role owns in other databases, then retry',
      )
    default:
      return make(
        'DATABASE_ERROR',
        'database',
        `PostgreSQL error${at} while ${ctx.action}${code === undefined ? '' : ` (SQLSTATE ${code})`}: ${text}`,
        'Run `systemprompt db doctor` for a diagnosis',
      )
  }
}

/** True for errors that mean "try again shortly" while a server starts or a catalog race settles. */
export function isTransientPgError(error: unknown): boolean {
  const e = (error ?? {}) as PgLikeError
  if (e.code === '57P03' || e.code === '55006' || e.code === '40001' || e.code === '40P01') return true
  if (typeof e.code === 'string' && (e.code === 'ECONNRESET' || e.code === 'ECONNREFUSED')) return true
  return typeof e.message === 'string' && /Connection terminated unexpectedly/i.test(e.message)
}
