/**
 * Facts shared by several packages, defined once. Label keys mark what systemprompt made and why; the
 * compose keys make Docker Compose (v1 and v2) treat a container the runner created as its own.
 */

/** Login role of every PostgreSQL server we run (shared and dedicated). */
export const ADMIN_USER = 'systemprompt_admin'
/** Maintenance database the admin connects to. */
export const ADMIN_DATABASE = 'postgres'

/** Image used when neither the environment, the profile nor shared_config.json names one. */
export const DEFAULT_POSTGRES_IMAGE = 'postgres:17-alpine'
/** Host port of the shared server unless configured otherwise. */
export const DEFAULT_SHARED_PORT = 5432
/** First host port tried for a dedicated server; the first free one from here is used. */
export const DEFAULT_DEDICATED_PORT = 5433
/** Port PostgreSQL listens on inside its container. */
export const POSTGRES_CONTAINER_PORT = 5432

/** Our label keys. The generator owns them: a caller's extra labels may not reuse them. */
export const LABELS = {
  /** "1" on every object systemprompt created. */
  managed: 'systemprompt.managed',
  /** `postgres-shared` or `postgres-dedicated`. */
  role: 'systemprompt.role',
  /** Tenant name of a dedicated server. */
  tenant: 'systemprompt.tenant',
  /** Project id (tenants.json `project_id`) of the project that owns a dedicated server, its volume. */
  project: 'systemprompt.project',
  /** Absolute root of that project when the object was made (read-only commands say whose it is). */
  projectDir: 'systemprompt.project-dir',
  /** Hash of the declared config the container was created from; a different hash means "re-create". */
  configHash: 'systemprompt.config-hash',
  /** Tests put this on everything they make, so cleanup can find it. */
  test: 'systemprompt.test',
} as const

/** Values of LABELS.role. */
export const ROLE_SHARED = 'postgres-shared'
export const ROLE_DEDICATED = 'postgres-dedicated'

/** The label keys Docker Compose itself reads and writes. */
export const COMPOSE_LABELS = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  oneoff: 'com.docker.compose.oneoff',
  containerNumber: 'com.docker.compose.container-number',
  version: 'com.docker.compose.version',
  configHash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  volume: 'com.docker.compose.volume',
} as const

/** How long a local server may take to accept a login, when neither --timeout nor the profile says. */
export const DEFAULT_READY_TIMEOUT_SECONDS = 60

/**
 * Set by the MCP supervisor (`infra services start --all`, @systemprompt/runtime) in each MCP server's
 * environment to its own pid; the artifacts `build mcp` writes (@systemprompt/build) watch it and stop when
 * their parent is no longer that process (a SIGKILLed supervisor leaves no orphans).
 */
export const MCP_SUPERVISOR_PID_ENV = 'SYSTEMPROMPT_MCP_SUPERVISOR_PID'
