import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { DEFAULT_DEDICATED_PORT, writeComposeProjectEnv } from '@systemprompt/compose'
import {
  assertTenantName,
  isSystempromptError,
  type ProjectLayout,
  projectLayout,
  readPasswordFile,
  withFileLock,
} from '@systemprompt/config/core'
import type { Engine } from '@systemprompt/engine'
import { ensureImage } from '../runner/image.js'
import { assertOurs, publishedPort } from '../runner/ownership.js'
import { portsOfStoppedServers, suggestFreePort } from '../runner/ports.js'
import type { RunnerProgress } from '../runner/progress.js'
import { DEFAULT_READY_TIMEOUT_MS, upServer, volumeOrphanedError } from '../runner/up.js'
import { engineFor, resolveImage, type ServerEnvironment } from './context.js'
import { commitServer, planServer } from './declare.js'
import { findLegacyServer, type LegacyLookup, retireLegacyServer } from './legacy.js'
import { ensurePasswordFile, newPassword } from './passwords.js'
import { type EnsureServerResult, serverResult } from './server-result.js'
import {
  assertDeclaresProject,
  type DedicatedTenant,
  readDeclared,
  requireDedicatedTenant,
  tenantSpec,
} from './tenant-target.js'

export interface EnsureTenantServerOptions extends ServerEnvironment {
  /**
   * Host port; default: the one in docker/<tenant>.yaml, else the tenant record's, else the first free from
   * `portStart` (chosen under a per-user lock, so two projects never pick the same one).
   */
  port?: number
  /** Where the search for a free port starts (the profile's docker.dedicated_port_start); default 5433. */
  portStart?: number
  /** Image asked for by the profile's docker settings (`postgresImage` still wins). */
  image?: string
  timeoutMs?: number
  onProgress?: RunnerProgress
  resetVolume?: boolean
}

/** How often a port we chose is tried again (the next free one) when another process took it meanwhile. */
const PORT_ATTEMPTS = 4

/**
 * `db up --tenant T`: the tenant's dedicated server, declared in docker/<tenant>.yaml with its own admin
 * password in docker/.secrets/<tenant>.password (generated once, kept). Container, volume and compose project
 * carry this project's id, so another project's tenant of the same name has its own server; a container of
 * another project is refused (SERVER_OWNED_ELSEWHERE), never taken over. A server made before names carried
 * the project id is adopted when it provably is this project's, and moved to the new names with its data.
 * Only for a tenant recorded in tenants.json with `database: dedicated` (in any state: `cloud tenant
 * create` records it `pending` before it starts the server). Nothing is written when it refuses, and a
 * first attempt that fails before any volume exists leaves no files behind.
 */
export async function ensureTenantServer(
  root: string,
  tenant: string,
  options: EnsureTenantServerOptions,
): Promise<EnsureServerResult> {
  const started = Date.now()
  assertTenantName(tenant)
  const layout = projectLayout(root)
  const owner = await requireDedicatedTenant(layout, tenant)
  const engine = await engineFor(options)
  const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS
  return withFileLock(
    join(layout.locksDir, `tenant-server-${tenant}.lock`),
    () => ensureLocked({ engine, layout, owner, options, timeoutMs, started }),
    { timeoutMs: timeoutMs + 30_000 },
  )
}

interface EnsureJob {
  engine: Engine
  layout: ProjectLayout
  owner: DedicatedTenant
  options: EnsureTenantServerOptions
  timeoutMs: number
  started: number
}

async function ensureLocked(job: EnsureJob): Promise<EnsureServerResult> {
  const { engine, layout, owner, options } = job
  const tenant = owner.record.name
  const warnings: string[] = []
  const composeFile = layout.tenantCompose(tenant)
  const passwordFile = layout.tenantPasswordFile(tenant)
  const existingFile = await readDeclared(composeFile)
  const legacy = await findLegacyServer(engine, layout, tenant, options.instance, existingFile, 'up')
  if (legacy.kind === 'foreign')
    warnings.push(
      `Container ${legacy.containerName} (a server of a tenant ${tenant} made before names carried the project id) belongs to another project; it was left alone.`,
    )
  const adopted = legacy.kind === 'ours' ? legacy.server : undefined
  const names = tenantSpec(
    layout,
    adopted ? { ...owner, record: { ...owner.record, volume_name: adopted.volumeName } } : owner,
    options,
    {
      image: resolveImage(options.postgresImage, options.image, existingFile?.image),
      port: DEFAULT_DEDICATED_PORT,
    },
  )
  const container = await engine.containers.inspect(names.containerName)
  // Another project's (or nobody's) container under our name: refused before anything is written.
  if (container) assertOurs(names, container, 'up')
  const existingPassword = await readPasswordFile(passwordFile)
  const known = Boolean(existingFile) || existingPassword !== undefined || adopted !== undefined
  if (!container && !known) {
    const volume = await engine.volumes.inspect(names.volumeName)
    if (volume && !options.resetVolume) throw volumeOrphanedError(names, volume)
  }
  const password = existingPassword || newPassword()
  const fixedPort =
    options.port ??
    existingFile?.port ??
    owner.record.port ??
    publishedPort(container) ??
    publishedPort(adopted?.container)
  const realise = realiser(job, { names, composeFile, passwordFile, password, known, legacy, warnings })
  try {
    if (fixedPort !== undefined) return await realise(fixedPort)
    return await withChosenPort(job, tenant, names.image, realise)
  } catch (error) {
    // A first attempt that failed before any volume existed (no image, port taken): nothing depends on
    // the new password, so the password file this call created goes again.
    if (existingPassword === undefined && !(await engine.volumes.inspect(names.volumeName).catch(() => true)))
      await rm(passwordFile, { force: true })
    throw error
  }
}

/** Realises the server on a port; `onPortBound` is called once its container is started with the port bound. */
type Realise = (port: number, onPortBound?: () => void) => Promise<EnsureServerResult>

interface Realisation {
  names: PostgresServerSpec
  composeFile: string
  passwordFile: string
  password: string
  known: boolean
  legacy: LegacyLookup
  warnings: string[]
}

/** Plans the compose file for a port, moves a legacy server of ours out of the way (once), realises, commits. */
function realiser(job: EnsureJob, r: Realisation): Realise {
  const { engine, layout, owner, options } = job
  let legacy = r.legacy
  return async (port, onPortBound) => {
    const plan = await planServer(r.composeFile, { ...r.names, port }, { port: options.port })
    if (plan.handEdited) {
      assertDeclaresProject(plan.spec, owner.projectId, r.composeFile, owner.record.name)
      const note = `${r.composeFile} was edited by hand; it was used as it is.`
      if (!r.warnings.includes(note)) r.warnings.push(note)
    }
    await ensurePasswordFile(r.passwordFile, r.password)
    if (legacy.kind === 'ours') {
      // The image is checked first: a refused move leaves the old container running.
      await ensureImage(engine, plan.spec.image, options.onProgress)
      await retireLegacyServer(engine, layout, owner.record, legacy.server, options.onProgress)
      r.warnings.push(
        `Moved tenant ${owner.record.name}'s server from ${legacy.server.containerName} to ${plan.spec.containerName}; its data stays in ${legacy.server.volumeName}.`,
      )
      legacy = { kind: 'none' }
    }
    const up = await upServer(engine, plan.spec, {
      timeoutMs: job.timeoutMs,
      password: r.password,
      composeFile: r.composeFile,
      volumeKnown: r.known,
      project: { projectId: owner.projectId, root: layout.root },
      ...(onPortBound ? { onPortBound } : {}),
      ...(options.resetVolume ? { resetVolume: true } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    })
    await commitServer(r.composeFile, plan)
    await withFileLock(join(layout.locksDir, 'compose-env.lock'), () =>
      writeComposeProjectEnv(layout.dockerDir, plan.spec.project),
    )
    return serverResult({
      spec: plan.spec,
      adminPassword: r.password,
      action: up.action,
      composeFile: r.composeFile,
      composeHandEdited: plan.handEdited,
      started: job.started,
      warnings: r.warnings,
    })
  }
}

/**
 * No port given or recorded: pick the first free one under a per-user lock held until the container
 * publishes it, so concurrent creates in two projects never pick the same port. A port taken by someone else
 * between the pick and the start (a process that is not ours) is given up for the next free one, a few times.
 * The image is made present before the lock, and the lock is let go as soon as the container is started
 * with its port bound: a cold pull or a slow first start never keeps other projects' creates waiting.
 */
async function withChosenPort(
  job: EnsureJob,
  tenant: string,
  image: string,
  realise: Realise,
): Promise<EnsureServerResult> {
  const { engine, options } = job
  await ensureImage(engine, image, options.onProgress)
  const started = await withFileLock(
    join(options.dataDir, '.locks', 'dedicated-ports.lock'),
    async () => {
      const exclude = [
        ...(await portsOfOtherTenants(job.layout.dockerDir, tenant)),
        ...(await portsOfStoppedServers(engine)),
      ]
      let port = await suggestFreePort(engine, options.portStart ?? DEFAULT_DEDICATED_PORT, exclude)
      for (let attempt = 1; ; attempt++) {
        let portBound: () => void = () => {}
        const bound = new Promise<void>((resolve) => {
          portBound = resolve
        })
        const running = realise(port, portBound)
        try {
          await Promise.race([running, bound])
          // Wrapped: returning the promise itself would have the lock wait for it.
          return { running }
        } catch (error) {
          if (!isSystempromptError(error) || error.code !== 'PORT_IN_USE' || attempt >= PORT_ATTEMPTS)
            throw error
          exclude.push(port)
          options.onProgress?.({
            step: 'create',
            message: `Port ${port} was taken meanwhile: trying the next free one`,
          })
          port = await suggestFreePort(engine, port + 1, exclude)
        }
      }
    },
    { timeoutMs: job.timeoutMs + 30_000 },
  )
  return started.running
}

/** Ports declared by the other compose files of the project, so two stopped tenants never get one port. */
async function portsOfOtherTenants(dockerDir: string, tenant: string): Promise<number[]> {
  const { readdir } = await import('node:fs/promises')
  const names = await readdir(dockerDir).catch(() => [] as string[])
  const ports: number[] = []
  for (const name of names) {
    if (!name.endsWith('.yaml') || name === `${tenant}.yaml`) continue
    const spec = await readDeclared(join(dockerDir, name)).catch(() => undefined)
    if (spec) ports.push(spec.port)
  }
  return ports
}
