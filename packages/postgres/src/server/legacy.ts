// Dedicated servers made before their names carried the project id: container `systemprompt-postgres-<tenant>`,
// volume `systemprompt-postgres-<tenant>-data` (plus the instance suffix), no project label. They are adopted
// only when they provably belong to this project, and moved to the project's own container without data loss.
import { realpath } from 'node:fs/promises'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { legacyDedicatedNames, POSTGRES_DATA_DIR, SECRET_MOUNT_PATH } from '@systemprompt/compose'
import type { TenantRecord } from '@systemprompt/config'
import { LABELS, type ProjectLayout } from '@systemprompt/config/core'
import type { ContainerInfo, Engine } from '@systemprompt/engine'
import { isManaged } from '../runner/ownership.js'
import type { RunnerProgress } from '../runner/progress.js'
import { withInstance } from './context.js'

/** A legacy server of this tenant that is provably this project's. */
export interface LegacyServer {
  containerName: string
  /** The volume that holds its data (the one its container mounts, else the legacy name). */
  volumeName: string
  /** Its container, when there still is one. */
  container?: ContainerInfo
}

export type LegacyLookup =
  | { kind: 'none' }
  | { kind: 'ours'; server: LegacyServer }
  /** A legacy container of that tenant name that is not ours (another project's): never touched. */
  | { kind: 'foreign'; containerName: string }

/**
 * Looks for a legacy server of `tenant`. Ours when its container mounts this project's password file at the
 * secret path; or — only to start the server (`purpose: 'up'`) — with no container, when this project's
 * compose file declares its volume (the caller only asks for a tenant it has a record of). Legacy names are
 * the same in every project, so a volume alone never proves enough to stop, reset or remove anything. A
 * container of that name with a project label is a project-scoped server of another tenant name, not a
 * legacy one.
 */
export async function findLegacyServer(
  engine: Engine,
  layout: ProjectLayout,
  tenant: string,
  instance: string | undefined,
  declared: PostgresServerSpec | undefined,
  purpose: 'up' | 'change',
): Promise<LegacyLookup> {
  const names = withInstance(legacyDedicatedNames(tenant), instance)
  const container = await engine.containers.inspect(names.containerName)
  if (container && container.Config.Labels?.[LABELS.project] === undefined) {
    if (!isManaged(container) || !(await mountsOurPassword(container, layout.tenantPasswordFile(tenant))))
      return { kind: 'foreign', containerName: names.containerName }
    const data = container.Mounts.find((m) => m.Destination === POSTGRES_DATA_DIR)
    const volumeName = data?.Name ?? names.volumeName
    return { kind: 'ours', server: { containerName: names.containerName, volumeName, container } }
  }
  if (purpose !== 'up' || declared?.projectId !== undefined || declared?.volumeName !== names.volumeName)
    return { kind: 'none' }
  const volume = await engine.volumes.inspect(names.volumeName)
  if (!volume || volume.Labels?.[LABELS.project] !== undefined) return { kind: 'none' }
  return { kind: 'ours', server: { containerName: names.containerName, volumeName: names.volumeName } }
}

async function mountsOurPassword(container: ContainerInfo, passwordFile: string): Promise<boolean> {
  const source = container.Mounts.find((m) => m.Destination === SECRET_MOUNT_PATH)?.Source
  if (source === undefined) return false
  if (source === passwordFile) return true
  const real = await realpath(passwordFile).catch(() => undefined)
  return real !== undefined && real === source
}

/**
 * Moves a legacy server of ours onto the project's own names, data kept: the record names the volume first
 * (so an interruption after this point still finds the data), then the old container is stopped cleanly and
 * removed. The caller then realises the new container on that volume.
 */
export async function retireLegacyServer(
  engine: Engine,
  layout: ProjectLayout,
  record: TenantRecord,
  legacy: LegacyServer,
  onProgress?: RunnerProgress,
): Promise<TenantRecord> {
  let current = record
  if (record.volume_name !== legacy.volumeName) {
    const { patchTenantRecord } = await import('@systemprompt/config')
    current =
      (await patchTenantRecord(layout, record.name, { volume_name: legacy.volumeName })) ??
      ({ ...record, volume_name: legacy.volumeName } satisfies TenantRecord)
  }
  const container = legacy.container
  if (container) {
    if (container.State.Running || container.State.Restarting) {
      onProgress?.({
        step: 'stop',
        message: `Stopping ${legacy.containerName} (made before names carried the project id)`,
      })
      await engine.containers.stop(container.Id, 10)
    }
    onProgress?.({
      step: 'remove',
      message: `Removing ${legacy.containerName}; its data stays in ${legacy.volumeName} for the new container`,
    })
    await engine.containers.remove(container.Id, { force: true })
  }
  return current
}

/** The legacy container as a spec the runner can stop, show or read the log of (its names, no project). */
export function legacySpec(spec: PostgresServerSpec, legacy: LegacyServer): PostgresServerSpec {
  const { projectId: _id, projectDir: _dir, ...rest } = spec
  return { ...rest, containerName: legacy.containerName, volumeName: legacy.volumeName }
}
