import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import type { PostgresServerSpec } from '@systemprompt/compose'
import {
  DEFAULT_DEDICATED_PORT,
  DEFAULT_SHARED_PORT,
  parseComposeFile,
  writeComposeProjectEnv,
} from '@systemprompt/compose'
import {
  assertTenantName,
  LABELS,
  type ProjectLayout,
  projectLayout,
  readPasswordFile,
  SystempromptError,
  withFileLock,
} from '@systemprompt/config/core'
import type { Engine } from '@systemprompt/engine'
import { type DownServerResult, downServer, resetServer } from '../runner/down.js'
import { type ServerLogsOptions, serverLogs } from '../runner/logs.js'
import {
  type ActingProject,
  copyProblem,
  isManaged,
  type ObjectOwner,
  ownerOf,
  ownershipProblem,
} from '../runner/ownership.js'
import type { RunnerProgress } from '../runner/progress.js'
import { type ServerStatus, serverStatus } from '../runner/status.js'
import { DEFAULT_READY_TIMEOUT_MS, type UpServerResult } from '../runner/up.js'
import { engineFor, type ProjectServerOptions, resolveImage, sharedServerLockFile } from './context.js'
import { commitServer, type PlannedServer, planServer } from './declare.js'
import { findLegacyServer, type LegacyServer, legacySpec, retireLegacyServer } from './legacy.js'
import { ensurePasswordFile } from './passwords.js'
import { readSharedConfig, recordSharedConfig } from './shared-config.js'
import { sharedSpec } from './shared-spec.js'
import {
  assertDeclaresProject,
  type DedicatedTenant,
  readDeclared,
  requireDedicatedTenant,
  tenantSpec,
} from './tenant-target.js'

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
 * file yet — what `db up` would generate, so `down`, `status` and `logs` still find the container. A tenant
 * must be one of this project's dedicated tenants (TENANT_NOT_FOUND, TENANT_NOT_DEDICATED otherwise); its
 * server is always this project's (names and labels carry the project id).
 */
export async function declaredTarget(options: TargetOptions): Promise<DeclaredTarget> {
  const layout = projectLayout(options.root)
  if (options.tenant === undefined) return sharedTarget(layout, options)
  const { spec, composeFile, fileExists } = await tenantTarget(layout, options.tenant, options)
  return { spec, composeFile, fileExists }
}

async function sharedTarget(layout: ProjectLayout, options: TargetOptions): Promise<DeclaredTarget> {
  const composeFile = layout.sharedCompose
  const text = await readFile(composeFile, 'utf8').catch(() => undefined)
  if (text !== undefined) return { spec: parseComposeFile(text, composeFile), composeFile, fileExists: true }
  const config = await readSharedConfig(layout)
  const spec = sharedSpec(layout, options, {
    image: resolveImage(options.postgresImage, undefined, config?.image),
    port: config?.port ?? DEFAULT_SHARED_PORT,
  })
  return { spec, composeFile, fileExists: false }
}

interface TenantTarget extends DeclaredTarget {
  owner: DedicatedTenant
  engine: Engine
  /** The compose file to (re)write after a change, when it was generated (not hand-edited). */
  plan: PlannedServer
  /** A server of this tenant made before names carried the project id, provably this project's. */
  legacy?: LegacyServer
  /** The project's root directory. */
  root: string
}

/**
 * A tenant's server: the compose file when it declares this project's server; what `db up` generates when
 * the file is missing or was generated from other inputs (also one generated before names carried the
 * project id); a hand-edited file that declares another project (or none) is refused.
 */
async function tenantTarget(
  layout: ProjectLayout,
  tenant: string,
  options: TargetOptions,
): Promise<TenantTarget> {
  assertTenantName(tenant)
  const found = await requireDedicatedTenant(layout, tenant)
  const engine = await engineFor(options)
  const composeFile = layout.tenantCompose(tenant)
  const existing = await readDeclared(composeFile)
  const lookup = await findLegacyServer(engine, layout, tenant, options.instance, existing, 'change')
  const legacy = lookup.kind === 'ours' ? lookup.server : undefined
  const owner = legacy ? { ...found, record: { ...found.record, volume_name: legacy.volumeName } } : found
  const desired = tenantSpec(layout, owner, options, {
    image: existing?.image ?? resolveImage(options.postgresImage),
    port: existing?.port ?? owner.record.port ?? DEFAULT_DEDICATED_PORT,
  })
  const plan: PlannedServer =
    existing?.projectId === owner.projectId && existing.tenant === tenant
      ? { spec: existing, handEdited: false, needsWrite: false, generated: false }
      : await planServer(composeFile, desired)
  assertDeclaresProject(plan.spec, owner.projectId, composeFile, tenant)
  return {
    spec: plan.spec,
    composeFile,
    fileExists: existing !== undefined,
    owner: found,
    engine,
    plan,
    root: layout.root,
    ...(legacy ? { legacy } : {}),
  }
}

/** The legacy container of ours stands in for the target while the target has none (not migrated yet). */
async function standIn(target: TenantTarget): Promise<PostgresServerSpec> {
  const legacy = target.legacy
  if (!legacy?.container) return target.spec
  if (await target.engine.containers.inspect(target.spec.containerName)) return target.spec
  return legacySpec(target.spec, legacy)
}

export interface StopServerOptions extends TargetOptions {
  /** Also remove the container (data stays in the volume). */
  removeContainer?: boolean
  onProgress?: RunnerProgress
}

/** `db down`: stop the server; the data stays. Never another project's container. */
export async function stopServer(
  options: StopServerOptions,
): Promise<DownServerResult & { containerName: string }> {
  const down = {
    ...(options.removeContainer ? { removeContainer: true } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  }
  if (options.tenant !== undefined) {
    const target = await tenantTarget(projectLayout(options.root), options.tenant, options)
    const spec = await standIn(target)
    const result = await downServer(target.engine, spec, { ...down, project: acting(target) })
    return { ...result, containerName: spec.containerName }
  }
  const { spec } = await declaredTarget(options)
  // The shared server's machine-wide lock: never stopped while another project's `db up` realises it.
  const result = await withFileLock(
    sharedServerLockFile(options.dataDir, spec.containerName),
    async () => downServer(await engineFor(options), spec, down),
    { timeoutMs: DEFAULT_READY_TIMEOUT_MS + 30_000 },
  )
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
 * for confirmation first (the shared server may hold other projects' databases too). A tenant's reset is
 * serialised with `db up` of that tenant, touches only this project's server, and first moves a server made
 * before names carried the project id onto the new names (its volume is the one reset).
 */
export async function resetProjectServer(
  options: ResetProjectServerOptions,
): Promise<ResetProjectServerResult> {
  const layout = projectLayout(options.root)
  const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS
  const progress = options.onProgress ? { onProgress: options.onProgress } : {}
  const tenant = options.tenant
  if (tenant === undefined) {
    const { spec, composeFile, fileExists } = await declaredTarget(options)
    // The shared server's machine-wide lock: no other project's `db up` realises it while it is reset.
    return withFileLock(
      sharedServerLockFile(options.dataDir, spec.containerName),
      () => resetShared(options, layout, { spec, composeFile, fileExists }, timeoutMs),
      { timeoutMs: timeoutMs + 30_000 },
    )
  }
  assertTenantName(tenant)
  return withFileLock(
    join(layout.locksDir, `tenant-server-${tenant}.lock`),
    async () => {
      const target = await tenantTarget(layout, tenant, options)
      const { engine, spec, composeFile } = target
      const record = target.legacy
        ? await retireLegacyServer(engine, layout, target.owner.record, target.legacy, options.onProgress)
        : target.owner.record
      await assertRecordedVolume(engine, spec, record.volume_name)
      const project = acting(target)
      const result = await resetServer(engine, spec, { timeoutMs, composeFile, ...progress, project })
      if (await commitServer(composeFile, target.plan)) await writeProjectEnv(layout, spec)
      return { ...result, ...where(spec), lostDatabases: [] }
    },
    { timeoutMs: timeoutMs + 30_000 },
  )
}

/** The project a tenant target belongs to, as the runner's copy check wants it. */
function acting(target: TenantTarget): ActingProject {
  return { projectId: target.owner.projectId, root: target.root }
}

/**
 * A volume without a project label is this tenant's only when its record names it (set when a container of
 * ours once proved the volume is this project's): legacy names are the same in every project, so a volume
 * alone proves nothing and its data is never deleted on that ground.
 */
async function assertRecordedVolume(
  engine: Engine,
  spec: PostgresServerSpec,
  recorded: string | undefined,
): Promise<void> {
  const volume = await engine.volumes.inspect(spec.volumeName)
  if (!volume || volume.Labels?.[LABELS.project] !== undefined || spec.volumeName === recorded) return
  throw new SystempromptError({
    code: 'SERVER_OWNED_ELSEWHERE',
    category: 'conflict',
    message: `Volume ${spec.volumeName} carries no ${LABELS.project} label and tenant ${spec.tenant ?? ''}'s record does not name it: systemprompt cannot prove it is this project's, so its data is not deleted`,
    fix: `Run \`systemprompt db up ${spec.tenant ?? ''}\` first (it adopts a server of this project made before names carried the project id), or remove the volume yourself if it is really not needed (\`docker volume rm ${spec.volumeName}\`)`,
    details: { volume: spec.volumeName, labels: volume.Labels ?? {} },
  })
}

/** `db reset` of the shared server, under its machine-wide lock. */
async function resetShared(
  options: ResetProjectServerOptions,
  layout: ProjectLayout,
  { spec, composeFile, fileExists }: DeclaredTarget,
  timeoutMs: number,
): Promise<ResetProjectServerResult> {
  const progress = options.onProgress ? { onProgress: options.onProgress } : {}
  const config = await readSharedConfig(layout)
  // The fresh cluster is initialised from the machine-wide password file. Keep the password the server
  // runs with (other projects recorded it): a wrong admin_password in this project must not become the
  // server's. Only without such a file does this project's record provide it.
  const serverPassword = (await readPasswordFile(spec.passwordFile)) || undefined
  if (serverPassword === undefined && config)
    await ensurePasswordFile(spec.passwordFile, config.admin_password)
  const result = await resetServer(await engineFor(options), spec, {
    timeoutMs,
    ...(fileExists ? { composeFile } : {}),
    ...progress,
  })
  if (config && serverPassword !== undefined && serverPassword !== config.admin_password)
    await recordSharedConfig(layout, config, { password: serverPassword })
  const lostDatabases = config?.tenant_databases.map((d) => d.database_name) ?? []
  return { ...result, ...where(spec), lostDatabases }
}

function where(spec: PostgresServerSpec) {
  return { containerName: spec.containerName, volumeName: spec.volumeName, port: spec.port }
}

async function writeProjectEnv(layout: ProjectLayout, spec: PostgresServerSpec): Promise<void> {
  await withFileLock(join(layout.locksDir, 'compose-env.lock'), () =>
    writeComposeProjectEnv(layout.dockerDir, spec.project),
  )
}

export interface ProjectServerStatus extends ServerStatus {
  target: 'shared' | { tenant: string }
  composeFile: string
  composeFileExists: boolean
  declared: { image: string; port: number; containerName: string; volumeName: string }
  /**
   * The container shown is this tenant's server made before names carried the project id: the next
   * `db up <tenant>` moves it to `declared.containerName` (data kept).
   */
  legacy?: boolean
}

/**
 * `db status`: state, health, port, image, volume, uptime, drift between the compose file and the container;
 * for a dedicated server its owner (this project). Another project's container is never shown
 * (SERVER_OWNED_ELSEWHERE says whose it is).
 */
export async function projectServerStatus(options: TargetOptions): Promise<ProjectServerStatus> {
  if (options.tenant === undefined) {
    const { spec, composeFile, fileExists } = await declaredTarget(options)
    const status = await serverStatus(await engineFor(options), spec)
    return {
      target: 'shared',
      composeFile,
      composeFileExists: fileExists,
      declared: declaredOf(spec),
      ...status,
    }
  }
  const target = await tenantTarget(projectLayout(options.root), options.tenant, options)
  const shown = await standIn(target)
  const status = await serverStatus(target.engine, shown)
  return {
    target: { tenant: options.tenant },
    composeFile: target.composeFile,
    composeFileExists: target.fileExists,
    declared: declaredOf(target.spec),
    ...status,
    ...(shown !== target.spec ? { legacy: true } : {}),
  }
}

function declaredOf(spec: PostgresServerSpec): ProjectServerStatus['declared'] {
  return {
    image: spec.image,
    port: spec.port,
    containerName: spec.containerName,
    volumeName: spec.volumeName,
  }
}

/** `db logs`: a readable of the server's log; with `follow`, destroy it to stop. Never another project's. */
export async function projectServerLogs(options: TargetOptions & ServerLogsOptions): Promise<Readable> {
  const logs = {
    ...(options.follow ? { follow: true } : {}),
    ...(options.tail !== undefined ? { tail: options.tail } : {}),
    ...(options.timestamps ? { timestamps: true } : {}),
  }
  if (options.tenant !== undefined) {
    const target = await tenantTarget(projectLayout(options.root), options.tenant, options)
    return serverLogs(target.engine, await standIn(target), logs)
  }
  const { spec } = await declaredTarget(options)
  return serverLogs(await engineFor(options), spec, logs)
}

/** A Docker object `removeTenantServer` left alone because it is not this project's. */
interface SkippedObject {
  kind: 'container' | 'volume'
  name: string
  owner: ObjectOwner
}

export interface RemovedTenantServer {
  /** Containers and volumes of this project's server that were removed. */
  removed: { kind: 'container' | 'volume'; name: string }[]
  /** Objects the compose file (or the default names) pointed at that belong to someone else: untouched. */
  skipped: SkippedObject[]
}

/**
 * Removes a tenant's dedicated server: its container and data volume (what its compose file declares, the
 * default names, and a server of ours made before names carried the project id), then its compose file and
 * password file. Every object is checked first: one that is not this project's (another project's, or a
 * pending record's name that was someone else's all along) is skipped and reported, never touched. Under
 * the same lock as `ensureTenantServer`, so a concurrent `db up <tenant>` never sees half of it. The caller
 * has confirmed and holds the record.
 */
export async function removeTenantServer(
  root: string,
  tenant: string,
  options: ProjectServerOptions | Omit<ProjectServerOptions, 'root'>,
): Promise<RemovedTenantServer> {
  assertTenantName(tenant)
  const layout = projectLayout(root)
  const owner = await requireDedicatedTenant(layout, tenant)
  const engine = await engineFor(options)
  return withFileLock(join(layout.locksDir, `tenant-server-${tenant}.lock`), async () => {
    const composeFile = layout.tenantCompose(tenant)
    // Whatever the file says (even a hand edit naming another project's server): each object is checked.
    const declared = await readDeclared(composeFile).catch(() => undefined)
    const lookup = await findLegacyServer(engine, layout, tenant, options.instance, declared, 'change')
    const legacy = lookup.kind === 'ours' ? lookup.server : undefined
    const own = tenantSpec(layout, owner, options, {
      image: resolveImage(options.postgresImage),
      port: DEFAULT_DEDICATED_PORT,
    })
    const adopted = new Set([owner.record.volume_name, legacy?.volumeName].filter((v) => v !== undefined))
    const result: RemovedTenantServer = { removed: [], skipped: [] }
    const project: ActingProject = { projectId: owner.projectId, root: layout.root }
    const expected = { projectId: owner.projectId, tenant }
    const containers = unique([own.containerName, declared?.containerName])
    for (const name of containers) {
      const info = await engine.containers.inspect(name)
      if (!info) continue
      const object = { kind: 'container' as const, name, labels: info.Config.Labels }
      if (!isManaged(info) || ownershipProblem(object, expected) || (await copyProblem(object, project))) {
        result.skipped.push({ kind: 'container', name, owner: ownerOf(info.Config.Labels) })
        continue
      }
      await engine.containers.remove(info.Id, { force: true })
      result.removed.push({ kind: 'container', name })
    }
    if (legacy?.container) {
      await engine.containers.remove(legacy.container.Id, { force: true })
      result.removed.push({ kind: 'container', name: legacy.containerName })
    } else if (lookup.kind === 'foreign') {
      result.skipped.push({ kind: 'container', name: lookup.containerName, owner: {} })
    }
    for (const name of unique([own.volumeName, declared?.volumeName, ...adopted])) {
      const volume = await engine.volumes.inspect(name)
      if (!volume) continue
      const object = { kind: 'volume' as const, name, labels: volume.Labels }
      const acceptUnlabelled = adopted.has(name)
      if (
        ownershipProblem(object, { ...expected, acceptUnlabelled }) ||
        (await copyProblem(object, project))
      ) {
        result.skipped.push({ kind: 'volume', name, owner: ownerOf(volume.Labels) })
        continue
      }
      await engine.volumes.remove(name, { force: true })
      result.removed.push({ kind: 'volume', name })
    }
    await rm(composeFile, { force: true })
    await rm(layout.tenantPasswordFile(tenant), { force: true })
    return result
  })
}

function unique(names: (string | undefined)[]): string[] {
  return [...new Set(names.filter((n): n is string => n !== undefined))]
}
