/**
 * Every stable error code of the toolkit, complete: `SystempromptError.code` is typed as this catalogue's
 * union, so a code that is not listed here does not compile. Scripts and docs rely on these strings, so a
 * code is never renamed.
 */
export const ErrorCode = {
  // Project and configuration files
  PROJECT_NOT_FOUND: 'PROJECT_NOT_FOUND',
  /** The project id belongs to another existing directory: this one is a copy. */
  PROJECT_COPIED: 'PROJECT_COPIED',
  /** `config new-id` in a directory that is not a copy (without --force). */
  PROJECT_NOT_A_COPY: 'PROJECT_NOT_A_COPY',
  CONFIG_MISSING: 'CONFIG_MISSING',
  CONFIG_YAML_SYNTAX: 'CONFIG_YAML_SYNTAX',
  CONFIG_JSON_SYNTAX: 'CONFIG_JSON_SYNTAX',
  CONFIG_INVALID: 'CONFIG_INVALID',
  CONFIG_UNREADABLE: 'CONFIG_UNREADABLE',
  CONFIG_NOT_A_FILE: 'CONFIG_NOT_A_FILE',
  CONFIG_NOT_A_DIRECTORY: 'CONFIG_NOT_A_DIRECTORY',
  CONFIG_INSECURE_MODE: 'CONFIG_INSECURE_MODE',
  ENV_INVALID: 'ENV_INVALID',
  TENANT_NAME_INVALID: 'TENANT_NAME_INVALID',
  PROFILE_NAME_INVALID: 'PROFILE_NAME_INVALID',
  // Files on disk
  LOCK_TIMEOUT: 'LOCK_TIMEOUT',
  WRITE_FAILED: 'WRITE_FAILED',
  // Docker engine
  ENGINE_UNREACHABLE: 'ENGINE_UNREACHABLE',
  ENGINE_ERROR: 'ENGINE_ERROR',
  IMAGE_MISSING: 'IMAGE_MISSING',
  /** The engine could not pull an image; the message carries the engine's (registry's) reason. */
  IMAGE_PULL_FAILED: 'IMAGE_PULL_FAILED',
  /** An image reference that Docker's grammar (or the engine) rejects. */
  IMAGE_REFERENCE_INVALID: 'IMAGE_REFERENCE_INVALID',
  PORT_IN_USE: 'PORT_IN_USE',
  VOLUME_PASSWORD_MISMATCH: 'VOLUME_PASSWORD_MISMATCH',
  VOLUME_ORPHANED: 'VOLUME_ORPHANED',
  SERVER_EXITED: 'SERVER_EXITED',
  SERVER_TIMEOUT: 'SERVER_TIMEOUT',
  COMPOSE_INVALID: 'COMPOSE_INVALID',
  // PostgreSQL
  /** A DATABASE_URL that breaks the rule (user, host, database; bounded length). */
  DATABASE_URL_INVALID: 'DATABASE_URL_INVALID',
  DATABASE_UNREACHABLE: 'DATABASE_UNREACHABLE',
  DATABASE_ERROR: 'DATABASE_ERROR',
  DATABASE_NOT_FOUND: 'DATABASE_NOT_FOUND',
  DATABASE_IN_USE: 'DATABASE_IN_USE',
  DATABASE_STARTING: 'DATABASE_STARTING',
  DATABASE_TOO_MANY_CONNECTIONS: 'DATABASE_TOO_MANY_CONNECTIONS',
  DATABASE_OBJECT_IN_USE: 'DATABASE_OBJECT_IN_USE',
  // Tenants and profiles
  TENANT_EXISTS: 'TENANT_EXISTS',
  TENANT_NOT_FOUND: 'TENANT_NOT_FOUND',
  PROFILE_EXISTS: 'PROFILE_EXISTS',
  PROFILE_NOT_FOUND: 'PROFILE_NOT_FOUND',
  // Commands
  CONFIRMATION_REQUIRED: 'CONFIRMATION_REQUIRED',
  USAGE: 'USAGE',
  NOT_IMPLEMENTED: 'NOT_IMPLEMENTED',
  /** `db psql`: no psql on PATH, and no local server container to run it in (an external tenant). */
  PSQL_UNAVAILABLE: 'PSQL_UNAVAILABLE',
  /** `db psql`: the server's container exists but is not running. */
  SERVER_NOT_RUNNING: 'SERVER_NOT_RUNNING',
  INTERNAL: 'INTERNAL',
  /** A file of the installed CLI (a chunk of its bundle) or an asset of the release binary cannot be read. */
  INSTALL_BROKEN: 'INSTALL_BROKEN',
  // Raised by engine, compose and registry (listed here so the catalogue is complete)
  ADOPTION_FAILED: 'ADOPTION_FAILED',
  COMPOSE_HAND_EDITED: 'COMPOSE_HAND_EDITED',
  COMPOSE_SPEC_INVALID: 'COMPOSE_SPEC_INVALID',
  CONFIRMATION_DECLINED: 'CONFIRMATION_DECLINED',
  CONTAINER_NAME_TAKEN: 'CONTAINER_NAME_TAKEN',
  DATABASE_AUTH_FAILED: 'DATABASE_AUTH_FAILED',
  DATABASE_OBJECT_EXISTS: 'DATABASE_OBJECT_EXISTS',
  DATABASE_PERMISSION_DENIED: 'DATABASE_PERMISSION_DENIED',
  DOCTOR_FOUND_PROBLEMS: 'DOCTOR_FOUND_PROBLEMS',
  ENGINE_BAD_REQUEST: 'ENGINE_BAD_REQUEST',
  ENGINE_CONFLICT: 'ENGINE_CONFLICT',
  ENGINE_NOT_FOUND: 'ENGINE_NOT_FOUND',
  ENGINE_REQUEST_TIMEOUT: 'ENGINE_REQUEST_TIMEOUT',
  ENGINE_STREAM_ERROR: 'ENGINE_STREAM_ERROR',
  ENGINE_TIMEOUT: 'ENGINE_TIMEOUT',
  FILE_WRITE_FAILED: 'FILE_WRITE_FAILED',
  PASSWORD_FILE_EMPTY: 'PASSWORD_FILE_EMPTY',
  PASSWORD_FILE_MISSING: 'PASSWORD_FILE_MISSING',
  PORT_EXHAUSTED: 'PORT_EXHAUSTED',
  PROFILE_IN_USE: 'PROFILE_IN_USE',
  SERVER_NOT_FOUND: 'SERVER_NOT_FOUND',
  SERVER_NOT_MANAGED: 'SERVER_NOT_MANAGED',
  SERVER_OWNED_ELSEWHERE: 'SERVER_OWNED_ELSEWHERE',
  SERVER_START_FAILED: 'SERVER_START_FAILED',
  SHARED_CONFIG_DRIFT: 'SHARED_CONFIG_DRIFT',
  /** A change to the machine-wide shared server (port, image, password file) that other projects use; needs --yes. */
  SHARED_SERVER_IN_USE: 'SHARED_SERVER_IN_USE',
  TEMP_FILE_LEFTOVER: 'TEMP_FILE_LEFTOVER',
  TENANT_BUSY: 'TENANT_BUSY',
  TENANT_DRIFT: 'TENANT_DRIFT',
  TENANT_NOT_DEDICATED: 'TENANT_NOT_DEDICATED',
  TENANT_ORPHAN_DATABASE: 'TENANT_ORPHAN_DATABASE',
  TENANT_ORPHAN_ROLE: 'TENANT_ORPHAN_ROLE',
  TENANT_PENDING: 'TENANT_PENDING',
  TENANT_DELETING: 'TENANT_DELETING',
  /** Doctor: a lock file whose holder process is gone (a killed run). */
  LOCK_STALE: 'LOCK_STALE',
  /** Doctor: PUBLIC may still connect to (or make TEMP tables in) postgres / template1 of a server with tenants. */
  MAINTENANCE_DB_OPEN: 'MAINTENANCE_DB_OPEN',
  /** Doctor: a dedicated tenant's server does not answer (container stopped or missing). */
  TENANT_SERVER_DOWN: 'TENANT_SERVER_DOWN',
  /** Doctor: a profile's DATABASE_URL points at another port than the one its server is declared on. */
  TENANT_URL_WRONG_PORT: 'TENANT_URL_WRONG_PORT',
  // The runtime inside the image (SPEC 5): migrations, the API server, the MCP supervisor
  /** No DATABASE_URL: not in the environment, not in <NAME>_FILE, not in the active profile's secrets. */
  DATABASE_URL_MISSING: 'DATABASE_URL_MISSING',
  /** A `<NAME>_FILE` secret file that cannot be read (or both NAME and NAME_FILE set). */
  SECRET_FILE_UNREADABLE: 'SECRET_FILE_UNREADABLE',
  /** The migrations path is missing, a file, or unreadable. */
  MIGRATIONS_PATH_INVALID: 'MIGRATIONS_PATH_INVALID',
  /** A file in the migrations directory whose name is not NNNN_name.sql. */
  MIGRATION_NAME_INVALID: 'MIGRATION_NAME_INVALID',
  /** Two migration files share a version. */
  MIGRATION_DUPLICATE_VERSION: 'MIGRATION_DUPLICATE_VERSION',
  /** A pending version lower than the highest applied one (without --allow-out-of-order). */
  MIGRATION_OUT_OF_ORDER: 'MIGRATION_OUT_OF_ORDER',
  /** An applied migration file was edited: its sha256 differs from the recorded one. */
  MIGRATION_CHECKSUM_MISMATCH: 'MIGRATION_CHECKSUM_MISMATCH',
  /** An applied migration's file is gone from disk (a warning). */
  MIGRATION_FILE_MISSING: 'MIGRATION_FILE_MISSING',
  /** A migration's SQL failed; rolled back; file, line and SQLSTATE in the message. */
  MIGRATION_FAILED: 'MIGRATION_FAILED',
  /** The migration lock was not acquired within --lock-timeout; the holder is named. */
  MIGRATION_LOCK_TIMEOUT: 'MIGRATION_LOCK_TIMEOUT',
  /** Migrations are pending (`infra db status`, exit 2). */
  MIGRATIONS_PENDING: 'MIGRATIONS_PENDING',
  /** The API server could not bind HOST:PORT (address not available, in use, no permission). */
  LISTEN_FAILED: 'LISTEN_FAILED',
  /** `infra services health`: the server did not answer healthy. */
  HEALTH_CHECK_FAILED: 'HEALTH_CHECK_FAILED',
  /** An unknown RUST_LOG level (a warning: info is used). */
  LOG_LEVEL_UNKNOWN: 'LOG_LEVEL_UNKNOWN',
  /** services/mcp/<name>/: no package.json, no main, or a main that does not exist. */
  MCP_SERVER_INVALID: 'MCP_SERVER_INVALID',
  /** Bundling an MCP server failed (esbuild's errors with file:line). */
  MCP_BUILD_FAILED: 'MCP_BUILD_FAILED',
  /** `start --all` found no built MCP artifacts where the sources say there should be some. */
  MCP_NOT_BUILT: 'MCP_NOT_BUILT',
  /** `start --all`: an MCP artifact whose sources changed since `build mcp` made it (a warning: it still runs). */
  MCP_ARTIFACT_STALE: 'MCP_ARTIFACT_STALE',
  /** `build release` failed (bundle, blob, strip, inject). */
  RELEASE_BUILD_FAILED: 'RELEASE_BUILD_FAILED',
  /** `build release` / `build mcp` cannot run here (not Linux x64, or run from inside the release binary). */
  RELEASE_UNSUPPORTED: 'RELEASE_UNSUPPORTED',
  // The application image (SPEC 6): a profile's Dockerfile, Dockerfile.dockerignore and entrypoint.sh
  /** A profile has no generated Dockerfile (made before they existed): `cloud dockerfile --write` makes it. */
  DOCKERFILE_MISSING: 'DOCKERFILE_MISSING',
  /** `docker build`: a COPY source that is not in the build context (missing, or kept out by the dockerignore). */
  DOCKER_CONTEXT_PATH_MISSING: 'DOCKER_CONTEXT_PATH_MISSING',
  /** `docker build`: no release binary at target/release/systemprompt. */
  RELEASE_BINARY_MISSING: 'RELEASE_BINARY_MISSING',
  /** `docker run`: the app's container exited or did not answer its health check in time. */
  APP_START_FAILED: 'APP_START_FAILED',
  /** A command stopped by Ctrl-C or SIGTERM before it finished (what it made is removed). */
  INTERRUPTED: 'INTERRUPTED',
  /** A generated Docker file was edited by hand: `--write` keeps it unless `--force`. */
  DOCKERFILE_HAND_EDITED: 'DOCKERFILE_HAND_EDITED',
  /** `cloud dockerfile --check`: a file is missing, stale, hand-edited, or breaks a rule (file:line). */
  DOCKERFILE_CHECK_FAILED: 'DOCKERFILE_CHECK_FAILED',
  /** What a profile asks of its image cannot be generated (an untagged base image). */
  DOCKERFILE_INPUT_INVALID: 'DOCKERFILE_INPUT_INVALID',
  /** Several profiles and none chosen (no --profile, no SYSTEMPROMPT_PROFILE), or none at all. */
  PROFILE_NOT_CHOSEN: 'PROFILE_NOT_CHOSEN',
  // Deploy (SPEC 7)
  /** The profile has no usable `deploy:` section (no registry for a push, no target). */
  DEPLOY_NOT_CONFIGURED: 'DEPLOY_NOT_CONFIGURED',
  /** The registry does not answer (DNS, connection refused, TLS, timeout). */
  DEPLOY_REGISTRY_UNREACHABLE: 'DEPLOY_REGISTRY_UNREACHABLE',
  /** The registry refused the credentials (401/403): never reported as a missing image. */
  DEPLOY_REGISTRY_AUTH: 'DEPLOY_REGISTRY_AUTH',
  /** Target swarm on an engine that is not a Swarm manager. */
  DEPLOY_NOT_SWARM_MANAGER: 'DEPLOY_NOT_SWARM_MANAGER',
  /** A network named in `deploy.networks` does not exist (or cannot be joined by a service). */
  DEPLOY_NETWORK_MISSING: 'DEPLOY_NETWORK_MISSING',
  /** `--skip-push` / rollback: the image for these inputs is not in the registry. */
  DEPLOY_IMAGE_MISSING: 'DEPLOY_IMAGE_MISSING',
  /** The new version failed and the previous one was restored (Swarm rollback, or the old container). */
  DEPLOY_ROLLED_BACK: 'DEPLOY_ROLLED_BACK',
  /** The rollout failed and nothing could be restored (a first deploy, or the rollback failed too). */
  DEPLOY_FAILED: 'DEPLOY_FAILED',
  /** Another deploy of this profile runs (the lock names it). */
  DEPLOY_IN_PROGRESS: 'DEPLOY_IN_PROGRESS',
  /** `cloud deploy rollback`: no earlier deploy to go back to. */
  DEPLOY_HISTORY_EMPTY: 'DEPLOY_HISTORY_EMPTY',
  /** A generator was handed a relative path (a bug in the caller). */
  INTERNAL_RELATIVE_PATH: 'INTERNAL_RELATIVE_PATH',
} as const

/** One code of the catalogue. */
export type ErrorCodeName = (typeof ErrorCode)[keyof typeof ErrorCode]
