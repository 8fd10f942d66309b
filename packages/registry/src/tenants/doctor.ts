import { chmod, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  ErrorCode,
  isSystempromptError,
  type ProjectLayout,
  patchTenantRecord,
  projectLayout,
  readProfileSecrets,
  readSharedConfig,
  readTenantsFile,
  type TenantRecord,
  tenantLockPath,
  updateSharedTenantDatabases,
  withFileLock,
  writeProfileFiles,
} from '@systemprompt/config'
import { formatDatabaseUrl, parseDatabaseUrl, withClient } from '@systemprompt/pg'
import type { ServerSettings } from '@systemprompt/postgres'
import { tenantFromObjectName } from '../names.js'
import { createTenantDatabase, dropTenantDatabase } from '../server/tenant-db.js'
import { lazyServerProvider } from './admin-access.js'
import { removeTenant } from './delete.js'
import { recordedSharedServer, type ServerSnapshot, snapshotServer } from './live.js'
import { adminTarget, type ServerProvider } from './servers.js'

interface DoctorIssue {
  code: string
  severity: 'error' | 'warning'
  message: string
  fix: string
  tenant?: string
  file?: string
  /** Set by --fix: what was done. */
  fixed?: string
}

export interface DoctorOptions {
  root: string
  fix?: boolean
  /** With fix: also drop databases that carry this project's suffix but have no record (data loss!). */
  dropOrphans?: boolean
  /** Machine and profile settings of the servers (the CLI passes them); the default provider needs them. */
  server?: ServerSettings
  servers?: ServerProvider
  onProgress?: (message: string) => void
}

export interface DoctorResult {
  issues: DoctorIssue[]
  /** Issues that remain after --fix (all of them without --fix). */
  remaining: number
  fixed: number
}

const TEMP_FILE = /^\..+\.[0-9a-f]{12}\.tmp$/
/** A temp file younger than this may belong to a write in progress. */
const TEMP_FILE_MIN_AGE_MS = 5000

/**
 * Finds (and with `fix` repairs) drift between this project's records and its servers: interrupted creates
 * (pending: undone) and deletes (deleting: finished), records whose database vanished (re-created empty),
 * roles and databases with this project's suffix but no record (roles dropped; databases only with
 * dropOrphans), secret files others can read (chmod 600), leftover temp files, and the admin password
 * that does not match the server volume (explained: never changed by us).
 */
export async function doctor(options: DoctorOptions): Promise<DoctorResult> {
  const layout = projectLayout(options.root)
  const issues: DoctorIssue[] = []
  const fix = options.fix === true
  const provider = lazyServerProvider(options.servers)

  await checkFileModes(layout, issues, fix)
  await checkTempFiles(layout, issues, fix)

  const file = await readTenantsFile(layout)
  const records = file?.tenants ?? []
  const sharedServer = await recordedSharedServer(layout)
  let snapshot: ServerSnapshot = await snapshotServer(sharedServer)
  const sharedUsed =
    records.some((r) => r.database === 'shared') || (await readSharedConfig(layout)) !== undefined

  if (sharedUsed && snapshot.status === 'auth-failed') {
    issues.push({
      code: ErrorCode.VOLUME_PASSWORD_MISMATCH,
      severity: 'error',
      file: layout.sharedConfig,
      message: `The shared server on 127.0.0.1:${snapshot.port} refuses the admin password in shared_config.json (SQLSTATE 28P01): its volume was initialised with another password`,
      fix: 'Put the password the volume was created with back into shared_config.json (admin_password), or delete the data with `systemprompt db reset --yes`; this tool never changes the admin password',
    })
  } else if (sharedUsed && (snapshot.status === 'down' || snapshot.status === 'error')) {
    issues.push({
      code: ErrorCode.DATABASE_UNREACHABLE,
      severity: fix ? 'warning' : 'error',
      message: `The shared server does not answer on 127.0.0.1:${snapshot.port ?? '?'}; server checks were skipped`,
      fix: 'Start it with `systemprompt db up` and run `systemprompt db doctor` again',
    })
  }

  // Interrupted creates and deletes first: they change what the later checks see.
  for (const record of records.filter((r) => r.state !== 'ready')) {
    const issue: DoctorIssue = {
      code: record.state === 'pending' ? 'TENANT_PENDING' : 'TENANT_DELETING',
      severity: 'error',
      tenant: record.name,
      file: layout.tenantsFile,
      message:
        record.state === 'pending'
          ? `Tenant ${JSON.stringify(record.name)} was never finished (a create was interrupted)`
          : `Tenant ${JSON.stringify(record.name)} is half deleted (a delete was interrupted)`,
      fix:
        record.state === 'pending'
          ? `Run \`systemprompt db doctor --fix\` to undo it, or \`systemprompt cloud tenant create --name ${record.name} --database ${record.database}\` to finish it`
          : 'Run `systemprompt db doctor --fix` to finish the delete',
    }
    issues.push(issue)
    if (!fix) continue
    if (record.database === 'shared' && snapshot.status !== 'up' && snapshot.status !== 'absent') continue
    try {
      // A create still running holds this lock: skip it rather than undo it under its feet.
      await withFileLock(
        tenantLockPath(layout, record.name),
        async () => {
          const current = (await readTenantsFile(layout))?.tenants.find((t) => t.name === record.name)
          if (!current || current.state === 'ready') {
            issue.fixed = 'already resolved by another process'
            return
          }
          options.onProgress?.(`Undoing ${record.name}`)
          await removeTenant(layout, current, {
            root: layout.root,
            server: options.server,
            servers: await provider(),
          })
          issue.fixed =
            record.state === 'pending'
              ? 'undone: database, role, profile and records removed'
              : 'delete finished'
        },
        { timeoutMs: 2000 },
      )
    } catch (error) {
      if (!isSystempromptError(error)) throw error
      issue.message += ` (not fixed: ${error.message})`
    }
  }
  if (fix) snapshot = await snapshotServer(sharedServer)

  const current = (await readTenantsFile(layout))?.tenants ?? []
  if (snapshot.status === 'up' && file) {
    await checkSharedDrift(
      layout,
      file.project_id,
      current,
      snapshot,
      issues,
      fix,
      options.dropOrphans === true,
    )
    await checkSharedConfigEntries(layout, current, snapshot, issues, fix)
  }

  const fixed = issues.filter((i) => i.fixed !== undefined).length
  return {
    issues,
    fixed,
    remaining: issues.filter((i) => i.fixed === undefined && i.severity === 'error').length,
  }
}

async function checkSharedDrift(
  layout: ProjectLayout,
  projectId: string,
  records: TenantRecord[],
  snapshot: ServerSnapshot,
  issues: DoctorIssue[],
  fix: boolean,
  dropOrphans: boolean,
): Promise<void> {
  const sharedReady = records.filter((r) => r.database === 'shared' && r.state === 'ready')
  const databases = new Set(snapshot.databases.map((d) => d.name))
  const roles = new Set(snapshot.roles.map((r) => r.name))
  const server = await recordedSharedServer(layout)
  if (!server) return

  for (const record of sharedReady) {
    const db = record.database_name as string
    const role = record.role_name as string
    const secrets = await readProfileSecrets(layout, record.profile).catch(() => undefined)
    let problem: string | undefined
    if (!databases.has(db) || !roles.has(role))
      problem = `its ${databases.has(db) ? 'role' : 'database'} is missing on the shared server`
    else if (!secrets) problem = `its profile ${JSON.stringify(record.profile)} has no secrets.json`
    else if (!(await canLogin(secrets.database_url)))
      problem = `the DATABASE_URL of profile ${JSON.stringify(record.profile)} is refused by the server`
    if (!problem) continue
    const issue: DoctorIssue = {
      code: 'TENANT_DRIFT',
      severity: 'error',
      tenant: record.name,
      message: `Tenant ${JSON.stringify(record.name)} is recorded as ready, but ${problem}`,
      fix: 'Run `systemprompt db doctor --fix` to re-create what is missing (an empty database if it was dropped) and write a new password into the profile',
    }
    issues.push(issue)
    if (!fix) continue
    await withFileLock(tenantLockPath(layout, record.name), async () => {
      const made = await withClient(adminTarget(server), (c) =>
        createTenantDatabase(c, { role, database: db }),
      )
      const url = formatDatabaseUrl({
        host: '127.0.0.1',
        port: server.port,
        user: role,
        password: made.password,
        database: db,
      })
      await writeProfileFiles(layout, {
        name: record.profile,
        tenant: record.name,
        databaseUrl: url,
        keepSecrets: true,
      })
      await patchTenantRecord(layout, record.name, {})
      issue.fixed = made.createdDatabase
        ? 're-created an empty database and a new password'
        : 'new password written to the profile'
    })
  }

  const recordedNames = new Set(records.flatMap((r) => [r.database_name, r.role_name]).filter(Boolean))
  for (const { name, owner } of snapshot.databases) {
    const tenant = tenantFromObjectName(name, projectId)
    if (!tenant || recordedNames.has(name)) continue
    // We create tenant databases owned by the role of the same name; anything else was made by hand: never dropped.
    const ours = owner === name
    const issue: DoctorIssue = {
      code: 'TENANT_ORPHAN_DATABASE',
      severity: 'warning',
      tenant,
      message: ours
        ? `Database ${JSON.stringify(name)} carries this project's suffix but no tenant records it`
        : `Database ${JSON.stringify(name)} carries this project's suffix but was not made by this tool (owner ${JSON.stringify(owner)})`,
      fix: ours
        ? 'Drop it with `systemprompt db doctor --fix --drop-orphans` (its data is lost), or leave it'
        : 'Rename or drop it by hand if it is in the way; this tool leaves it alone',
    }
    issues.push(issue)
    if (fix && dropOrphans && ours) {
      await withClient(adminTarget(server), (c) => dropTenantDatabase(c, { role: name, database: name }))
      issue.fixed = 'dropped database and role'
      roles.delete(name)
    }
  }
  for (const role of [...roles]) {
    const tenant = tenantFromObjectName(role, projectId)
    if (!tenant || recordedNames.has(role) || databases.has(role)) continue
    const issue: DoctorIssue = {
      code: 'TENANT_ORPHAN_ROLE',
      severity: 'warning',
      tenant,
      message: `Role ${JSON.stringify(role)} carries this project's suffix but no tenant records it (and it owns no database)`,
      fix: 'Run `systemprompt db doctor --fix` to drop it',
    }
    issues.push(issue)
    if (fix) {
      await withClient(adminTarget(server), (c) => dropTenantDatabase(c, { role, database: role }))
      issue.fixed = 'dropped role'
    }
  }
}

/** shared_config.json's tenant_databases should list exactly the shared tenants of tenants.json. */
async function checkSharedConfigEntries(
  layout: ProjectLayout,
  records: TenantRecord[],
  snapshot: ServerSnapshot,
  issues: DoctorIssue[],
  fix: boolean,
): Promise<void> {
  const config = await readSharedConfig(layout)
  if (!config) return
  const shared = records.filter((r) => r.database === 'shared')
  const entries = new Map(config.tenant_databases.map((e) => [e.tenant_id, e]))
  const present = new Set(snapshot.databases.map((d) => d.name))
  const missingEntries = shared.filter(
    (r) => entries.get(r.name)?.database_name !== r.database_name || entries.get(r.name)?.state !== r.state,
  )
  // Entries without a record whose database is gone are dead weight (the original tool left them behind).
  const deadEntries = config.tenant_databases.filter(
    (e) => !shared.some((r) => r.name === e.tenant_id) && !present.has(e.database_name),
  )
  if (missingEntries.length === 0 && deadEntries.length === 0) return
  const issue: DoctorIssue = {
    code: 'SHARED_CONFIG_DRIFT',
    severity: 'warning',
    file: layout.sharedConfig,
    message: `shared_config.json disagrees with tenants.json: ${missingEntries.length} tenant(s) missing or stale, ${deadEntries.length} entry(ies) for databases that no longer exist`,
    fix: 'Run `systemprompt db doctor --fix` to rewrite tenant_databases from tenants.json',
  }
  issues.push(issue)
  if (!fix) return
  await updateSharedTenantDatabases(layout, (list) => {
    const kept = list.filter(
      (e) =>
        !deadEntries.some((d) => d.tenant_id === e.tenant_id) && !shared.some((r) => r.name === e.tenant_id),
    )
    const ours = shared.map((r) => ({
      ...(entries.get(r.name) ?? {}),
      tenant_id: r.name,
      database_name: r.database_name as string,
      role_name: r.role_name,
      state: r.state,
      created_at: r.created_at,
    }))
    return [...kept, ...ours]
  })
  issue.fixed = 'tenant_databases rewritten'
}

async function canLogin(url: string): Promise<boolean> {
  try {
    await withClient(parseDatabaseUrl(url), async () => {}, { timeoutMs: 2000 })
    return true
  } catch (error) {
    // Only a refused login is a finding; an unreachable server was reported already.
    return !(isSystempromptError(error) && error.code === 'DATABASE_AUTH_FAILED')
  }
}

/** Files that hold secrets must be 0600 (SPEC: tenants.json, shared_config.json, secrets.json, password files). */
async function checkFileModes(layout: ProjectLayout, issues: DoctorIssue[], fix: boolean): Promise<void> {
  const candidates = [layout.tenantsFile, layout.sharedConfig]
  for (const dir of [layout.secretsDir]) {
    for (const name of await readdir(dir).catch(() => [] as string[])) candidates.push(join(dir, name))
  }
  for (const name of await readdir(layout.profilesDir).catch(() => [] as string[])) {
    candidates.push(layout.profileSecrets(name))
  }
  for (const path of candidates) {
    const info = await stat(path).catch(() => undefined)
    if (!info?.isFile() || (info.mode & 0o077) === 0) continue
    const issue: DoctorIssue = {
      code: ErrorCode.CONFIG_INSECURE_MODE,
      severity: 'error',
      file: path,
      message: `${path} holds secrets but is readable by others (mode ${(info.mode & 0o777).toString(8)})`,
      fix: `chmod 600 ${path} (or run \`systemprompt db doctor --fix\`)`,
    }
    issues.push(issue)
    if (fix) {
      await chmod(path, 0o600)
      issue.fixed = 'mode set to 600'
    }
  }
}

/** Temp files of atomic writes that a killed process never renamed. */
async function checkTempFiles(layout: ProjectLayout, issues: DoctorIssue[], fix: boolean): Promise<void> {
  const dirs = [layout.dir, layout.dockerDir, layout.secretsDir]
  for (const name of await readdir(layout.profilesDir).catch(() => [] as string[]))
    dirs.push(layout.profileDir(name))
  for (const dir of dirs) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!TEMP_FILE.test(name)) continue
      const path = join(dir, name)
      const info = await stat(path).catch(() => undefined)
      if (!info || Date.now() - info.mtimeMs < TEMP_FILE_MIN_AGE_MS) continue
      const issue: DoctorIssue = {
        code: 'TEMP_FILE_LEFTOVER',
        severity: 'warning',
        file: path,
        message: `Leftover temporary file of an interrupted write: ${path}`,
        fix: 'Run `systemprompt db doctor --fix` to remove it',
      }
      issues.push(issue)
      if (fix) {
        await rm(path, { force: true })
        issue.fixed = 'removed'
      }
    }
  }
}
