import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { DEFAULT_DEDICATED_PORT, DEFAULT_SHARED_PORT, parseComposeFile } from '@systemprompt/compose'
import { assertTenantName, type ProjectLayout, projectLayout, withFileLock } from '@systemprompt/config/core'
import { type DownServerResult, downServer, resetServer } from '../runner/down.js'
import { type ServerLogsOptions, serverLogs } from '../runner/logs.js'
import type { RunnerProgress } from '../runner/progress.js'
import { type ServerStatus, serverStatus } from '../runner/status.js'
import { DEFAULT_READY_TIMEOUT_MS, type UpServerResult } from '../runner/up.js'
import { engineFor, type ProjectServerOptions, resolveImage } from './context.js'
import { ensurePasswordFile } from './passwords.js'
import { readSharedConfig } from './shared-config.js'
import { sharedSpec } from './shared-spec.js'
import { tenantSpec } from './tenant.js'

export interface TargetOptions extends ProjectServerOptions {
  /** Dedicated server of this tenant; the shared server when undefined. */
  tenant?: string
}

export interface DeclaredTarget {
  spec: PostgresServerSpec
  composeFile: string
  /** The compose file exists (otherwise the spec is what `db up` would generate). */
  fileExists: boolean
}

/**
 * The server a project-level command is about: what its compose file declares, or — when there is no
 * file yet — what `db up` would generate, so `down`, `status` and `logs` still find the container.
 */
export async function declaredTarget(options: TargetOptions): Promise<DeclaredTarget> {
  const layout = projectLayout(options.root)
  if (options.tenant !== undefined) assertTenantName(options.tenant)
  const composeFile =
    options.tenant === undefined ? layout.sharedCompose : layout.tenantCompose(options.tenant)
  const text = await readFile(composeFile, 'utf8').catch(() => undefined)
  if (text !== undefined) return { spec: parseComposeFile(text, composeFile), composeFile, fileExists: true }
  const spec =
    options.tenant === undefined
      ? await defaultSharedSpec(layout, options)
      : tenantSpec(layout.dockerDir, options.tenant, options, {
          image: resolveImage(options.postgresImage),
          port: DEFAULT_DEDICATED_PORT,
        })
  return { spec, composeFile, fileExists: false }
}

async function defaultSharedSpec(layout: ProjectLayout, options: TargetOptions) {
  const config = await readSharedConfig(layout)
  return sharedSpec(layout, options, {
    image: resolveImage(options.postgresImage, undefined, config?.image),
    port: config?.port ?? DEFAULT_SHARED_PORT,
  })
}

export interface StopServerOptions extends TargetOptions {
  /** Also remove the container (data stays in the volume). */
  removeContainer?: boolean
  onProgress?: RunnerProgress
}

/** `db down`: stop the server; the data stays. */
export async function stopServer(
  options: StopServerOptions,
): Promise<DownServerResult & { containerName: string }> {
  const { spec } = await declaredTarget(options)
  const engine = await engineFor(options)
  const result = await downServer(engine, spec, {
    ...(options.removeContainer ? { removeContainer: true } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  })
  return { ...result, containerName: spec.containerName }
}

export interface ResetProjectServerOptions extends TargetOptions {
  timeoutMs?: number
  onProgress?: RunnerProgress
}

export interface ResetProjectServerResult extends UpServerResult {
  containerName: string
  volumeName: string
  port: number
  /** Tenant databases this project had recorded in the shared server; they are gone now. */
  lostDatabases: string[]
}

/**
 * `db reset`: delete the server's data and start it fresh with the same admin password. The caller asks
 * for confirmation first (the shared server may hold other projects' databases too).
 */
export async function resetProjectServer(
  options: ResetProjectServerOptions,
): Promise<ResetProjectServerResult> {
  const { spec, composeFile, fileExists } = await declaredTarget(options)
  const engine = await engineFor(options)
  const layout = projectLayout(options.root)
  let lostDatabases: string[] = []
  if (options.tenant === undefined) {
    const config = await readSharedConfig(layout)
    // Keep the recorded admin password: the fresh cluster is initialised with it.
    if (config) await ensurePasswordFile(spec.passwordFile, config.admin_password)
    lostDatabases = config?.tenant_databases.map((d) => d.database_name) ?? []
  }
  const result = await resetServer(engine, spec, {
    timeoutMs: options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    ...(fileExists ? { composeFile } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  })
  return {
    ...result,
    containerName: spec.containerName,
    volumeName: spec.volumeName,
    port: spec.port,
    lostDatabases,
  }
}

export interface ProjectServerStatus extends ServerStatus {
  target: 'shared' | { tenant: string }
  composeFile: string
  composeFileExists: boolean
  declared: { image: string; port: number; containerName: string; volumeName: string }
}

/** `db status`: state, health, port, image, volume, uptime, drift between the compose file and the container. */
export async function projectServerStatus(options: TargetOptions): Promise<ProjectServerStatus> {
  const { spec, composeFile, fileExists } = await declaredTarget(options)
  const engine = await engineFor(options)
  const status = await serverStatus(engine, spec)
  return {
    target: options.tenant === undefined ? 'shared' : { tenant: options.tenant },
    composeFile,
    composeFileExists: fileExists,
    declared: {
      image: spec.image,
      port: spec.port,
      containerName: spec.containerName,
      volumeName: spec.volumeName,
    },
    ...status,
  }
}

/** `db logs`: a readable of the server's log; with `follow`, destroy it to stop. */
export async function projectServerLogs(options: TargetOptions & ServerLogsOptions): Promise<Readable> {
  const { spec } = await declaredTarget(options)
  const engine = await engineFor(options)
  return serverLogs(engine, spec, {
    ...(options.follow ? { follow: true } : {}),
    ...(options.tail !== undefined ? { tail: options.tail } : {}),
    ...(options.timestamps ? { timestamps: true } : {}),
  })
}

/**
 * Removes a tenant's dedicated server: its container and data volume (what its compose file declares, or
 * the default names), then its compose file and password file. Under the same lock as `ensureTenantServer`,
 * so a concurrent `db up <tenant>` never sees half of it. The caller has confirmed and checked the record.
 */
export async function removeTenantServer(
  root: string,
  tenant: string,
  options: ProjectServerOptions | Omit<ProjectServerOptions, 'root'>,
): Promise<void> {
  assertTenantName(tenant)
  const layout = projectLayout(root)
  const engine = await engineFor(options)
  await withFileLock(join(layout.locksDir, `tenant-server-${tenant}.lock`), async () => {
    const { spec } = await declaredTarget({ ...options, root, tenant, engine })
    const container = await engine.containers.inspect(spec.containerName)
    if (container) await engine.containers.remove(container.Id, { force: true })
    if (await engine.volumes.inspect(spec.volumeName))
      await engine.volumes.remove(spec.volumeName, { force: true })
    await rm(layout.tenantCompose(tenant), { force: true })
    await rm(layout.tenantPasswordFile(tenant), { force: true })
  })
}
