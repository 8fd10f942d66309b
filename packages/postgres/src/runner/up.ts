import type { PostgresServerSpec } from '@systemprompt/compose'
import { configHash } from '@systemprompt/compose'
import { isSystempromptError, requirePasswordFile, SystempromptError } from '@systemprompt/config/core'
import { type Engine, httpStatusOf, LABELS, type VolumeInfo } from '@systemprompt/engine'
import {
  containerCreateOptions,
  RESTART_POLICY,
  type RealiseOptions,
  STARTING_RESTART_POLICY,
  volumeCreateLabels,
} from './create-options.js'
import { dbCommand, serverLabel } from './errors.js'
import { ensureImage } from './image.js'
import { type ActingProject, assertNotCopy, assertOurs, assertProjectOf } from './ownership.js'
import { assertPortAvailable, findPortHolder, portInUseError, suggestFreePort } from './ports.js'
import { acceptsLogins } from './probe.js'
import type { RunnerProgress } from './progress.js'
import { waitReady } from './ready.js'

export const DEFAULT_READY_TIMEOUT_MS = 60_000

export interface UpServerOptions extends RealiseOptions {
  /** How long to wait for a login after starting (default 60 s). */
  timeoutMs?: number
  /** Admin password; read from `spec.passwordFile` when omitted. */
  password?: string
  onProgress?: RunnerProgress
  /**
   * Whether the caller has a record of this server (a config file, a tenant record). A volume without a
   * container and without a record is orphaned: refused unless `resetVolume`. Default true (no check).
   */
  volumeKnown?: boolean
  /** Delete an orphaned volume and start fresh (the user confirmed, or passed --reset-volume). */
  resetVolume?: boolean
  /** Flag name used in the PORT_IN_USE fix ("--port"). */
  portFlag?: string
  /** Re-create the container even when its config hash matches (e.g. its password file moved). */
  recreate?: boolean
  /**
   * The project this is run from: a copy of it (same id, another directory) never re-creates the original's
   * container nor removes its volume.
   */
  project?: ActingProject
  /**
   * Called once the container is started with its port bound (before the readiness wait), so a caller can
   * let go of what it holds for the port choice.
   */
  onPortBound?: () => void
}

export type UpAction = 'created' | 'started' | 'recreated' | 'unchanged'

export interface UpServerResult {
  action: UpAction
  containerId: string
  /** The volume was created by this call (a fresh, empty server). */
  volumeCreated: boolean
  /** The declared config hash the container now carries. */
  configHash: string
  elapsedMs: number
}

/**
 * Realises a declared server and waits until it accepts a login. Idempotent:
 * - running with the same config hash -> nothing to do (no login either when the engine reports it healthy);
 * - stopped with the same hash -> start;
 * - different hash -> remove the container (the volume, and so the data, stays) and create it again;
 * - no container -> create (volume too when missing) and start.
 * Before anything is removed or created: password, image, port (PORT_IN_USE) and orphaned volume are
 * checked, so a refusal leaves everything as it was.
 */
export async function upServer(
  engine: Engine,
  spec: PostgresServerSpec,
  options: UpServerOptions = {},
): Promise<UpServerResult> {
  const started = Date.now()
  try {
    return await realise(engine, spec, options, started)
  } catch (error) {
    if (!(error instanceof CreateRaced)) throw error
    // Another process (a concurrent `db up` or `tenant create`) created the container between our inspect
    // and our create: go round once more, which finds it and waits for it like any existing server.
    return realise(engine, spec, { ...options, volumeKnown: true, recreate: false }, started).catch(
      (again: unknown) => {
        throw again instanceof CreateRaced ? again.conflict : again
      },
    )
  }
}

/**
 * Our container create was refused with a conflict (HTTP 409: the name is taken). Marked where it happens,
 * so the retry decides on the call that failed and its code, never on the words of the message.
 */
class CreateRaced extends Error {
  constructor(readonly conflict: SystempromptError) {
    super(conflict.message)
  }
}

async function realise(
  engine: Engine,
  spec: PostgresServerSpec,
  options: UpServerOptions,
  started: number,
): Promise<UpServerResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS
  const hash = configHash(spec)
  const progress = options.onProgress
  const finish = (action: UpAction, containerId: string, volumeCreated = false): UpServerResult => ({
    action,
    containerId,
    volumeCreated,
    configHash: hash,
    elapsedMs: Date.now() - started,
  })

  const existing = await engine.containers.inspect(spec.containerName)
  if (existing) assertOurs(spec, existing, 'up')

  if (existing && !options.recreate && existing.Config.Labels?.[LABELS.configHash] === hash) {
    if (existing.State.Running && !existing.State.Restarting) {
      // Fast path: nothing to change. A running server that answers a startup message with an
      // authentication request takes logins (SPEC's full login + SELECT 1 is for a server being started);
      // anything else — unhealthy, not answering — gets the full readiness wait and its diagnostics.
      const answering =
        existing.State.Health?.Status !== 'unhealthy' &&
        (await acceptsLogins(spec.port, spec.adminUser, spec.database))
      if (!answering) {
        const password = options.password ?? (await requirePasswordFile(spec.passwordFile))
        await waitReady(engine, spec, {
          password,
          timeoutMs,
          volumeExisted: true,
          restartCountAtStart: existing.RestartCount,
        })
      }
      return finish('unchanged', existing.Id)
    }
    const password = options.password ?? (await requirePasswordFile(spec.passwordFile))
    await assertPortAvailable(engine, spec, { portFlag: options.portFlag })
    progress?.({ step: 'start', message: `Starting ${spec.containerName}` })
    await startOrExplain(engine, spec, existing.Id, options, existing.HostConfig?.RestartPolicy?.Name)
    options.onPortBound?.()
    progress?.({ step: 'wait', message: `Waiting for PostgreSQL on 127.0.0.1:${spec.port}` })
    await waitReady(engine, spec, {
      password,
      timeoutMs,
      volumeExisted: true,
      restartCountAtStart: existing.RestartCount,
      onAccepting: declaredRestartPolicy(engine, existing.Id),
    })
    return finish('started', existing.Id)
  }

  // Everything that can refuse (password, image, port, orphaned volume) is checked before anything is
  // removed or created: a refused `db up --port N` leaves the running server as it was.
  const password = options.password ?? (await requirePasswordFile(spec.passwordFile))
  await ensureImage(engine, spec.image, progress)
  await assertPortAvailable(engine, spec, { current: existing, portFlag: options.portFlag })
  const volume = await engine.volumes.inspect(spec.volumeName)
  if (volume) assertProjectOf(spec, { kind: 'volume', name: spec.volumeName, labels: volume.Labels })
  const orphaned = Boolean(volume) && !existing && options.volumeKnown === false
  if (volume && orphaned && !options.resetVolume) throw volumeOrphanedError(spec, volume)
  if (existing)
    await assertNotCopy(
      { kind: 'container', name: spec.containerName, labels: existing.Config.Labels },
      options.project,
    )
  if (volume && orphaned)
    await assertNotCopy({ kind: 'volume', name: spec.volumeName, labels: volume.Labels }, options.project)

  if (existing) {
    progress?.({
      step: 'recreate',
      message: `Config of ${spec.containerName} changed: re-creating it (data kept)`,
    })
    await engine.containers.remove(existing.Id, { force: true })
  }
  if (volume && orphaned) {
    progress?.({ step: 'volume', message: `Removing orphaned volume ${spec.volumeName}` })
    await engine.volumes.remove(spec.volumeName)
  }
  const volumeCreated = !volume || orphaned
  if (volumeCreated) {
    progress?.({ step: 'volume', message: `Creating volume ${spec.volumeName}` })
    await engine.volumes.create(spec.volumeName, volumeCreateLabels(spec))
  }

  progress?.({ step: 'create', message: `Creating ${spec.containerName}` })
  // A create that fails with a conflict (a concurrent `db up` won the race) leaves the volume to the winner.
  const id = await engine.containers.create(containerCreateOptions(spec, options)).catch((error: unknown) => {
    throw isSystempromptError(error) && error.code === 'ENGINE_CONFLICT' ? new CreateRaced(error) : error
  })
  progress?.({ step: 'start', message: `Starting ${spec.containerName}` })
  try {
    await startOrExplain(engine, spec, id, options, STARTING_RESTART_POLICY)
  } catch (error) {
    // Leave nothing half-made behind: the container was ours and never ran; a new volume is still empty.
    await engine.containers.remove(id, { force: true }).catch(() => {})
    if (volumeCreated) await engine.volumes.remove(spec.volumeName, { force: true }).catch(() => {})
    throw error
  }
  options.onPortBound?.()
  progress?.({ step: 'wait', message: `Waiting for PostgreSQL on 127.0.0.1:${spec.port}` })
  await waitReady(engine, spec, {
    password,
    timeoutMs,
    volumeExisted: !volumeCreated,
    restartCountAtStart: 0,
    onAccepting: declaredRestartPolicy(engine, id),
  })
  progress?.({ step: 'ready', message: `PostgreSQL ready on 127.0.0.1:${spec.port}` })
  return finish(existing ? 'recreated' : 'created', id, volumeCreated)
}

/**
 * The declared restart policy, set once the server has shown it starts (it answers a startup message with an
 * authentication request; waitReady runs this alongside its login).
 */
function declaredRestartPolicy(engine: Engine, id: string): () => Promise<void> {
  return () => engine.containers.setRestartPolicy(id, RESTART_POLICY)
}

/**
 * Start under STARTING_RESTART_POLICY (`policy`: the one the container has now; created with it, or left with
 * it by `db down`); a port grabbed between pre-flight and start comes back from the engine as a 500 — explain it.
 */
async function startOrExplain(
  engine: Engine,
  spec: PostgresServerSpec,
  id: string,
  options: UpServerOptions,
  policy: string | undefined,
): Promise<void> {
  // A server that crashes while starting stays exited, with its real exit code, instead of looping.
  if (policy !== STARTING_RESTART_POLICY)
    await engine.containers.setRestartPolicy(id, STARTING_RESTART_POLICY)
  try {
    await engine.containers.start(id)
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause ?? error
    const text = String((cause as Error)?.message ?? '')
    if (httpStatusOf(cause) === 500 && /port is already allocated|address already in use/i.test(text)) {
      const holder = (await findPortHolder(engine, spec.port, { ignoreContainer: spec.containerName })) ?? {
        kind: 'unknown' as const,
        port: spec.port,
      }
      throw portInUseError(holder, await suggestFreePort(engine, spec.port + 1), options.portFlag)
    }
    if (isSystempromptError(error)) throw error
    throw new SystempromptError({
      code: 'SERVER_START_FAILED',
      category: 'engine',
      message: `Could not start the ${serverLabel(spec)}: ${text}`,
      fix: `Look at \`docker inspect ${spec.containerName}\` and the engine log, then retry`,
      cause: error,
    })
  }
}

/** VOLUME_ORPHANED: a volume with data nobody here knows about (or its password). */
export function volumeOrphanedError(spec: PostgresServerSpec, volume: VolumeInfo): SystempromptError {
  return new SystempromptError({
    code: 'VOLUME_ORPHANED',
    category: 'conflict',
    message: `Volume ${spec.volumeName} exists, but there is no container ${spec.containerName} and no record of it in this project: its data (and the password it was initialised with) is unknown`,
    fix: `Keep the data: restore the project's config that created it. Discard it: \`${dbCommand(spec, 'up', '--reset-volume')}\` (or \`docker volume rm ${spec.volumeName}\`)`,
    details: { volume: spec.volumeName, createdAt: volume.CreatedAt, labels: volume.Labels },
  })
}
