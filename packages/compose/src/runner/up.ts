import { isSystempromptError, SystempromptError } from '@systemprompt/config/core'
import { type ContainerInfo, type Engine, httpStatusOf, LABELS, type VolumeInfo } from '@systemprompt/engine'
import { configHash } from '../file/index.js'
import type { PostgresServerSpec } from '../spec.js'
import { containerCreateOptions, type RealiseOptions, volumeCreateLabels } from './create-options.js'
import { dbCommand, serverLabel } from './errors.js'
import { ensureImage } from './image.js'
import { readPasswordFile } from './password.js'
import { findPortHolder, portInUseError, suggestFreePort } from './ports.js'
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
 * - no container -> image, volume, pre-flight (port, orphaned volume), create, start.
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
    // Another process (a concurrent `db up` or `tenant create`) created the container between our inspect
    // and our create: go round once more, which finds it and waits for it like any existing server.
    if (
      isSystempromptError(error) &&
      error.code === 'ENGINE_CONFLICT' &&
      error.message.includes('create container')
    ) {
      return realise(engine, spec, { ...options, volumeKnown: true }, started)
    }
    throw error
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
  if (existing) assertOurs(spec, existing)

  if (existing && existing.Config.Labels?.[LABELS.configHash] === hash) {
    if (existing.State.Running && !existing.State.Restarting) {
      // Fast path: nothing to change. Only log in when the engine cannot vouch for it yet.
      if (existing.State.Health?.Status !== 'healthy') {
        const password = options.password ?? (await readPasswordFile(spec))
        await waitReady(engine, spec, {
          password,
          timeoutMs,
          volumeExisted: true,
          restartCountAtStart: existing.RestartCount,
        })
      }
      return finish('unchanged', existing.Id)
    }
    const password = options.password ?? (await readPasswordFile(spec))
    await preflightPort(engine, spec, options)
    progress?.({ step: 'start', message: `Starting ${spec.containerName}` })
    await startOrExplain(engine, spec, existing.Id, options)
    progress?.({ step: 'wait', message: `Waiting for PostgreSQL on 127.0.0.1:${spec.port}` })
    await waitReady(engine, spec, {
      password,
      timeoutMs,
      volumeExisted: true,
      restartCountAtStart: existing.RestartCount,
    })
    return finish('started', existing.Id)
  }

  const password = options.password ?? (await readPasswordFile(spec))
  await ensureImage(engine, spec.image, progress)
  if (existing) {
    progress?.({
      step: 'recreate',
      message: `Config of ${spec.containerName} changed: re-creating it (data kept)`,
    })
    await engine.containers.remove(existing.Id, { force: true })
  }
  const volumeCreated = await ensureVolume(engine, spec, { ...options, containerExisted: Boolean(existing) })
  await preflightPort(engine, spec, options)

  progress?.({ step: 'create', message: `Creating ${spec.containerName}` })
  const id = await engine.containers.create(containerCreateOptions(spec, options))
  progress?.({ step: 'start', message: `Starting ${spec.containerName}` })
  try {
    await startOrExplain(engine, spec, id, options)
  } catch (error) {
    // Leave nothing half-made behind: the container was ours and never ran.
    await engine.containers.remove(id, { force: true }).catch(() => {})
    throw error
  }
  progress?.({ step: 'wait', message: `Waiting for PostgreSQL on 127.0.0.1:${spec.port}` })
  await waitReady(engine, spec, {
    password,
    timeoutMs,
    volumeExisted: !volumeCreated,
    restartCountAtStart: 0,
  })
  progress?.({ step: 'ready', message: `PostgreSQL ready on 127.0.0.1:${spec.port}` })
  return finish(existing ? 'recreated' : 'created', id, volumeCreated)
}

/** A container with our name that systemprompt did not make: never touch it. */
function assertOurs(spec: PostgresServerSpec, info: ContainerInfo): void {
  if (info.Config.Labels?.[LABELS.managed] === '1') return
  throw new SystempromptError({
    code: 'CONTAINER_NAME_TAKEN',
    category: 'conflict',
    message: `A container named ${spec.containerName} exists but was not created by systemprompt`,
    fix: `Rename or remove it yourself (\`docker rm -f ${spec.containerName}\` deletes it), then run \`${dbCommand(spec, 'up')}\``,
    details: { container: spec.containerName, id: info.Id },
  })
}

async function ensureVolume(
  engine: Engine,
  spec: PostgresServerSpec,
  options: UpServerOptions & { containerExisted: boolean },
): Promise<boolean> {
  const volume = await engine.volumes.inspect(spec.volumeName)
  if (volume) {
    const orphaned = !options.containerExisted && options.volumeKnown === false
    if (!orphaned) return false
    if (!options.resetVolume) throw volumeOrphanedError(spec, volume)
    options.onProgress?.({ step: 'volume', message: `Removing orphaned volume ${spec.volumeName}` })
    await engine.volumes.remove(spec.volumeName)
  }
  options.onProgress?.({ step: 'volume', message: `Creating volume ${spec.volumeName}` })
  await engine.volumes.create(spec.volumeName, volumeCreateLabels(spec))
  return true
}

async function preflightPort(
  engine: Engine,
  spec: PostgresServerSpec,
  options: UpServerOptions,
): Promise<void> {
  const holder = await findPortHolder(engine, spec.port, { ignoreContainer: spec.containerName })
  if (!holder) return
  throw portInUseError(holder, await suggestFreePort(engine, spec.port + 1), options.portFlag)
}

/** Start; a port grabbed between pre-flight and start comes back from the engine as a 500 — explain it. */
async function startOrExplain(
  engine: Engine,
  spec: PostgresServerSpec,
  id: string,
  options: UpServerOptions,
): Promise<void> {
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
