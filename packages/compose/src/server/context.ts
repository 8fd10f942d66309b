import { createRequire } from 'node:module'
import { connectEngine, type Engine } from '@systemprompt/engine'
import { DEFAULT_POSTGRES_IMAGE } from '../file/index.js'

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
