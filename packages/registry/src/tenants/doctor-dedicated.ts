// Doctor checks of a ready dedicated tenant: its own server answers (--fix starts it the way `db up <tenant>`
// does), its maintenance databases, then the same tenant checks as on the shared server.
import { ErrorCode, isSystempromptError, type TenantRecord } from '@systemprompt/config'
import { checkMaintenance, checkTenantOnServer } from './doctor-tenant.js'
import { type DoctorContext, report } from './doctor-types.js'
import { recordedDedicatedServer, type ServerSnapshot, snapshotServer } from './live.js'
import type { AdminServer } from './servers.js'

export async function checkDedicatedTenant(ctx: DoctorContext, record: TenantRecord): Promise<void> {
  let server = await recordedDedicatedServer(ctx.layout, record.name, record.port)
  let snapshot = await snapshotServer(server)
  if (snapshot.status === 'auth-failed') {
    report(ctx, {
      code: ErrorCode.VOLUME_PASSWORD_MISMATCH,
      severity: 'error',
      tenant: record.name,
      file: ctx.layout.tenantPasswordFile(record.name),
      message: `The dedicated server of tenant ${JSON.stringify(record.name)} on 127.0.0.1:${snapshot.port} refuses the admin password in ${ctx.layout.tenantPasswordFile(record.name)} (SQLSTATE 28P01): its volume was initialised with another password`,
      fix: `Put the password the volume was created with back into that file, or delete the data with \`systemprompt db reset ${record.name} --yes\`; this tool never changes the admin password`,
    })
    return
  }
  if (snapshot.status !== 'up' || !server) {
    server = await startServer(ctx, record, server, snapshot)
    if (!server) return
    snapshot = await snapshotServer(server)
    if (snapshot.status !== 'up') return
  }
  const where = `the dedicated server of tenant ${JSON.stringify(record.name)}`
  await checkMaintenance(ctx, server, where)
  await checkTenantOnServer(ctx, record, server, snapshot, where)
}

/** Reports a server that does not answer; with --fix starts it and returns how to reach it as admin. */
async function startServer(
  ctx: DoctorContext,
  record: TenantRecord,
  server: AdminServer | undefined,
  snapshot: ServerSnapshot,
): Promise<AdminServer | undefined> {
  const state = await containerState(ctx, record.name)
  const why = server
    ? `does not answer on 127.0.0.1:${server.port}${state ? ` (${state})` : ''}`
    : `has no admin password file (${ctx.layout.tenantPasswordFile(record.name)})${state ? `; ${state}` : ''}`
  const issue = report(ctx, {
    code: ErrorCode.TENANT_SERVER_DOWN,
    severity: 'error',
    tenant: record.name,
    message: `The dedicated server of tenant ${JSON.stringify(record.name)} ${why}; its other checks were skipped${snapshot.error && server ? ` (${snapshot.error.code})` : ''}`,
    fix: `Run \`systemprompt db doctor --fix\` or \`systemprompt db up ${record.name}\` to start it`,
  })
  if (!ctx.fix) return undefined
  try {
    ctx.onProgress?.(`Starting the server of ${record.name}`)
    const started = await (await ctx.provider()).dedicated({
      root: ctx.layout.root,
      server: ctx.server,
      tenant: record.name,
      ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
    })
    issue.fixed = `started on 127.0.0.1:${started.port}`
    return started
  } catch (error) {
    if (!isSystempromptError(error)) throw error
    issue.message += ` (not fixed: ${error.message})`
    return undefined
  }
}

/**
 * What the engine says about the tenant's container ("container X is exited", "container X does not
 * exist"), through @systemprompt/postgres, which owns its name. Undefined without machine settings or an
 * engine that answers: the report then says only that nothing answers.
 */
async function containerState(ctx: DoctorContext, tenant: string): Promise<string | undefined> {
  if (!ctx.server) return undefined
  try {
    const { projectServerStatus } = await import('@systemprompt/postgres')
    const status = await projectServerStatus({ ...ctx.server, root: ctx.layout.root, tenant })
    if (status.state === 'missing') return `its container ${status.containerName} does not exist`
    const exit = status.exitCode === undefined ? '' : `, exit code ${status.exitCode}`
    return `its container ${status.containerName} is ${status.state}${exit}`
  } catch (error) {
    if (isSystempromptError(error)) return undefined
    throw error
  }
}
