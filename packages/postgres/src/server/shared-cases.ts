import { relative } from 'node:path'
import type { PostgresServerSpec } from '@systemprompt/compose'
import {
  configHash,
  DEFAULT_POSTGRES_IMAGE,
  DEFAULT_SHARED_PORT,
  SECRET_MOUNT_PATH,
} from '@systemprompt/compose'
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

/**
 * The image and port this project declares for the shared server. Only explicit requests change a server
 * that exists: --port and SYSTEMPROMPT_POSTGRES_IMAGE. Otherwise it is taken where and as it runs (another
 * project may have moved it, with --yes): the record is a memory, not a wish. The record, then the
 * profile's wishes (image, preferredPort), shape a server that does not exist.
 */
export function declaredSettings(
  asked: { port?: number; postgresImage?: string; image?: string; preferredPort?: number },
  config: SharedConfig | undefined,
  container: ContainerInfo | undefined,
): { image: string; port: number } {
  const existing = container && isManaged(container) ? container : undefined
  return {
    image:
      asked.postgresImage ||
      existing?.Config.Image ||
      (config ? config.image : asked.image) ||
      DEFAULT_POSTGRES_IMAGE,
    port: asked.port ?? publishedPort(existing) ?? config?.port ?? asked.preferredPort ?? DEFAULT_SHARED_PORT,
  }
}

/** Host file bind-mounted as the admin password secret. */
export function secretSource(container: ContainerInfo): string | undefined {
  return container.Mounts.find((m) => m.Destination === SECRET_MOUNT_PATH)?.Source
}

/**
 * Joining another project's server keeps its image and port (neither SYSTEMPROMPT_POSTGRES_IMAGE nor the
 * profile applies to it); only an explicit --port asks for a change (a move, which other projects see).
 */
export function joinedSpec(
  names: PostgresServerSpec,
  container: ContainerInfo,
  asked: { port?: number | undefined },
): PostgresServerSpec {
  return {
    ...names,
    image: container.Config.Image,
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

/**
 * One change of an existing shared server that every project using it would feel: the server is re-created
 * (their sessions drop), on another port (their URLs break), with another image (it may not even start), or
 * mounting its password file from another data dir (SYSTEMPROMPT_DATA_DIR; their `db up` would move it back).
 */
export type SharedChange =
  | { what: 'port'; from: number; to: number }
  | { what: 'image'; from: string; to: string }
  | { what: 'password-file'; from: string; to: string }

/**
 * What realising `spec` would change on the existing `container` for everyone. Our own container that still
 * mounts its password file from inside this project is a migration (movedOutOfProject), not a change.
 */
export function sharedChanges(
  container: ContainerInfo,
  spec: PostgresServerSpec,
  dockerDir: string,
): SharedChange[] {
  const changes: SharedChange[] = []
  const port = publishedPort(container)
  if (port !== undefined && port !== spec.port) changes.push({ what: 'port', from: port, to: spec.port })
  if (container.Config.Image !== spec.image)
    changes.push({ what: 'image', from: container.Config.Image, to: spec.image })
  const source = secretSource(container)
  if (source && source !== spec.passwordFile && !movedOutOfProject(container, dockerDir, spec.passwordFile))
    changes.push({ what: 'password-file', from: source, to: spec.passwordFile })
  return changes
}

/** "port 5432 → 5460, image a → b" for messages. */
export function describeChanges(changes: SharedChange[]): string {
  return changes
    .map((change) => {
      const what = { port: 'port', image: 'image', 'password-file': 'password file' }[change.what]
      return `${what} ${change.from} → ${change.to}`
    })
    .join(', ')
}
