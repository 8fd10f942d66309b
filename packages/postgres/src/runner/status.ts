import type { PostgresServerSpec } from '@systemprompt/compose'
import { configHash, SECRET_MOUNT_PATH } from '@systemprompt/compose'
import { type ContainerInfo, type Engine, LABELS } from '@systemprompt/engine'
import { assertProjectOf, type ObjectOwner, ownerOf, publishedPort } from './ownership.js'

type ServerState =
  | 'running'
  | 'restarting'
  | 'paused'
  | 'exited'
  | 'created'
  | 'dead'
  | 'removing'
  | 'missing'

/** One difference between the declared server (compose file) and the container that exists. */
interface DriftItem {
  field: 'image' | 'port' | 'config-hash' | 'volume' | 'password-file'
  declared: string
  actual: string
}

export interface ServerStatus {
  containerName: string
  containerId?: string
  state: ServerState
  /** Healthcheck status as the engine reports it. */
  health?: 'starting' | 'healthy' | 'unhealthy' | 'none'
  exitCode?: number
  /** Image the container runs (as declared when it was created). */
  image?: string
  /** Host port published on 127.0.0.1. */
  port?: number
  volume: { name: string; exists: boolean; createdAt?: string }
  startedAt?: string
  uptimeMs?: number
  /** Empty when the container matches the file. Missing container: no drift (just `missing`). */
  drift: DriftItem[]
  /** A dedicated server's project, as its container's (else its volume's) labels say. */
  owner?: ObjectOwner
}

/**
 * State, health, port, image, volume, uptime, and drift between the declared spec and the container. A
 * dedicated server's container (or volume) of another project is not shown: SERVER_OWNED_ELSEWHERE says whose.
 */
export async function serverStatus(engine: Engine, spec: PostgresServerSpec): Promise<ServerStatus> {
  const [info, volume] = await Promise.all([
    engine.containers.inspect(spec.containerName),
    engine.volumes.inspect(spec.volumeName),
  ])
  if (info) assertProjectOf(spec, { kind: 'container', name: spec.containerName, labels: info.Config.Labels })
  if (volume) assertProjectOf(spec, { kind: 'volume', name: spec.volumeName, labels: volume.Labels })
  const volumeStatus = {
    name: spec.volumeName,
    exists: Boolean(volume),
    ...(volume?.CreatedAt ? { createdAt: volume.CreatedAt } : {}),
  }
  const owner = ownerOf(info?.Config.Labels ?? volume?.Labels)
  const ownerField = spec.kind === 'dedicated' && owner.projectId !== undefined ? { owner } : {}
  if (!info)
    return {
      containerName: spec.containerName,
      state: 'missing',
      volume: volumeStatus,
      drift: [],
      ...ownerField,
    }

  const state = info.State.Status as ServerState
  const running = info.State.Running
  const port = publishedPort(info)
  const status: ServerStatus = {
    containerName: spec.containerName,
    containerId: info.Id,
    state,
    // The engine keeps the last health of a stopped container: it says nothing about a server that is not running.
    health: running ? ((info.State.Health?.Status as ServerStatus['health']) ?? 'none') : 'none',
    image: info.Config.Image,
    volume: volumeStatus,
    drift: driftOf(spec, info, port),
    ...ownerField,
  }
  if (port !== undefined) status.port = port
  if (!running) status.exitCode = info.State.ExitCode
  if (running && info.State.StartedAt) {
    status.startedAt = info.State.StartedAt
    status.uptimeMs = Math.max(0, Date.now() - Date.parse(info.State.StartedAt))
  }
  return status
}

function driftOf(spec: PostgresServerSpec, info: ContainerInfo, port: number | undefined): DriftItem[] {
  const drift: DriftItem[] = []
  if (info.Config.Image !== spec.image)
    drift.push({ field: 'image', declared: spec.image, actual: info.Config.Image })
  if (port !== spec.port)
    drift.push({ field: 'port', declared: String(spec.port), actual: String(port ?? 'none') })
  const volumeMount = info.Mounts.find((m) => m.Destination === '/var/lib/postgresql/data')
  const mountedVolume = volumeMount?.Name ?? volumeMount?.Source ?? 'none'
  if (mountedVolume !== spec.volumeName)
    drift.push({ field: 'volume', declared: spec.volumeName, actual: mountedVolume })
  // The config hash covers the password file's name only: a container that mounts the file from another
  // directory (another SYSTEMPROMPT_DATA_DIR, another project) is drift the hash cannot show.
  const secret = info.Mounts.find((m) => m.Destination === SECRET_MOUNT_PATH)?.Source ?? 'none'
  if (secret !== spec.passwordFile)
    drift.push({ field: 'password-file', declared: spec.passwordFile, actual: secret })
  const declaredHash = configHash(spec)
  const actualHash = info.Config.Labels?.[LABELS.configHash] ?? 'none'
  if (actualHash !== declaredHash)
    drift.push({ field: 'config-hash', declared: declaredHash, actual: actualHash })
  return drift
}
