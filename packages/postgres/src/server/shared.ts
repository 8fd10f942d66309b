import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { DEFAULT_SHARED_PORT, sha256Hex } from '@systemprompt/compose'
import type { SharedConfig } from '@systemprompt/config'
import {
  type ProjectLayout,
  projectLayout,
  SECRET_DIR_MODE,
  SECRET_FILE_MODE,
  withFileLock,
  writeFileAtomic,
} from '@systemprompt/config/core'
import type { ContainerInfo, Engine } from '@systemprompt/engine'
import { type AdoptServerResult, adoptSharedServer } from '../runner/adopt.js'
import {
  DEFAULT_READY_TIMEOUT_MS,
  type UpAction,
  type UpServerResult,
  upServer,
  volumeOrphanedError,
} from '../runner/up.js'
import { engineFor, resolveImage } from './context.js'
import { commitServer, type PlannedServer, planServer } from './declare.js'
import { ensurePasswordFile, newPassword } from './passwords.js'
import { type EnsureServerResult, serverResult } from './server-result.js'
import {
  actionAfterAdoption,
  adoptionSpec,
  classifyShared,
  differsFromDeclared,
  joinedSpec,
  movedOutOfProject,
} from './shared-cases.js'
import { readSharedConfig, recordSharedConfig, removeSharedConfig } from './shared-config.js'
import { runningAsDeclared } from './shared-fast.js'
import type { EnsureSharedServerOptions } from './shared-options.js'
import { sharedSpec } from './shared-spec.js'
import { adoptUnmanagedShared } from './shared-unmanaged.js'

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
  const layout = projectLayout(options.root)
  const engine = await engineFor(options)
  const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS
  // Running exactly as declared: answer without the lock, the schemas or the YAML parser.
  const unchanged = await runningAsDeclared(engine, layout, options, started)
  if (unchanged) return unchanged
  // One `db up` per project at a time; concurrent `tenant create`s queue here instead of racing the engine.
  return withFileLock(
    join(layout.locksDir, 'shared-server.lock'),
    () => ensureLocked(engine, layout, options, timeoutMs, started),
    { timeoutMs: timeoutMs + 30_000 },
  )
}

/** What every case works with. */
interface SharedRun {
  engine: Engine
  layout: ProjectLayout
  options: EnsureSharedServerOptions
  timeoutMs: number
  started: number
  /** This project's shared spec: its names, the image and port recorded or asked for. */
  names: PostgresServerSpec
  warnings: string[]
}

/** Decide which case this is, then take that case's way; every way answers through `serverResult`. */
async function ensureLocked(
  engine: Engine,
  layout: ProjectLayout,
  options: EnsureSharedServerOptions,
  timeoutMs: number,
  started: number,
): Promise<EnsureServerResult> {
  const config = await readSharedConfig(layout)
  const names = sharedSpec(layout, options, {
    // The profile's wishes (image, preferredPort) shape a new server only: the shared server is machine-wide.
    image: resolveImage(options.postgresImage, config ? undefined : options.image, config?.image),
    port: options.port ?? config?.port ?? options.preferredPort ?? DEFAULT_SHARED_PORT,
  })
  const container = await engine.containers.inspect(names.containerName)
  const run: SharedRun = { engine, layout, options, timeoutMs, started, names, warnings: [] }
  const found = classifyShared(config, container, names.passwordFile)
  switch (found.kind) {
    case 'unmanaged':
      return adoptUnmanagedShared({ ...run, config: found.config, container: found.container })
    case 'fresh':
      return ensureFresh(run)
    case 'join':
      return ensureJoined(run, found.container)
    case 'relearn':
      return ensureRelearned(run, found.config, found.container)
    case 'recorded':
      return ensureRecorded(run, found.config, found.container, {
        password: found.config.admin_password,
        adopted: false,
        startedByAdoption: false,
      })
  }
}

/**
 * A brand-new server. The refusal for an orphaned volume comes first; the new password goes on record
 * before a volume can be initialised with it, and goes again when the attempt failed before any volume
 * existed.
 */
async function ensureFresh(run: SharedRun): Promise<EnsureServerResult> {
  const volume = await run.engine.volumes.inspect(run.names.volumeName)
  if (volume && !run.options.resetVolume) throw volumeOrphanedError(run.names, volume)
  const password = newPassword()
  const plan = await planShared(run, run.names)
  const previousPasswordText = await readFile(plan.spec.passwordFile, 'utf8').catch(() => undefined)
  const recorded = await recordSharedConfig(run.layout, undefined, { password, port: plan.spec.port })
  await ensurePasswordFile(plan.spec.passwordFile, password)
  let up: UpServerResult
  try {
    up = await upShared(run, plan, password, { volumeKnown: false })
  } catch (error) {
    await rollbackFresh(run.engine, run.layout, plan.spec, previousPasswordText)
    throw error
  }
  return commitShared(run, plan, recorded, { password, action: up.action, adopted: false })
}

/**
 * Another project's server, and no record here: this project joins it as it is, with its image, port and
 * (after adoption proved it by logging in) admin password.
 */
async function ensureJoined(run: SharedRun, container: ContainerInfo): Promise<EnsureServerResult> {
  const desired = joinedSpec(run.names, container, run.options)
  const adoption = await adopt(run, desired, container)
  const plan = await planShared(run, desired)
  await ensurePasswordFile(plan.spec.passwordFile, adoption.password)
  let action: UpAction
  if (differsFromDeclared(container, plan.spec)) {
    action = adoption.started ? 'started' : 'unchanged'
    run.warnings.push(
      `The shared server ${container.Name.replace(/^\//, '')} differs from what this project declares; it was adopted as it is.`,
    )
  } else {
    const up = await upShared(run, plan, adoption.password, { volumeKnown: true, container })
    action = actionAfterAdoption(adoption.started, up.action)
  }
  return commitShared(run, plan, undefined, { password: adoption.password, action, adopted: true })
}

/**
 * Our record, and a container mounting another password file. Adoption reads the password the server has:
 * when it differs from ours, another project made the server and this project takes its password over.
 * When adoption fails, our own record still opens it (the project only moved): nothing to adopt.
 */
async function ensureRelearned(
  run: SharedRun,
  config: SharedConfig,
  container: ContainerInfo,
): Promise<EnsureServerResult> {
  const adoption: AdoptServerResult | undefined = await adopt(run, run.names, container).catch(
    () => undefined,
  )
  const learnt = adoption !== undefined && adoption.password !== config.admin_password
  if (learnt)
    run.warnings.push(
      'The shared server was created by another project; this project now uses its admin password.',
    )
  return ensureRecorded(run, config, container, {
    password: learnt ? adoption.password : config.admin_password,
    adopted: learnt,
    startedByAdoption: adoption?.started ?? false,
  })
}

/** Our record (and the password it names, or the one just learnt): realise the file as planned. */
async function ensureRecorded(
  run: SharedRun,
  config: SharedConfig,
  container: ContainerInfo | undefined,
  known: { password: string; adopted: boolean; startedByAdoption: boolean },
): Promise<EnsureServerResult> {
  const plan = await planShared(run, run.names)
  await ensurePasswordFile(plan.spec.passwordFile, known.password)
  const up = await upShared(run, plan, known.password, { volumeKnown: true, container })
  return commitShared(run, plan, config, {
    password: known.password,
    action: actionAfterAdoption(known.startedByAdoption, up.action),
    adopted: known.adopted,
  })
}

function adopt(
  run: SharedRun,
  desired: PostgresServerSpec,
  container: ContainerInfo,
): Promise<AdoptServerResult> {
  return adoptSharedServer(run.engine, adoptionSpec(desired, container), {
    timeoutMs: run.timeoutMs,
    ...(run.options.onProgress ? { onProgress: run.options.onProgress } : {}),
  })
}

async function planShared(run: SharedRun, desired: PostgresServerSpec): Promise<PlannedServer> {
  const plan = await planServer(run.layout.sharedCompose, desired, { port: run.options.port })
  if (plan.handEdited)
    run.warnings.push(`${run.layout.sharedCompose} was edited by hand; it was used as it is.`)
  return plan
}

function upShared(
  run: SharedRun,
  plan: PlannedServer,
  password: string,
  known: { volumeKnown: boolean; container?: ContainerInfo | undefined },
): Promise<UpServerResult> {
  const { container } = known
  return upServer(run.engine, plan.spec, {
    timeoutMs: run.timeoutMs,
    password,
    composeFile: run.layout.sharedCompose,
    volumeKnown: known.volumeKnown,
    ...(container && movedOutOfProject(container, run.layout.dockerDir, plan.spec.passwordFile)
      ? { recreate: true }
      : {}),
    ...(run.options.resetVolume ? { resetVolume: true } : {}),
    ...(run.options.onProgress ? { onProgress: run.options.onProgress } : {}),
  })
}

/** It runs as planned: now the files may say so. */
async function commitShared(
  run: SharedRun,
  plan: PlannedServer,
  recorded: SharedConfig | undefined,
  outcome: { password: string; action: UpAction; adopted: boolean },
): Promise<EnsureServerResult> {
  await commitServer(run.layout.sharedCompose, plan)
  const composeText = plan.generated ? await readFile(run.layout.sharedCompose, 'utf8') : undefined
  await recordSharedConfig(run.layout, recorded, {
    password: outcome.password,
    port: plan.spec.port,
    image: plan.spec.image,
    composeSha256: composeText === undefined ? null : sha256Hex(composeText),
  })
  return serverResult({
    spec: plan.spec,
    adminPassword: outcome.password,
    action: outcome.action,
    adopted: outcome.adopted,
    composeFile: run.layout.sharedCompose,
    composeHandEdited: plan.handEdited,
    started: run.started,
    warnings: run.warnings,
  })
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
  await removeSharedConfig(layout)
  if (previousPasswordText === undefined) await rm(spec.passwordFile, { force: true })
  else
    await writeFileAtomic(spec.passwordFile, previousPasswordText, {
      mode: SECRET_FILE_MODE,
      dirMode: SECRET_DIR_MODE,
    })
}
