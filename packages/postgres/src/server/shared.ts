import { readFile, rm } from 'node:fs/promises'
import { join, relative } from 'node:path'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { configHash, DEFAULT_SHARED_PORT, SECRET_MOUNT_PATH, sha256Hex } from '@systemprompt/compose'
import {
  type ProjectLayout,
  projectLayout,
  SECRET_DIR_MODE,
  SECRET_FILE_MODE,
  withFileLock,
  writeFileAtomic,
} from '@systemprompt/config/core'
import { type ContainerInfo, type Engine, LABELS } from '@systemprompt/engine'
import { adoptSharedServer } from '../runner/adopt.js'
import { isManaged, publishedPort } from '../runner/ownership.js'
import type { RunnerProgress } from '../runner/progress.js'
import { DEFAULT_READY_TIMEOUT_MS, type UpAction, upServer, volumeOrphanedError } from '../runner/up.js'
import { engineFor, overridesFromEnv, type ProjectServerOptions, resolveImage } from './context.js'
import { commitServer, planServer } from './declare.js'
import { ensurePasswordFile, newPassword } from './passwords.js'
import { readSharedConfig, recordSharedConfig } from './shared-config.js'
import { runningAsDeclared } from './shared-fast.js'
import { sharedSpec } from './shared-spec.js'
import { adoptUnmanagedShared } from './shared-unmanaged.js'

export { ensurePasswordFile, newPassword } from './passwords.js'
export { sharedSpec } from './shared-spec.js'

export interface EnsureSharedServerOptions extends ProjectServerOptions {
  /** Host port (flag --port); default: recorded in shared_config.json, else 5432. */
  port?: number
  /** Image asked for by the profile's docker settings (SYSTEMPROMPT_POSTGRES_IMAGE still wins). */
  image?: string
  timeoutMs?: number
  onProgress?: RunnerProgress
  /** Delete an orphaned volume (the user confirmed or passed --reset-volume). */
  resetVolume?: boolean
}

export interface EnsureServerResult {
  spec: PostgresServerSpec
  /** For internal callers (tenant creation) only: never print it. */
  adminPassword: string
  port: number
  action: UpAction
  /** The server was made by another project and this project took over its admin password. */
  adopted: boolean
  composeFile: string
  /** The compose file was edited by hand; it was realised as it is. */
  composeHandEdited: boolean
  elapsedMs: number
  warnings: string[]
}

/**
 * `db up` for the shared server: make sure shared_config.json (admin password generated once, kept), the
 * 0600 password file and docker/shared.yaml exist and agree, adopt a shared container made by another
 * project, then realise the file and wait until PostgreSQL accepts a login.
 *
 * Order matters: everything that can refuse (adoption's login, orphaned volume, image, port) runs before
 * shared_config.json or shared.yaml change; a new port or image is recorded only once the server runs
 * with it. The one exception is a brand-new server: its admin password is recorded before a volume can be
 * initialised with it, and rolled back when the attempt failed before any volume existed.
 */
export async function ensureSharedServer(options: EnsureSharedServerOptions): Promise<EnsureServerResult> {
  const started = Date.now()
  const env = options.env ?? process.env
  const layout = projectLayout(options.root)
  const engine = await engineFor(options)
  const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS
  // Running exactly as declared: answer without the lock, the schemas or the YAML parser.
  const unchanged = await runningAsDeclared(engine, layout, env, options, started)
  if (unchanged) return unchanged
  // One `db up` per project at a time; concurrent `tenant create`s queue here instead of racing the engine.
  return withFileLock(
    join(layout.locksDir, 'shared-server.lock'),
    () => ensureLocked(engine, layout, env, options, timeoutMs, started),
    { timeoutMs: timeoutMs + 30_000 },
  )
}

async function ensureLocked(
  engine: Engine,
  layout: ProjectLayout,
  env: NodeJS.ProcessEnv,
  options: EnsureSharedServerOptions,
  timeoutMs: number,
  started: number,
): Promise<EnsureServerResult> {
  const warnings: string[] = []
  const config = await readSharedConfig(layout.sharedConfig)
  const names = sharedSpec(layout, env, {
    image: resolveImage(env, options.image, config?.image),
    port: options.port ?? config?.port ?? DEFAULT_SHARED_PORT,
    overrides: options.overrides ?? overridesFromEnv(env),
  })
  const container = await engine.containers.inspect(names.containerName)
  if (container && !isManaged(container)) {
    return adoptUnmanagedShared({ engine, layout, options, config, names, container, timeoutMs, started })
  }
  // A project that finds the shared server already there (and has no record yet) joins it as it is: its
  // image and port are kept (SYSTEMPROMPT_POSTGRES_IMAGE does not apply to another project's server).
  const joining = container !== undefined && !config
  const desired: PostgresServerSpec =
    container && joining
      ? {
          ...names,
          image: options.image ?? container.Config.Image,
          port: options.port ?? publishedPort(container) ?? names.port,
        }
      : names

  // Who knows the admin password: our record, or (made elsewhere) the container itself.
  let password = config?.admin_password
  let adopted = false
  let startedByAdoption = false
  if (container && (!config || secretSource(container) !== desired.passwordFile)) {
    const result = await adoptSharedServer(
      engine,
      { ...desired, port: publishedPort(container) ?? desired.port },
      {
        timeoutMs,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
    ).catch((error: unknown) => {
      // Our own record still opens it (the project only moved): nothing to adopt.
      if (config) return undefined
      throw error
    })
    startedByAdoption = result?.started ?? false
    if (result && result.password !== config?.admin_password) {
      password = result.password
      adopted = true
      if (config)
        warnings.push(
          'The shared server was created by another project; this project now uses its admin password.',
        )
    }
  }
  if (!container && !config) {
    const volume = await engine.volumes.inspect(desired.volumeName)
    if (volume && !options.resetVolume) throw volumeOrphanedError(desired, volume)
  }
  password ??= newPassword()

  const plan = await planServer(layout.sharedCompose, desired, { port: options.port })
  if (plan.handEdited) warnings.push(`${layout.sharedCompose} was edited by hand; it was used as it is.`)

  const fresh = !container && !config
  const previousPasswordText = await readFile(plan.spec.passwordFile, 'utf8').catch(() => undefined)
  let recorded = config
  // A brand-new server: the password goes on record before a volume can be initialised with it.
  if (fresh) recorded = await recordSharedConfig(layout, undefined, { password, port: plan.spec.port })
  await ensurePasswordFile(plan.spec.passwordFile, password)

  let action: UpAction
  if (container && joining && container.Config.Labels?.[LABELS.configHash] !== configHash(plan.spec)) {
    // Joining never re-creates the other project's server, even if this project would declare it a little
    // differently; adoption already proved it running and the password right.
    action = startedByAdoption ? 'started' : 'unchanged'
    warnings.push(
      `The shared server ${container.Name.replace(/^\//, '')} differs from what this project declares; it was adopted as it is.`,
    )
  } else {
    try {
      const up = await upServer(engine, plan.spec, {
        timeoutMs,
        password,
        composeFile: layout.sharedCompose,
        volumeKnown: Boolean(config) || adopted,
        // Our own container still mounting the password file from inside the project (before it moved
        // to the per-user location): re-create it so it no longer depends on the project directory.
        ...(container && movedOutOfProject(container, layout, plan.spec) ? { recreate: true } : {}),
        ...(options.resetVolume ? { resetVolume: true } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      })
      action = startedByAdoption && up.action === 'unchanged' ? 'started' : up.action
    } catch (error) {
      if (fresh) await rollbackFresh(engine, layout, plan.spec, previousPasswordText)
      throw error
    }
  }

  // It runs as planned: now the files may say so.
  await commitServer(layout.sharedCompose, plan)
  const composeText = plan.generated ? await readFile(layout.sharedCompose, 'utf8') : undefined
  await recordSharedConfig(layout, recorded, {
    password,
    port: plan.spec.port,
    image: plan.spec.image,
    composeSha256: composeText === undefined ? null : sha256Hex(composeText),
  })
  return {
    spec: plan.spec,
    adminPassword: password,
    port: plan.spec.port,
    action,
    adopted,
    composeFile: layout.sharedCompose,
    composeHandEdited: plan.handEdited,
    elapsedMs: Date.now() - started,
    warnings,
  }
}

/**
 * A brand-new server that failed before any volume existed (no image, port taken, ...): nothing was
 * initialised with the new password, so nothing of this attempt stays behind. With a volume, the record
 * stays: the volume may already hold a cluster initialised with that password.
 */
async function rollbackFresh(
  engine: Engine,
  layout: ProjectLayout,
  spec: PostgresServerSpec,
  previousPasswordText: string | undefined,
): Promise<void> {
  const volume = await engine.volumes.inspect(spec.volumeName).catch(() => 'unknown')
  if (volume) return
  await rm(layout.sharedConfig, { force: true })
  if (previousPasswordText === undefined) await rm(spec.passwordFile, { force: true })
  else
    await writeFileAtomic(spec.passwordFile, previousPasswordText, {
      mode: SECRET_FILE_MODE,
      dirMode: SECRET_DIR_MODE,
    })
}

/** Host file bind-mounted as the admin password secret. */
export function secretSource(container: ContainerInfo): string | undefined {
  return container.Mounts.find((m) => m.Destination === SECRET_MOUNT_PATH)?.Source
}

/** The container mounts its password file from inside this project, and the spec declares another one. */
function movedOutOfProject(
  container: ContainerInfo,
  layout: ProjectLayout,
  spec: PostgresServerSpec,
): boolean {
  const source = secretSource(container)
  if (!source || source === spec.passwordFile) return false
  const rel = relative(layout.dockerDir, source)
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith('/')
}
