import { createRequire } from 'node:module'
import { join } from 'node:path'
import { DEFAULT_POSTGRES_IMAGE } from '@systemprompt/compose'
import type { DockerEnv } from '@systemprompt/config/core'
import { connectEngine, type Engine } from '@systemprompt/engine'

/**
 * What the caller knows about the machine, passed down as options (the CLI reads them once from the
 * environment through @systemprompt/config's `readCliEnv`; this package never reads the environment itself).
 */
export interface ServerEnvironment {
  /** Per-user directory for machine-wide state: the shared server's password file lives under it. */
  dataDir: string
  /** An engine already connected (internal callers and tests reuse theirs); connected from `dockerEnv` otherwise. */
  engine?: Engine
  /** How to find the engine (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, XDG_RUNTIME_DIR, HOME). */
  dockerEnv?: DockerEnv
  /**
   * Suffix of every Docker object name (`systemprompt-postgres-shared-<instance>`, `...-<instance>-data`),
   * so test runs and benchmarks never touch the machine's real `systemprompt-postgres-*` objects.
   */
  instance?: string
  /** Extra labels on every Docker object (tests and benchmarks mark what they make as theirs). */
  labels?: Record<string, string>
  /**
   * SYSTEMPROMPT_POSTGRES_IMAGE: wins over the image asked for (the profile's) and the recorded one for
   * this project's own servers; never applied to a shared server this project joins.
   */
  postgresImage?: string
}

/**
 * The machine settings plus what the active profile's `docker:` settings ask for (explicit values only; the
 * CLI reads the profile): for callers that start servers on the user's behalf (tenant creation).
 */
export interface ServerSettings extends ServerEnvironment {
  /** docker.postgres_image (`postgresImage` still wins). */
  image?: string
  /** docker.shared_port: the shared server's port when no --port is given. */
  sharedPort?: number
  /** docker.dedicated_port_start: where the search for a dedicated server's free port starts. */
  dedicatedPortStart?: number
}

/** Options every project-level call accepts. */
export interface ProjectServerOptions extends ServerEnvironment {
  /** Project root (the directory that contains `.systemprompt/`). */
  root: string
}

/** Appends the instance suffix to the default container and volume names of a spec. */
export function withInstance<T extends { containerName: string; volumeName: string }>(
  spec: T,
  instance: string | undefined,
): T {
  if (!instance) return spec
  return {
    ...spec,
    containerName: `${spec.containerName}-${instance}`,
    volumeName: `${spec.volumeName.replace(/-data$/, '')}-${instance}-data`,
  }
}

export async function engineFor(options: { engine?: Engine; dockerEnv?: DockerEnv }): Promise<Engine> {
  return options.engine ?? (await connectEngine({ env: options.dockerEnv ?? {} }))
}

/**
 * The image of a server: SYSTEMPROMPT_POSTGRES_IMAGE (`postgresImage`) wins, then what the caller asks for
 * (the profile's docker.postgres_image), then what the project recorded, then the default.
 */
export function resolveImage(postgresImage?: string, requested?: string, recorded?: string): string {
  return postgresImage || requested || recorded || DEFAULT_POSTGRES_IMAGE
}

let version: string | undefined
/** Version written into generated file headers: this package's version. */
export function generatorVersion(): string {
  if (version) return version
  try {
    version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version
  } catch {
    version = '0.0.0'
  }
  return version
}

/**
 * The shared server's password file (0600, in a 0700 directory). The shared server is machine-wide, so
 * its secret lives per user, outside every project: deleting the project that first started the server
 * must not leave the container bind-mounting a path that no longer exists (docker would turn it into a
 * directory on the next restart). One directory per container name, so suffixed test servers never share
 * it; the file keeps the name `shared.password` (the config hash covers the base name only).
 * Each project still records the password as `admin_password` in its shared_config.json; this file is
 * regenerated from it.
 */
export function sharedPasswordFile(dataDir: string, containerName: string): string {
  return join(dataDir, containerName, 'shared.password')
}

/**
 * The machine-wide lock of one shared server (`<dataDir>/.locks/<container>.lock`): every project's slow
 * `db up`, and the shared `db reset` and `db down`, change that one server one at a time.
 */
export function sharedServerLockFile(dataDir: string, containerName: string): string {
  return join(dataDir, '.locks', `${containerName}.lock`)
}
