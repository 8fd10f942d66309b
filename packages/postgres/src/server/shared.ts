import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { DEFAULT_POSTGRES_IMAGE, DEFAULT_SHARED_PORT, sha256Hex } from '@systemprompt/compose'
import type { SharedConfig } from '@systemprompt/config'
import {
  type ProjectLayout,
  projectLayout,
  readPasswordFile,
  SECRET_DIR_MODE,
  SECRET_FILE_MODE,
  SystempromptError,
  withFileLock,
  writeFileAtomic,
} from '@systemprompt/config/core'
import type { ContainerInfo, Engine } from '@systemprompt/engine'
import { type AdoptServerResult, adoptSharedServer } from '../runner/adopt.js'
import { isManaged, publishedPort } from '../runner/ownership.js'
import {
  DEFAULT_READY_TIMEOUT_MS,
  type UpAction,
  type UpServerResult,
  upServer,
  volumeOrphanedError,
} from '../runner/up.js'
import { engineFor, sharedServerLockFile } from './context.js'
import { commitServer, type PlannedServer, planServer } from './declare.js'
import { ensurePasswordFile, newPassword } from './passwords.js'
import { type EnsureServerResult, type SharedChangeReport, serverResult } from './server-result.js'
import {
  adoptionSpec,
  classifyShared,
  declaredSettings,
  differsFromDeclared,
  joinedSpec,
  sharedChanges,
} from './shared-cases.js'
import { readSharedConfig, recordSharedConfig, removeSharedConfig } from './shared-config.js'
import { asDeclared, runningAsDeclared, startAsDeclared } from './shared-fast.js'
import type { EnsureSharedServerOptions } from './shared-options.js'
import { type KnownPassword, realiseExisting } from './shared-realise.js'
import type { SharedRun } from './shared-run.js'
import { sharedSpec } from './shared-spec.js'
import { adoptUnmanagedShared } from './shared-unmanaged.js'
import { describeSharedServerUsers, findSharedServerUsers, recordSharedUser } from './shared-users.js'

/**
 * `db up` for the shared server: make sure shared_config.json (admin password generated once, kept), the
 * 0600 password file and docker/shared.yaml exist and agree, adopt a shared container made by another
 * project, then realise the file and wait until PostgreSQL accepts a login.
 *
 * Order matters: everything that can refuse (adoption's login, orphaned volume, image, port) runs before
 * shared_config.json or shared.yaml change; a new port or image is recorded only once the server runs
 * with it. The one exception is a brand-new server: its admin password is recorded before a volume can be
 * initialised with it, and rolled back when the attempt failed before any volume existed.
 *
 * The server is machine-wide: a change other projects would feel (port, image, password file) needs
 * `allowAffectingOthers` when any uses it (SHARED_SERVER_IN_USE names them), and the machine-wide password
 * file is written only after a login proved the password (shared-realise.ts).
 */
export async function ensureSharedServer(options: EnsureSharedServerOptions): Promise<EnsureServerResult> {
  const started = Date.now()
  const layout = projectLayout(options.root)
  const engine = await engineFor(options)
  const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS
  // Running exactly as declared (a login proved the password): answer without the lock, the schemas or the
  // YAML parser. Stopped exactly as declared: the lock, then only a start.
  const declared = await asDeclared(engine, layout, options, true)
  const result =
    (await runningAsDeclared(declared, started)) ??
    // One `db up` per project at a time; concurrent `tenant create`s queue here instead of racing the engine.
    // Then the server's machine-wide lock: other projects' `db up`, `db reset` and `db down` of it wait.
    (await withFileLock(
      join(layout.locksDir, 'shared-server.lock'),
      () =>
        withFileLock(
          sharedServerLockFile(options.dataDir, sharedContainerName(layout, options)),
          async () =>
            // Stopped exactly as declared (warm `db up`): only a start, still without schemas or YAML.
            (await startAsDeclared(engine, layout, declared, { ...options, timeoutMs }, started)) ??
            ensureLocked(engine, layout, options, timeoutMs, started),
          { timeoutMs: timeoutMs + 30_000 },
        ),
      { timeoutMs: timeoutMs + 30_000 },
    ))
  // The per-user index learns who uses the server after every success: changes that affect others name them.
  const warning = await recordSharedUser(layout, options.dataDir, result.spec.containerName)
  if (warning) result.warnings.push(warning)
  return result
}

/** The container's name depends on neither image nor port; what the project declares depends on it. */
function sharedContainerName(layout: ProjectLayout, options: EnsureSharedServerOptions): string {
  return sharedSpec(layout, options, { image: DEFAULT_POSTGRES_IMAGE, port: DEFAULT_SHARED_PORT })
    .containerName
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
  const containerName = sharedContainerName(layout, options)
  const container = await engine.containers.inspect(containerName)
  const names = sharedSpec(layout, options, declaredSettings(options, config, container))
  const followed = publishedPort(container)
  const warnings: string[] = []
  const moved = followed !== undefined && followed !== config?.port
  if (config && container && isManaged(container) && options.port === undefined && moved)
    warnings.push(
      `The shared server listens on 127.0.0.1:${followed} now, not ${config.port} (another project moved it); this project follows it.`,
    )
  let projectId: Promise<string | undefined> | undefined
  const run: SharedRun = {
    engine,
    layout,
    options,
    timeoutMs,
    started,
    names,
    warnings,
    projectId: () => {
      projectId ??= import('@systemprompt/config').then(async ({ readTenantsFile }) =>
        readTenantsFile(layout).then(
          (file) => file?.project_id,
          () => undefined,
        ),
      )
      return projectId
    },
  }
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
      return ensureRealised(run, await planShared(run, run.names), found.config, found.container, {
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
  if (volume) {
    // Only the container is gone (removed while stopped): the machine-wide password file still says what
    // the volume was initialised with. Re-create the server on it; the runner's wait proves the login.
    const machinePassword = (await readPasswordFile(run.names.passwordFile)) || undefined
    if (machinePassword !== undefined && !run.options.resetVolume) {
      run.warnings.push(
        `The shared server ${run.names.containerName} had no container; it was re-created on its volume ${run.names.volumeName} (data kept) with the machine-wide password file ${run.names.passwordFile}.`,
      )
      return ensureRealised(run, await planShared(run, run.names), undefined, undefined, {
        password: machinePassword,
        adopted: true,
        startedByAdoption: false,
      })
    }
    if (!run.options.resetVolume) throw volumeOrphanedError(run.names, volume)
    await assertNoOtherUsers(run)
  }
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
 * Deleting the shared volume deletes every project's databases: the projects the per-user index knows as
 * users of this server (it is down: no databases to list) are named, and `allowAffectingOthers` is needed.
 */
async function assertNoOtherUsers(run: SharedRun): Promise<void> {
  if (run.options.allowAffectingOthers) return
  const users = await findSharedServerUsers({
    dataDir: run.options.dataDir,
    containerName: run.names.containerName,
    projectId: await run.projectId(),
    container: undefined,
    adminUser: run.names.adminUser,
    database: run.names.database,
    passwords: [],
  })
  if (users.others.length === 0) return
  throw new SystempromptError({
    code: 'SHARED_SERVER_IN_USE',
    category: 'conflict',
    message: `Deleting volume ${run.names.volumeName} deletes the data of the machine-wide shared PostgreSQL server ${run.names.containerName}, which other projects use: ${describeSharedServerUsers(users.others)}`,
    fix: `Keep their data: run \`systemprompt db up\` in one of those projects first (it re-creates the server on the volume). Delete it for every project: ${run.options.yesApplies ? 'rerun with --reset-volume --yes' : 'run `systemprompt db up --reset-volume --yes`'}`,
    details: {
      container: run.names.containerName,
      volume: run.names.volumeName,
      projects: users.others,
      databasesListed: false,
    },
  })
}

/**
 * Another project's server, and no record here: this project joins it as it is, with its image, port and
 * (after adoption proved it by logging in) admin password. Only an explicit --port changes it (a move).
 */
async function ensureJoined(run: SharedRun, container: ContainerInfo): Promise<EnsureServerResult> {
  const desired = joinedSpec(run.names, container, run.options)
  const adoption = await adopt(run, desired, container)
  const plan = await planShared(run, desired)
  const known = { password: adoption.password, adopted: true, startedByAdoption: adoption.started }
  const unchanged = sharedChanges(container, plan.spec, run.layout.dockerDir).length === 0
  if (unchanged && differsFromDeclared(container, plan.spec)) {
    // Same port, image and password file, other details (labels, an older generator): joining never
    // re-creates the other project's server. Adoption read the password from its file and proved it.
    await ensurePasswordFile(plan.spec.passwordFile, adoption.password)
    run.warnings.push(
      `The shared server ${container.Name.replace(/^\//, '')} differs from what this project declares; it was adopted as it is.`,
    )
    return commitShared(run, plan, undefined, {
      password: adoption.password,
      action: adoption.started ? 'started' : 'unchanged',
      adopted: true,
    })
  }
  return ensureRealised(run, plan, undefined, container, known)
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
  return ensureRealised(run, await planShared(run, run.names), config, container, {
    password: learnt ? adoption.password : config.admin_password,
    adopted: learnt,
    startedByAdoption: adoption?.started ?? false,
  })
}

/** A server that exists or is recorded: realise the plan (shared-realise.ts), then commit the files. */
async function ensureRealised(
  run: SharedRun,
  plan: PlannedServer,
  config: SharedConfig | undefined,
  container: ContainerInfo | undefined,
  known: KnownPassword,
): Promise<EnsureServerResult> {
  const realised = await realiseExisting(run, plan, container, config, known)
  return commitShared(run, plan, config, realised)
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

/** A brand-new server through the runner (existing ones: shared-realise.ts). */
function upShared(
  run: SharedRun,
  plan: PlannedServer,
  password: string,
  known: { volumeKnown: boolean },
): Promise<UpServerResult> {
  return upServer(run.engine, plan.spec, {
    timeoutMs: run.timeoutMs,
    password,
    composeFile: run.layout.sharedCompose,
    volumeKnown: known.volumeKnown,
    ...(run.options.resetVolume ? { resetVolume: true } : {}),
    ...(run.options.onProgress ? { onProgress: run.options.onProgress } : {}),
  })
}

/** It runs as planned: now the files may say so. */
async function commitShared(
  run: SharedRun,
  plan: PlannedServer,
  recorded: SharedConfig | undefined,
  outcome: {
    password: string
    action: UpAction
    adopted: boolean
    previousPort?: number | undefined
    changed?: SharedChangeReport | undefined
  },
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
    previousPort: outcome.previousPort,
    changed: outcome.changed,
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
