import { createRequire } from 'node:module'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { DEFAULT_POSTGRES_IMAGE } from '@systemprompt/compose'
import { connectEngine, type Engine } from '@systemprompt/engine'

/** Options every project-level call accepts. */
export interface ProjectServerOptions {
  /** Project root (the directory that contains `.systemprompt/`). */
  root: string
  env?: NodeJS.ProcessEnv
  /** An engine already connected (internal callers reuse theirs); connected from `env` otherwise. */
  engine?: Engine
  /**
   * Tests only: names and labels for the Docker objects, so test runs never touch the real
   * `systemprompt-postgres-*` objects of the machine.
   */
  overrides?: ServerOverrides
}

export interface ServerOverrides {
  containerName?: string
  volumeName?: string
  /** Appended to the default container and volume names (`systemprompt-postgres-shared-<suffix>`). */
  nameSuffix?: string
  labels?: Record<string, string>
}

/**
 * Test hook for whole-CLI tests: SYSTEMPROMPT_TEST_NAME_SUFFIX suffixes the Docker names and
 * SYSTEMPROMPT_TEST_RUN labels everything `systemprompt.test=1` + `systemprompt.test-run=<run>`, so a test
 * of the real binary never touches the machine's real `systemprompt-postgres-*` objects.
 */
export function overridesFromEnv(env: NodeJS.ProcessEnv): ServerOverrides | undefined {
  const suffix = env.SYSTEMPROMPT_TEST_NAME_SUFFIX?.trim()
  const run = env.SYSTEMPROMPT_TEST_RUN?.trim()
  if (!suffix && !run) return undefined
  return {
    ...(suffix ? { nameSuffix: suffix } : {}),
    ...(run ? { labels: { 'systemprompt.test': '1', 'systemprompt.test-run': run } } : {}),
  }
}

/** Applies overrides to a spec built with the default names. */
export function applyOverrides<T extends { containerName: string; volumeName: string }>(
  spec: T,
  overrides: ServerOverrides | undefined,
): T {
  if (!overrides) return spec
  const suffix = overrides.nameSuffix
  return {
    ...spec,
    containerName:
      overrides.containerName ?? (suffix ? `${spec.containerName}-${suffix}` : spec.containerName),
    volumeName:
      overrides.volumeName ??
      (suffix ? `${spec.volumeName.replace(/-data$/, '')}-${suffix}-data` : spec.volumeName),
  }
}

export async function engineFor(options: { engine?: Engine; env?: NodeJS.ProcessEnv }): Promise<Engine> {
  return options.engine ?? (await connectEngine({ env: options.env ?? process.env }))
}

/**
 * The image of a server: SYSTEMPROMPT_POSTGRES_IMAGE wins, then what the caller (profile docker settings)
 * asks for, then what the project recorded, then the default.
 */
export function resolveImage(env: NodeJS.ProcessEnv, requested?: string, recorded?: string): string {
  const fromEnv = env.SYSTEMPROMPT_POSTGRES_IMAGE?.trim()
  return fromEnv || requested || recorded || DEFAULT_POSTGRES_IMAGE
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
 * Per-user directory for machine-wide state: SYSTEMPROMPT_DATA_DIR (tests point it at a temp dir), else
 * `$XDG_DATA_HOME/systemprompt`, else `~/.local/share/systemprompt`.
 */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.SYSTEMPROMPT_DATA_DIR?.trim()
  if (explicit) return resolve(explicit)
  const xdg = env.XDG_DATA_HOME?.trim()
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME?.trim() || homedir(), '.local', 'share')
  return join(base, 'systemprompt')
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
export function sharedPasswordFile(env: NodeJS.ProcessEnv, containerName: string): string {
  return join(userDataDir(env), containerName, 'shared.password')
}
