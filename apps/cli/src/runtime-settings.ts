// The runtime commands' settings (`infra db *`, `infra services *`): the environment read once through
// @systemprompt/config (readRuntimeEnv documents every variable), then the project's files as fallbacks.
// Inside the image there is no project: everything comes from the environment the Dockerfile sets.
import { join } from 'node:path'
import type { ProjectLayout, RuntimeEnv } from '@systemprompt/config/core'
import type { Logger } from '@systemprompt/runtime'

let env: RuntimeEnv | undefined

/** The runtime's environment variables, parsed once (ENV_INVALID / DATABASE_URL_INVALID name a bad one). */
export async function runtimeEnv(): Promise<RuntimeEnv> {
  if (!env) {
    const { readRuntimeEnv } = await import('@systemprompt/config/core')
    env = readRuntimeEnv()
  }
  return env
}

/** The project around the working directory, or undefined (inside an image there is none). */
async function optionalProject(cwd: string = process.cwd()): Promise<ProjectLayout | undefined> {
  const { findProjectRoot, projectLayout } = await import('@systemprompt/config/core')
  const root = findProjectRoot(cwd)
  return root === undefined ? undefined : projectLayout(root)
}

export interface RuntimeDatabase {
  url: string
  /** Where it came from, for messages: `DATABASE_URL`, `DATABASE_URL_FILE`, or `profile <name>`. */
  from: string
}

/**
 * The application's database: DATABASE_URL, else DATABASE_URL_FILE, else (in a project) the active profile's
 * secrets.json (SYSTEMPROMPT_PROFILE; without it, the project's only profile), else DATABASE_URL_MISSING with
 * the ways to give one.
 */
async function runtimeDatabase(): Promise<RuntimeDatabase> {
  const runtime = await runtimeEnv()
  if (runtime.databaseUrl !== undefined)
    return { url: runtime.databaseUrl, from: runtime.databaseUrlFrom ?? 'DATABASE_URL' }
  const layout = await optionalProject()
  if (layout && runtime.profile !== undefined) {
    const { tenantUrl } = await import('./commands/db/url.js')
    const found = await tenantUrl(layout, undefined)
    return { url: found.url, from: `profile ${found.profile}` }
  }
  const profiles = layout ? await profilesWithSecrets(layout) : []
  if (layout && profiles.length === 1) {
    const [name] = profiles as [string]
    const { readProfileSecrets } = await import('@systemprompt/config')
    const secrets = await readProfileSecrets(layout, name)
    if (secrets) return { url: secrets.database_url, from: `profile ${name}` }
  }
  const { ErrorCode, SystempromptError } = await import('@systemprompt/config/core')
  throw new SystempromptError({
    code: ErrorCode.DATABASE_URL_MISSING,
    category: 'user',
    message: layout
      ? `No database: DATABASE_URL and DATABASE_URL_FILE are not set and no profile is active${profiles.length > 1 ? ` (profiles: ${profiles.join(', ')})` : ''}`
      : 'No database: DATABASE_URL and DATABASE_URL_FILE are not set',
    fix: layout
      ? `Set SYSTEMPROMPT_PROFILE=.systemprompt/profiles/${profiles[0] ?? '<name>'} (its secrets.json has the URL), or set DATABASE_URL`
      : 'Set DATABASE_URL=postgres://user:password@host:5432/database (or DATABASE_URL_FILE=/run/secrets/...)',
  })
}

/** Names of the project's profiles that have a secrets.json, sorted. */
async function profilesWithSecrets(layout: ProjectLayout): Promise<string[]> {
  const { readdir } = await import('node:fs/promises')
  const { existsSync } = await import('node:fs')
  let names: string[]
  try {
    names = await readdir(layout.profilesDir)
  } catch {
    return []
  }
  return names.filter((name) => existsSync(layout.profileSecrets(name))).sort()
}

export interface RuntimePaths {
  /** The services directory: SYSTEMPROMPT_SERVICES_PATH, else the project's `services/`, else (the release binary outside a project) `../services` from the binary, else undefined. */
  services: string | undefined
  /** `<services>/database/migrations`. */
  migrations: string | undefined
  /** SYSTEMPROMPT_WEB_PATH, else the project's `web/`, else (the release binary outside a project) `../web` from the binary, else undefined. */
  web: string | undefined
  /** SYSTEMPROMPT_MCP_PATH, else `mcp/` next to the release binary when running as one, else the project's `target/release/mcp`. */
  mcp: string | undefined
  layout: ProjectLayout | undefined
}

/**
 * Where the runtime finds its files (see RuntimePaths). Inside the image (the release binary, no project
 * around it) the defaults follow the image's layout from the binary's place: `/app/bin/systemprompt` →
 * `/app/services`, `/app/web`, `/app/bin/mcp`.
 */
export async function runtimePaths(): Promise<RuntimePaths> {
  const runtime = await runtimeEnv()
  const layout = await optionalProject()
  const { isSingleExecutable } = await import('./startup/sea.js')
  const { dirname } = await import('node:path')
  const binaryDir = isSingleExecutable() ? dirname(process.execPath) : undefined
  const imageRoot = binaryDir === undefined || layout !== undefined ? undefined : dirname(binaryDir)
  const services = runtime.servicesPath ?? layout?.servicesDir ?? (imageRoot && join(imageRoot, 'services'))
  return {
    services,
    migrations: services === undefined ? undefined : join(services, 'database', 'migrations'),
    web: runtime.webPath ?? layout?.webDir ?? (imageRoot && join(imageRoot, 'web')),
    mcp: runtime.mcpPath ?? (binaryDir === undefined ? layout?.mcpArtifactsDir : join(binaryDir, 'mcp')),
    layout,
  }
}

/**
 * What `infra db migrate` and `infra db status` work on: the database (runtimeDatabase) and the migrations
 * directory (runtimePaths().migrations); no services directory at all is MIGRATIONS_PATH_INVALID.
 */
export async function migrationsSettings(): Promise<{ database: RuntimeDatabase; directory: string }> {
  const database = await runtimeDatabase()
  const { migrations } = await runtimePaths()
  if (migrations === undefined) {
    const { ErrorCode, SystempromptError } = await import('@systemprompt/config/core')
    throw new SystempromptError({
      code: ErrorCode.MIGRATIONS_PATH_INVALID,
      category: 'user',
      message: 'No migrations directory: SYSTEMPROMPT_SERVICES_PATH is not set and there is no project here',
      fix: 'Set SYSTEMPROMPT_SERVICES_PATH to the services directory (its database/migrations/ holds NNNN_name.sql), or run inside a project',
    })
  }
  return { database, directory: migrations }
}

/**
 * The runtime's logger (RUST_LOG level, SYSTEMPROMPT_LOG_FORMAT) writing to stdout, the container's log, or
 * to stderr under --json (whose envelope stdout holds); the environment's warnings are logged first.
 */
export async function runtimeLogger(json: boolean): Promise<Logger> {
  const env = await runtimeEnv()
  const { createLogger } = await import('@systemprompt/runtime')
  const out = json ? process.stderr : process.stdout
  const logger = createLogger({
    level: env.logLevel,
    format: env.logFormat,
    write: (line) => out.write(line),
  })
  for (const warning of env.warnings) logger.warn(warning.message, { code: warning.code })
  return logger
}

/**
 * The API server's database (runtimeDatabase), or undefined with a warning when none is configured: the
 * server runs all the same and its health check answers 503 `unconfigured`.
 */
export async function serverDatabase(logger: Logger): Promise<RuntimeDatabase | undefined> {
  try {
    return await runtimeDatabase()
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'DATABASE_URL_MISSING') throw error
    const { message, fix } = error as { message: string; fix?: string }
    logger.warn(`${message}: the health check answers 503 (unconfigured)`, {
      code: 'DATABASE_URL_MISSING',
      fix,
    })
    return undefined
  }
}

/**
 * The first SIGTERM or SIGINT, as a promise, with the handlers installed at once (a signal during start-up
 * is not lost). `once`: a second signal gets Node's default (the process dies: `serve`, nothing to protect);
 * `every`: later signals are swallowed (`start --all`, whose children must be stopped in order). `release()`
 * removes the handlers.
 */
export function stopSignal(mode: 'once' | 'every'): { stopped: Promise<NodeJS.Signals>; release(): void } {
  let stop: (signal: NodeJS.Signals) => void = () => {}
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    stop = resolve
  })
  const onSignal = (signal: NodeJS.Signals) => stop(signal)
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    if (mode === 'once') process.once(signal, onSignal)
    else process.on(signal, onSignal)
  return {
    stopped,
    release: () => {
      process.removeListener('SIGTERM', onSignal)
      process.removeListener('SIGINT', onSignal)
    },
  }
}

/** Errors that mean "the migrations or their history are wrong" (SPEC 5: exit 3 of migrate and status). */
export const MIGRATION_REFUSALS: ReadonlySet<string> = new Set([
  'MIGRATION_CHECKSUM_MISMATCH',
  'MIGRATION_FAILED',
  'MIGRATION_DUPLICATE_VERSION',
  'MIGRATION_OUT_OF_ORDER',
  'MIGRATION_NAME_INVALID',
])
