import { relative } from 'node:path'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { configHash, SECRET_MOUNT_PATH } from '@systemprompt/compose'
import type { SharedConfig } from '@systemprompt/config'
import { type ContainerInfo, LABELS } from '@systemprompt/engine'
import { isManaged, publishedPort } from '../runner/ownership.js'
import type { UpAction } from '../runner/up.js'

/**
 * What `db up` finds for the shared server, from shared_config.json and one container inspect. Each case
 * has its own way to the server (shared.ts); who knows the admin password is what tells them apart.
 */
export type SharedCase =
  /** A container systemprompt did not make (the original tool, a user's own): adopted exactly as it is. */
  | { kind: 'unmanaged'; container: ContainerInfo; config: SharedConfig | undefined }
  /** No container and no record: a brand-new server with a new admin password. */
  | { kind: 'fresh' }
  /** A managed container and no record here: another project's server, joined as it is (its password). */
  | { kind: 'join'; container: ContainerInfo }
  /**
   * Our record, and a managed container that mounts another password file: another project made it (learn
   * its password), or it is ours from before the file moved out of the project (our record still opens it).
   */
  | { kind: 'relearn'; config: SharedConfig; container: ContainerInfo }
  /** Our record, and no container or ours mounting our password file: realised as recorded. */
  | { kind: 'recorded'; config: SharedConfig; container: ContainerInfo | undefined }

/** The decision step of `ensureSharedServer`; `passwordFile` is where this project keeps the password. */
export function classifyShared(
  config: SharedConfig | undefined,
  container: ContainerInfo | undefined,
  passwordFile: string,
): SharedCase {
  if (container && !isManaged(container)) return { kind: 'unmanaged', container, config }
  if (!config) return container ? { kind: 'join', container } : { kind: 'fresh' }
  if (container && secretSource(container) !== passwordFile) return { kind: 'relearn', config, container }
  return { kind: 'recorded', config, container }
}

/** Host file bind-mounted as the admin password secret. */
export function secretSource(container: ContainerInfo): string | undefined {
  return container.Mounts.find((m) => m.Destination === SECRET_MOUNT_PATH)?.Source
}

/**
 * Joining another project's server keeps its image and port (SYSTEMPROMPT_POSTGRES_IMAGE does not apply
 * to it); only what the caller asks for explicitly wins.
 */
export function joinedSpec(
  names: PostgresServerSpec,
  container: ContainerInfo,
  asked: { image?: string | undefined; port?: number | undefined },
): PostgresServerSpec {
  return {
    ...names,
    image: asked.image ?? container.Config.Image,
    port: asked.port ?? publishedPort(container) ?? names.port,
  }
}

/** Adoption logs in where the container listens now. */
export function adoptionSpec(desired: PostgresServerSpec, container: ContainerInfo): PostgresServerSpec {
  return { ...desired, port: publishedPort(container) ?? desired.port }
}

/**
 * A joined server that this project would declare differently is left as it is: joining never re-creates
 * the other project's server (adoption already proved it running and the password right).
 */
export function differsFromDeclared(container: ContainerInfo, spec: PostgresServerSpec): boolean {
  return container.Config.Labels?.[LABELS.configHash] !== configHash(spec)
}

/** A server that adoption started and the runner then found unchanged was, for the caller, started. */
export function actionAfterAdoption(startedByAdoption: boolean, action: UpAction): UpAction {
  return startedByAdoption && action === 'unchanged' ? 'started' : action
}

/**
 * Our own container still mounts its password file from inside the project (from before it moved to the
 * per-user location), and the spec declares another one: re-create it so it no longer depends on the
 * project directory.
 */
export function movedOutOfProject(
  container: ContainerInfo,
  dockerDir: string,
  passwordFile: string,
): boolean {
  const source = secretSource(container)
  if (!source || source === passwordFile) return false
  const rel = relative(dockerDir, source)
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith('/')
}
