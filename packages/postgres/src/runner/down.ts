import type { PostgresServerSpec } from '@systemprompt/compose'
import { requirePasswordFile } from '@systemprompt/config/core'
import type { Engine } from '@systemprompt/engine'
import { STARTING_RESTART_POLICY } from './create-options.js'
import { ensureImage } from './image.js'
import { type ActingProject, assertNotCopy, assertOurs, assertProjectOf } from './ownership.js'
import { assertPortAvailable } from './ports.js'
import type { RunnerProgress } from './progress.js'
import { type UpServerOptions, type UpServerResult, upServer } from './up.js'

export interface DownServerOptions {
  /** Also remove the container (like `docker compose down`). The volume is never removed here. */
  removeContainer?: boolean
  /** Seconds PostgreSQL gets to shut down cleanly before it is killed. */
  stopTimeoutSeconds?: number
  onProgress?: RunnerProgress
  /** The project this is run from: a copy of it (same id, another directory) never stops the original's server. */
  project?: ActingProject
}

export interface DownServerResult {
  /** What happened: stopped a running server, found it already stopped, or found no container. */
  action: 'stopped' | 'already-stopped' | 'missing'
  containerRemoved: boolean
}

/**
 * Stops the server; the data stays in the volume. Decision: by default the container is kept, stopped
 * (like `docker compose stop`), because the next `db up` then only has to start it — warm starts are the
 * common case. `removeContainer` removes it as `docker compose down` would; the volume survives both.
 * A container with the name that systemprompt did not make is refused (CONTAINER_NAME_TAKEN), untouched.
 */
export async function downServer(
  engine: Engine,
  spec: PostgresServerSpec,
  options: DownServerOptions = {},
): Promise<DownServerResult> {
  const info = await engine.containers.inspect(spec.containerName)
  if (!info) return { action: 'missing', containerRemoved: false }
  assertOurs(spec, info, 'down')
  await assertNotCopy(
    { kind: 'container', name: spec.containerName, labels: info.Config.Labels },
    options.project,
  )
  const wasRunning = info.State.Running || info.State.Restarting
  if (wasRunning) {
    options.onProgress?.({ step: 'stop', message: `Stopping ${spec.containerName}` })
    await engine.containers.stop(info.Id, options.stopTimeoutSeconds ?? 10)
    // Stopped, it restarts with nothing but the next `db up`, which starts it under STARTING_RESTART_POLICY:
    // set now, that start needs no update of its own (warm starts are the common case). Best effort: up.ts
    // sets it anyway when the container has another.
    if (!options.removeContainer && info.HostConfig?.RestartPolicy?.Name !== STARTING_RESTART_POLICY)
      await engine.containers.setRestartPolicy(info.Id, STARTING_RESTART_POLICY).catch(() => {})
  }
  if (options.removeContainer) {
    options.onProgress?.({
      step: 'remove',
      message: `Removing ${spec.containerName} (data kept in ${spec.volumeName})`,
    })
    await engine.containers.remove(info.Id, { force: true })
  }
  return {
    action: wasRunning ? 'stopped' : 'already-stopped',
    containerRemoved: Boolean(options.removeContainer),
  }
}

/**
 * Deletes the data and starts fresh: removes the container and its volume, then realises the spec again
 * (a new, empty cluster initialised with the password in the password file). Everything that could stop
 * the fresh server from starting — a container we did not make, a container or volume of another project,
 * no password, no image, the port held by someone else — is checked first, so a refused reset deletes nothing.
 */
export async function resetServer(
  engine: Engine,
  spec: PostgresServerSpec,
  options: UpServerOptions = {},
): Promise<UpServerResult> {
  const info = await engine.containers.inspect(spec.containerName)
  if (info) assertOurs(spec, info, 'reset')
  const volume = await engine.volumes.inspect(spec.volumeName)
  if (volume) assertProjectOf(spec, { kind: 'volume', name: spec.volumeName, labels: volume.Labels })
  if (info)
    await assertNotCopy(
      { kind: 'container', name: spec.containerName, labels: info.Config.Labels },
      options.project,
    )
  if (volume)
    await assertNotCopy({ kind: 'volume', name: spec.volumeName, labels: volume.Labels }, options.project)
  const password = options.password ?? (await requirePasswordFile(spec.passwordFile))
  await ensureImage(engine, spec.image, options.onProgress)
  await assertPortAvailable(engine, spec, { current: info, portFlag: options.portFlag })
  if (info) {
    options.onProgress?.({ step: 'remove', message: `Removing ${spec.containerName}` })
    await engine.containers.remove(info.Id, { force: true })
  }
  options.onProgress?.({ step: 'volume', message: `Deleting volume ${spec.volumeName}` })
  await engine.volumes.remove(spec.volumeName, { force: true })
  const result = await upServer(engine, spec, { ...options, password, volumeKnown: true })
  return { ...result, action: 'created' }
}
