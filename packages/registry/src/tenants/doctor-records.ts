// Doctor: records of interrupted creates (pending: undone) and deletes (deleting: finished only when confirmed).
import {
  ErrorCode,
  isSystempromptError,
  readTenantsFile,
  type TenantRecord,
  tenantLockPath,
  withFileLock,
} from '@systemprompt/config'
import { removeTenant } from './delete.js'
import { type DoctorContext, type DoctorIssue, report } from './doctor-types.js'
import type { ServerSnapshot } from './live.js'

/**
 * Undoing an interrupted create loses nothing (the tenant never became ready); finishing an interrupted
 * delete drops what is left of the tenant's data, so it needs the caller's confirmation
 * (`confirmFinishDelete`: --yes, or a question on a terminal). Without it the delete is only reported.
 */
export async function checkInterrupted(
  ctx: DoctorContext,
  records: TenantRecord[],
  shared: ServerSnapshot,
): Promise<void> {
  const { layout } = ctx
  for (const record of records.filter((r) => r.state !== 'ready')) {
    const pending = record.state === 'pending'
    const issue = report(ctx, {
      code: pending ? ErrorCode.TENANT_PENDING : ErrorCode.TENANT_DELETING,
      severity: 'error',
      tenant: record.name,
      file: layout.tenantsFile,
      message: pending
        ? `Tenant ${JSON.stringify(record.name)} was never finished (a create was interrupted)`
        : `Tenant ${JSON.stringify(record.name)} is half deleted (a delete was interrupted)`,
      fix: pending
        ? `Run \`systemprompt db doctor --fix\` to undo it, or \`systemprompt cloud tenant create --name ${record.name} --database ${record.database}\` to finish it`
        : `Finishing the delete drops what is left of its data: run \`systemprompt db doctor --fix --yes\`, or \`systemprompt cloud tenant delete ${record.name} --yes\``,
    })
    if (!ctx.fix) continue
    if (record.database === 'shared' && shared.status !== 'up' && shared.status !== 'absent') continue
    if (!pending && !(await ctx.confirmFinishDelete?.(record.name))) {
      issue.message += ' (not finished: that needs a confirmation)'
      continue
    }
    await resolve(ctx, record, issue)
  }
}

async function resolve(ctx: DoctorContext, record: TenantRecord, issue: DoctorIssue): Promise<void> {
  const { layout } = ctx
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
        ctx.onProgress?.(`${record.state === 'pending' ? 'Undoing' : 'Deleting'} ${record.name}`)
        await removeTenant(layout, current, {
          root: layout.root,
          server: ctx.server,
          servers: await ctx.provider(),
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
