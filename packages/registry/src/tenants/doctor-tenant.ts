// Doctor checks of one ready tenant on a local server that answers (shared or dedicated), and of that server's
// maintenance databases.
import {
  ErrorCode,
  isSystempromptError,
  patchTenantRecord,
  readProfileSecrets,
  setProfileDatabaseUrl,
  type TenantRecord,
  tenantLockPath,
  withFileLock,
  writeProfileFiles,
} from '@systemprompt/config'
import {
  formatDatabaseUrl,
  type PgTarget,
  parseDatabaseUrl,
  repointLocalUrl,
  withClient,
} from '@systemprompt/pg'
import {
  closeMaintenanceDatabases,
  createTenantDatabase,
  openMaintenanceDatabases,
} from '../server/tenant-db.js'
import { type DoctorContext, report } from './doctor-types.js'
import type { ServerSnapshot } from './live.js'
import { type AdminServer, adminTarget } from './servers.js'

/** Codes of a login the server refused (as opposed to a server that is not there). */
const REFUSED = new Set<string>([
  ErrorCode.DATABASE_AUTH_FAILED,
  ErrorCode.DATABASE_PERMISSION_DENIED,
  ErrorCode.DATABASE_NOT_FOUND,
])

/**
 * A tenant's record against its server: the port of its profile's DATABASE_URL (--fix rewrites that URL's
 * port, nothing else in secrets.json), its role and database, and a login with that URL (--fix re-creates
 * what is missing, with the password the URL carries, so the profile stays valid).
 * `where` names the server in messages ("the shared server", "its dedicated server").
 */
export async function checkTenantOnServer(
  ctx: DoctorContext,
  record: TenantRecord,
  server: AdminServer,
  snapshot: ServerSnapshot,
  where: string,
): Promise<void> {
  const { layout } = ctx
  const db = record.database_name as string
  const role = record.role_name as string
  const secrets = await readProfileSecrets(layout, record.profile).catch(() => undefined)
  let url = secrets?.database_url
  let target = url === undefined ? undefined : parseUrl(url)
  let portOk = true
  const repointed = url === undefined ? undefined : repointLocalUrl(url, server.port)
  if (url !== undefined && target && repointed !== undefined && repointed !== url) {
    const issue = report(ctx, {
      code: ErrorCode.TENANT_URL_WRONG_PORT,
      severity: 'error',
      tenant: record.name,
      file: layout.profileSecrets(record.profile),
      message: `The DATABASE_URL of profile ${JSON.stringify(record.profile)} (tenant ${JSON.stringify(record.name)}) points at port ${target.port}, but ${where} is declared on port ${server.port}`,
      fix: "Run `systemprompt db doctor --fix` to rewrite the URL's port (nothing else in secrets.json changes)",
    })
    if (ctx.fix) {
      url = repointed
      await setProfileDatabaseUrl(layout, record.profile, url)
      target = parseUrl(url)
      issue.fixed = `port set to ${server.port} in ${layout.profileSecrets(record.profile)}`
    } else {
      portOk = false
    }
  }

  const databases = new Set(snapshot.databases.map((d) => d.name))
  const roles = new Set(snapshot.roles.map((r) => r.name))
  let problem: string | undefined
  if (!databases.has(db) || !roles.has(role)) {
    const missing = [!roles.has(role) && `role ${role}`, !databases.has(db) && `database ${db}`].filter(
      Boolean,
    )
    problem = `its ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing on ${where}`
  } else if (url === undefined) problem = `its profile ${JSON.stringify(record.profile)} has no secrets.json`
  else if (portOk && !(await canLogin(url)))
    problem = `the DATABASE_URL of profile ${JSON.stringify(record.profile)} is refused by ${where}`
  if (!problem) return
  const issue = report(ctx, {
    code: ErrorCode.TENANT_DRIFT,
    severity: 'error',
    tenant: record.name,
    message: `Tenant ${JSON.stringify(record.name)} is recorded as ready, but ${problem}`,
    fix: "Run `systemprompt db doctor --fix` to re-create what is missing (an empty database if it was dropped) with the password in the profile's DATABASE_URL",
  })
  if (!ctx.fix) return
  await withFileLock(tenantLockPath(layout, record.name), async () => {
    // The profile's password is kept when its URL names this role and database: the app's URL stays valid.
    const keep = target && target.user === role && target.database === db && target.password !== ''
    const made = await withClient(adminTarget(server), (c) =>
      createTenantDatabase(c, { role, database: db }, keep && target ? { password: target.password } : {}),
    )
    if (!keep) {
      const fresh = formatDatabaseUrl({
        host: '127.0.0.1',
        port: server.port,
        user: role,
        password: made.password,
        database: db,
      })
      if (secrets) await setProfileDatabaseUrl(layout, record.profile, fresh)
      else
        await writeProfileFiles(layout, {
          name: record.profile,
          tenant: record.name,
          databaseUrl: fresh,
          keepSecrets: true,
        })
    }
    await patchTenantRecord(layout, record.name, {})
    const what = made.createdDatabase
      ? 're-created an empty database'
      : made.createdRole
        ? 're-created the role'
        : 'reset the role'
    issue.fixed = `${what}${keep ? " with the password in the profile's URL" : '; new password written to the profile'}`
  })
}

/**
 * On a server with this project's tenants, PUBLIC must not connect to `postgres` or `template1` (there a
 * tenant role sees every project's databases and roles, and makes TEMP tables); --fix revokes it.
 */
export async function checkMaintenance(
  ctx: DoctorContext,
  server: AdminServer,
  where: string,
): Promise<void> {
  let open: string[]
  try {
    open = await withClient(adminTarget(server), openMaintenanceDatabases, { timeoutMs: 2000 })
  } catch (error) {
    // The server answered a moment ago; a failure now is reported by the other checks.
    if (isSystempromptError(error)) return
    throw error
  }
  if (open.length === 0) return
  const issue = report(ctx, {
    code: ErrorCode.MAINTENANCE_DB_OPEN,
    severity: 'error',
    message: `On ${where} (127.0.0.1:${server.port}) every role may connect to ${open.join(' and ')}: a tenant's role can list every project's databases and roles there`,
    fix: 'Run `systemprompt db doctor --fix` to revoke CONNECT and TEMPORARY on them from PUBLIC (the admin keeps them)',
  })
  if (ctx.fix) {
    await withClient(adminTarget(server), closeMaintenanceDatabases)
    issue.fixed = `CONNECT and TEMPORARY on ${open.join(', ')} revoked from PUBLIC`
  }
}

function parseUrl(url: string): PgTarget | undefined {
  try {
    return parseDatabaseUrl(url)
  } catch {
    return undefined
  }
}

async function canLogin(url: string): Promise<boolean> {
  try {
    await withClient(parseDatabaseUrl(url), async () => {}, { timeoutMs: 2000 })
    return true
  } catch (error) {
    // Only a refused login is a finding; an unreachable server was reported already.
    return !(isSystempromptError(error) && REFUSED.has(error.code))
  }
}
