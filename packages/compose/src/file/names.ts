import { basename } from 'node:path'
import { LABELS } from '@systemprompt/config/core'

// Defined once in @systemprompt/config (constants.ts); re-exported for the generator's callers.
export {
  ADMIN_DATABASE,
  ADMIN_USER,
  DEFAULT_DEDICATED_PORT,
  DEFAULT_POSTGRES_IMAGE,
  DEFAULT_SHARED_PORT,
  POSTGRES_CONTAINER_PORT,
  ROLE_DEDICATED,
  ROLE_SHARED,
} from '@systemprompt/config/core'
/** Where the official postgres image keeps its cluster. */
export const POSTGRES_DATA_DIR = '/var/lib/postgresql/data'

/** Compose keys inside our files. They are local to one file; the Docker objects get explicit names. */
export const VOLUME_KEY = 'data'
export const SECRET_KEY = 'postgres_admin_password'
/** Compose (v1 and v2) mounts file-backed secrets here. */
export const SECRET_MOUNT_PATH = `/run/secrets/${SECRET_KEY}`
/** Password files live beside the compose files, in this sub-directory (0600 each). */
export const SECRETS_DIR = '.secrets'

const SHARED_NAME = 'shared'
export const SHARED_CONTAINER = 'systemprompt-postgres-shared'
export const SHARED_VOLUME = 'systemprompt-postgres-shared-data'
export const SHARED_SERVICE = 'postgres'

/** The label keys the generator sets (from config's catalogue); a caller's extra labels may not reuse them. */
export const GENERATED_LABEL_KEYS: readonly string[] = [
  LABELS.managed,
  LABELS.role,
  LABELS.tenant,
  LABELS.configHash,
]

// The tenant-name rule (and the reserved name `shared`) lives in @systemprompt/config.
export { assertTenantName, isValidTenantName, TENANT_NAME_RULE } from '@systemprompt/config/core'

export function dedicatedContainerName(tenant: string): string {
  return `systemprompt-postgres-${tenant}`
}

export function dedicatedVolumeName(tenant: string): string {
  return `systemprompt-postgres-${tenant}-data`
}

/**
 * Dedicated servers get the service `postgres-<tenant>`, not `postgres`. Why: shared.yaml and every
 * <tenant>.yaml live in the same directory, and Compose (v1 cannot read a top-level `name:`) derives the
 * project name from that directory, so all of them form ONE project. Compose then finds a project's
 * containers by service label: with one service name `postgres` everywhere, `docker-compose -f t.yaml ps`
 * would list the shared container too, and `up -d` on t.yaml would try to recreate it. Distinct service
 * names keep each file's commands to its own container.
 */
export function dedicatedServiceName(tenant: string): string {
  return `postgres-${tenant}`
}

/** File name of the compose file of a server: `shared.yaml` or `<tenant>.yaml`. */
function composeFileName(tenant?: string): string {
  return `${tenant ?? SHARED_NAME}.yaml`
}

/** File name of the password file, inside `<dockerDir>/.secrets/`. */
export function passwordFileName(tenant?: string): string {
  return `${tenant ?? SHARED_NAME}.password`
}

/**
 * The project name Compose derives from the directory of the (first) compose file, so containers the
 * runner creates carry the same `com.docker.compose.project` label that `docker compose -f FILE ps` looks
 * for. Same rule as docker-compose 1.29 (lowercase, drop everything but a-z 0-9 _ -); v2 agrees for
 * ordinary directory names. COMPOSE_PROJECT_NAME (environment or a `.env` beside the file) overrides it
 * in Compose itself; we do not follow that.
 */
export function composeProjectName(composeDir: string): string {
  const normalized = basename(composeDir)
    .toLowerCase()
    .replace(/[^-_a-z0-9]/g, '')
  return normalized === '' ? 'default' : normalized
}
