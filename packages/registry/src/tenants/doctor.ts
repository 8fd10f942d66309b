import { projectLayout, readSharedConfig, readTenantsFile } from '@systemprompt/config'
import type { ServerSettings } from '@systemprompt/postgres'
import { lazyServerProvider } from './admin-access.js'
import { checkDedicatedTenant } from './doctor-dedicated.js'
import { checkFileModes, checkStaleLocks, checkTempFiles } from './doctor-files.js'
import { checkInterrupted } from './doctor-records.js'
import { checkSharedAnswers, checkSharedConfigEntries, checkSharedServer } from './doctor-shared.js'
import type { DoctorContext, DoctorIssue } from './doctor-types.js'
import { recordedSharedServer, snapshotServer } from './live.js'
import type { ServerProvider } from './servers.js'

export interface DoctorOptions {
  root: string
  fix?: boolean
  /** With fix: also drop databases that carry this project's suffix but have no record (data loss!). */
  dropOrphans?: boolean
  /**
   * With fix: asked for each interrupted delete before it is finished (that drops what is left of the
   * tenant's data). The CLI answers yes for --yes and asks on a terminal; without it such deletes are only
   * reported. Interrupted creates are undone without asking (nothing of them was ever ready).
   */
  confirmFinishDelete?: (tenant: string) => Promise<boolean>
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

/**
 * Finds (and with `fix` repairs) drift between this project's records and its servers: interrupted creates
 * (pending: undone) and deletes (deleting: finished when confirmed), ready tenants on the shared server and
 * on their dedicated servers whose server is stopped (started), whose role or database vanished (re-created,
 * an empty database, with the password of the profile's URL) or whose profile's DATABASE_URL points at
 * another port than the server's (the port rewritten), maintenance databases open to tenant roles (closed),
 * roles and databases with this project's suffix but no record (roles dropped; databases only with
 * dropOrphans), secret files others can read (chmod 600), leftover temp files and lock files of killed runs,
 * and an admin password that does not match the server volume (explained: never changed by us).
 */
export async function doctor(options: DoctorOptions): Promise<DoctorResult> {
  const layout = projectLayout(options.root)
  const ctx: DoctorContext = {
    layout,
    fix: options.fix === true,
    issues: [],
    server: options.server,
    provider: lazyServerProvider(options.servers),
    onProgress: options.onProgress,
    confirmFinishDelete: options.confirmFinishDelete,
  }

  // Locks first: the repairs below take some of them.
  await checkStaleLocks(ctx)
  await checkFileModes(ctx)
  await checkTempFiles(ctx)

  const file = await readTenantsFile(layout)
  const records = file?.tenants ?? []
  const sharedServer = await recordedSharedServer(layout)
  let snapshot = await snapshotServer(sharedServer)
  const sharedUsed =
    records.some((r) => r.database === 'shared') || (await readSharedConfig(layout)) !== undefined
  if (sharedUsed) checkSharedAnswers(ctx, snapshot)

  // Interrupted creates and deletes first: they change what the later checks see.
  await checkInterrupted(ctx, records, snapshot)
  if (ctx.fix) snapshot = await snapshotServer(sharedServer)

  const current = (await readTenantsFile(layout))?.tenants ?? []
  if (snapshot.status === 'up' && file && sharedServer) {
    await checkSharedServer(
      ctx,
      file.project_id,
      current,
      sharedServer,
      snapshot,
      options.dropOrphans === true,
    )
    await checkSharedConfigEntries(ctx, current, snapshot)
  }
  for (const record of current.filter((r) => r.database === 'dedicated' && r.state === 'ready')) {
    await checkDedicatedTenant(ctx, record)
  }

  const { issues } = ctx
  return {
    issues,
    fixed: issues.filter((i) => i.fixed !== undefined).length,
    remaining: issues.filter((i) => i.fixed === undefined && i.severity === 'error').length,
  }
}
