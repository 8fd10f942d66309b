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
  LABELS.project,
  LABELS.projectDir,
  LABELS.configHash,
]

// The tenant-name rule (and the reserved name `shared`) lives in @systemprompt/config.
export { assertTenantName, isValidTenantName, TENANT_NAME_RULE } from '@systemprompt/config/core'

/**
 * A dedicated server's Docker names carry the tenant AND the project id (tenants.json `project_id`), so two
 * projects on one machine may both have a tenant `dedi`.
 */
export function dedicatedContainerName(tenant: string, projectId: string): string {
  return `systemprompt-postgres-${tenant}-${projectId}`
}

export function dedicatedVolumeName(tenant: string, projectId: string): string {
  return `systemprompt-postgres-${tenant}-${projectId}-data`
}

/**
 * The names dedicated servers had before they carried the project id (`db up` adopts and migrates a
 * server made that way when it provably belongs to the project; see @systemprompt/postgres).
 */
export function legacyDedicatedNames(tenant: string): { containerName: string; volumeName: string } {
  return {
    containerName: `systemprompt-postgres-${tenant}`,
    volumeName: `systemprompt-postgres-${tenant}-data`,
  }
}

/**
 * Dedicated servers get the service `postgres-<tenant>`, not `postgres`: all of a project's dedicated
 * servers form one compose project (below), and Compose finds a project's containers by service label, so
 * distinct service names keep `docker-compose -f <tenant>.yaml ps|up` to that file's container.
 */
export function dedicatedServiceName(tenant: string): string {
  return `postgres-${tenant}`
}

/**
 * Compose project of the shared server: machine-wide, one for every project. The project's docker
 * directory names another project in `.env` (below), so run `docker-compose -p systemprompt-shared -f
 * shared.yaml ...` for it.
 */
export const SHARED_COMPOSE_PROJECT = 'systemprompt-shared'

/**
 * Compose project of a project's dedicated servers. Compose v1 cannot read a top-level `name:`; it takes
 * COMPOSE_PROJECT_NAME from the `.env` beside the compose file, which the generator writes (env-file.ts).
 * So `docker-compose -f <tenant>.yaml down --remove-orphans` touches this project's dedicated containers only,
 * never another project's nor the shared one.
 */
export function dedicatedComposeProject(projectId: string): string {
  return `systemprompt-${projectId}`
}

/** File name of the password file, inside `<dockerDir>/.secrets/`. */
export function passwordFileName(tenant?: string): string {
  return `${tenant ?? SHARED_NAME}.password`
}

/**
 * The project name Compose derives from the directory of the compose file (docker-compose 1.29's rule:
 * lowercase, drop everything but a-z 0-9 _ -). Files generated before servers had their own compose
 * project names were realised under it (`docker` for `.systemprompt/docker`); parse reads such a file
 * back under that name, so it is recognised as generated (and regenerated) rather than hand-edited.
 */
export function composeProjectName(composeDir: string): string {
  const normalized = basename(composeDir)
    .toLowerCase()
    .replace(/[^-_a-z0-9]/g, '')
  return normalized === '' ? 'default' : normalized
}
