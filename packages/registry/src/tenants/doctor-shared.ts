// Doctor checks of the shared server: whether it answers, this project's tenants and orphans on it, and
// shared_config.json's tenant list.
import {
  ErrorCode,
  readSharedConfig,
  type TenantRecord,
  updateSharedTenantDatabases,
} from '@systemprompt/config'
import { withClient } from '@systemprompt/pg'
import { tenantFromObjectName } from '../names.js'
import { dropTenantDatabase } from '../server/tenant-db.js'
import { checkMaintenance, checkTenantOnServer } from './doctor-tenant.js'
import { type DoctorContext, report } from './doctor-types.js'
import type { ServerSnapshot } from './live.js'
import { type AdminServer, adminTarget } from './servers.js'

/** A shared server this project uses that refuses the admin or does not answer. */
export function checkSharedAnswers(ctx: DoctorContext, snapshot: ServerSnapshot): void {
  if (snapshot.status === 'auth-failed') {
    report(ctx, {
      code: ErrorCode.VOLUME_PASSWORD_MISMATCH,
      severity: 'error',
      file: ctx.layout.sharedConfig,
      message: `The shared server on 127.0.0.1:${snapshot.port} refuses the admin password in shared_config.json (SQLSTATE 28P01): its volume was initialised with another password`,
      fix: 'Put the password the volume was created with back into shared_config.json (admin_password), or delete the data with `systemprompt db reset --yes`; this tool never changes the admin password',
    })
  } else if (snapshot.status === 'down' || snapshot.status === 'error') {
    report(ctx, {
      code: ErrorCode.DATABASE_UNREACHABLE,
      severity: ctx.fix ? 'warning' : 'error',
      message: `The shared server does not answer on 127.0.0.1:${snapshot.port ?? '?'}; server checks were skipped`,
      fix: 'Start it with `systemprompt db up` and run `systemprompt db doctor` again',
    })
  }
}

/** The shared server answers: its maintenance databases, this project's ready tenants, then the orphans. */
export async function checkSharedServer(
  ctx: DoctorContext,
  projectId: string,
  records: TenantRecord[],
  server: AdminServer,
  snapshot: ServerSnapshot,
  dropOrphans: boolean,
): Promise<void> {
  const ready = records.filter((r) => r.database === 'shared' && r.state === 'ready')
  if (ready.length > 0) await checkMaintenance(ctx, server, 'the shared server')
  for (const record of ready) await checkTenantOnServer(ctx, record, server, snapshot, 'the shared server')
  await checkOrphans(ctx, projectId, records, server, snapshot, dropOrphans)
}

async function checkOrphans(
  ctx: DoctorContext,
  projectId: string,
  records: TenantRecord[],
  server: AdminServer,
  snapshot: ServerSnapshot,
  dropOrphans: boolean,
): Promise<void> {
  const databases = new Set(snapshot.databases.map((d) => d.name))
  const roles = new Set(snapshot.roles.map((r) => r.name))
  const recordedNames = new Set(records.flatMap((r) => [r.database_name, r.role_name]).filter(Boolean))
  for (const { name, owner } of snapshot.databases) {
    const tenant = tenantFromObjectName(name, projectId)
    if (!tenant || recordedNames.has(name)) continue
    // We create tenant databases owned by the role of the same name; anything else was made by hand: never dropped.
    const ours = owner === name
    const issue = report(ctx, {
      code: ErrorCode.TENANT_ORPHAN_DATABASE,
      severity: 'warning',
      tenant,
      message: ours
        ? `Database ${JSON.stringify(name)} carries this project's suffix but no tenant records it`
        : `Database ${JSON.stringify(name)} carries this project's suffix but was not made by this tool (owner ${JSON.stringify(owner)})`,
      fix: ours
        ? 'Drop it with `systemprompt db doctor --fix --drop-orphans` (its data is lost), or leave it'
        : 'Rename or drop it by hand if it is in the way; this tool leaves it alone',
    })
    if (ctx.fix && dropOrphans && ours) {
      await withClient(adminTarget(server), (c) => dropTenantDatabase(c, { role: name, database: name }))
      issue.fixed = 'dropped database and role'
      roles.delete(name)
    }
  }
  for (const role of [...roles]) {
    const tenant = tenantFromObjectName(role, projectId)
    if (!tenant || recordedNames.has(role) || databases.has(role)) continue
    const issue = report(ctx, {
      code: ErrorCode.TENANT_ORPHAN_ROLE,
      severity: 'warning',
      tenant,
      message: `Role ${JSON.stringify(role)} carries this project's suffix but no tenant records it (and it owns no database)`,
      fix: 'Run `systemprompt db doctor --fix` to drop it',
    })
    if (ctx.fix) {
      await withClient(adminTarget(server), (c) => dropTenantDatabase(c, { role, database: role }))
      issue.fixed = 'dropped role'
    }
  }
}

/** shared_config.json's tenant_databases should list exactly the shared tenants of tenants.json. */
export async function checkSharedConfigEntries(
  ctx: DoctorContext,
  records: TenantRecord[],
  snapshot: ServerSnapshot,
): Promise<void> {
  const { layout } = ctx
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
  const issue = report(ctx, {
    code: ErrorCode.SHARED_CONFIG_DRIFT,
    severity: 'warning',
    file: layout.sharedConfig,
    message: `shared_config.json disagrees with tenants.json: ${missingEntries.length} tenant(s) missing or stale, ${deadEntries.length} entry(ies) for databases that no longer exist`,
    fix: 'Run `systemprompt db doctor --fix` to rewrite tenant_databases from tenants.json',
  })
  if (!ctx.fix) return
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
