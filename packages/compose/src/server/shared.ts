import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type ProjectLayout,
  projectLayout,
  readOptionalJsonFile,
  SECRET_FILE_MODE,
  type SharedConfig,
  SharedConfigSchema,
  updateJsonFile,
  withFileLock,
  writeFileAtomic,
} from '@systemprompt/config'
import type { ContainerInfo, Engine } from '@systemprompt/engine'
import { DEFAULT_SHARED_PORT, SECRET_MOUNT_PATH, sharedServerSpec } from '../file/index.js'
import { adoptSharedServer } from '../runner/adopt.js'
import type { RunnerProgress } from '../runner/progress.js'
import { DEFAULT_READY_TIMEOUT_MS, type UpAction, upServer, volumeOrphanedError } from '../runner/up.js'
import type { PostgresServerSpec } from '../spec.js'
import {
  applyOverrides,
  engineFor,
  overridesFromEnv,
  type ProjectServerOptions,
  resolveImage,
  type ServerOverrides,
} from './context.js'
import { declareServer } from './declare.js'

export interface EnsureSharedServerOptions extends ProjectServerOptions {
  /** Host port (flag --port); default: recorded in shared_config.json, else 5432. */
  port?: number
  /** Image asked for by the profile's docker settings (SYSTEMPROMPT_POSTGRES_IMAGE still wins). */
  image?: string
  timeoutMs?: number
  onProgress?: RunnerProgress
  /** Delete an orphaned volume (the user confirmed or passed --reset-volume). */
  resetVolume?: boolean
}

export interface EnsureServerResult {
  spec: PostgresServerSpec
  /** For internal callers (tenant creation) only: never print it. */
  adminPassword: string
  port: number
  action: UpAction
  /** The server was made by another project and this project took over its admin password. */
  adopted: boolean
  composeFile: string
  /** The compose file was edited by hand; it was realised as it is. */
  composeHandEdited: boolean
  elapsedMs: number
  warnings: string[]
}

/**
 * `db up` for the shared server: make sure shared_config.json (admin password generated once, kept), the
 * 0600 password file and docker/shared.yaml exist and agree, adopt a shared container made by another
 * project, then realise the file and wait until PostgreSQL accepts a login.
 */
export async function ensureSharedServer(options: EnsureSharedServerOptions): Promise<EnsureServerResult> {
  const started = Date.now()
  const env = options.env ?? process.env
  const layout = projectLayout(options.root)
  const engine = await engineFor(options)
  const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS
  // One `db up` per project at a time; concurrent `tenant create`s queue here instead of racing the engine.
  return withFileLock(
    join(layout.locksDir, 'shared-server.lock'),
    () => ensureLocked(engine, layout, env, options, timeoutMs, started),
    { timeoutMs: timeoutMs + 30_000 },
  )
}

async function ensureLocked(
  engine: Engine,
  layout: ProjectLayout,
  env: NodeJS.ProcessEnv,
  options: EnsureSharedServerOptions,
  timeoutMs: number,
  started: number,
): Promise<EnsureServerResult> {
  const warnings: string[] = []
  const config = await readOptionalJsonFile(layout.sharedConfig, SharedConfigSchema)
  const names = sharedSpec(layout, {
    image: resolveImage(env, options.image, config?.image),
    port: options.port ?? config?.port ?? DEFAULT_SHARED_PORT,
    overrides: options.overrides ?? overridesFromEnv(env),
  })
  const container = await engine.containers.inspect(names.containerName)
  // A project that finds the shared server already there (and has no record yet) takes its image and port
  // as they are, so joining never re-creates another project's server; explicit choices still win.
  const desired =
    container && !config
      ? {
          ...names,
          image: resolveImage(env, options.image, container.Config.Image),
          port: options.port ?? publishedPort(container) ?? names.port,
        }
      : names

  // Who knows the admin password: our record, or (made elsewhere) the container itself.
  let password = config?.admin_password
  let adopted = false
  if (container && (!config || !mountsOurPasswordFile(container, desired.passwordFile))) {
    const result = await adoptSharedServer(
      engine,
      { ...desired, port: publishedPort(container) ?? desired.port },
      {
        timeoutMs,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
    ).catch((error: unknown) => {
      // Our own record still opens it (the project only moved): nothing to adopt.
      if (config) return undefined
      throw error
    })
    if (result && result.password !== config?.admin_password) {
      password = result.password
      adopted = true
      if (config)
        warnings.push(
          'The shared server was created by another project; this project now uses its admin password.',
        )
    }
  }
  if (!container && !config) {
    const volume = await engine.volumes.inspect(desired.volumeName)
    if (volume && !options.resetVolume) throw volumeOrphanedError(desired, volume)
  }
  password ??= newPassword()

  const recorded = await recordSharedConfig(layout, config, {
    password,
    port: options.port ?? config?.port ?? publishedPort(container) ?? desired.port,
    image: desired.image,
  })
  await ensurePasswordFile(desired.passwordFile, password)
  const declared = await declareServer(
    layout.sharedCompose,
    { ...desired, port: recorded.port },
    {
      ...(options.port !== undefined ? { port: options.port } : {}),
    },
  )
  if (declared.handEdited) warnings.push(`${layout.sharedCompose} was edited by hand; it was used as it is.`)
  if (declared.spec.port !== recorded.port)
    await recordSharedConfig(layout, recorded, { port: declared.spec.port })

  const up = await upServer(engine, declared.spec, {
    timeoutMs,
    password,
    composeFile: layout.sharedCompose,
    volumeKnown: Boolean(config) || adopted,
    ...(options.resetVolume ? { resetVolume: true } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  })
  return {
    spec: declared.spec,
    adminPassword: password,
    port: declared.spec.port,
    action: up.action,
    adopted,
    composeFile: layout.sharedCompose,
    composeHandEdited: declared.handEdited,
    elapsedMs: Date.now() - started,
    warnings,
  }
}

/** The shared spec of a project, with test overrides applied. */
export function sharedSpec(
  layout: ProjectLayout,
  options: { image: string; port: number; overrides?: ServerOverrides | undefined },
): PostgresServerSpec {
  const spec = sharedServerSpec({
    dockerDir: layout.dockerDir,
    image: options.image,
    port: options.port,
    ...(options.overrides?.labels ? { labels: options.overrides.labels } : {}),
  })
  return applyOverrides(spec, options.overrides)
}

/** Creates or updates shared_config.json under its lock; writes only when something changes. */
async function recordSharedConfig(
  layout: ProjectLayout,
  current: SharedConfig | undefined,
  next: { password?: string; port?: number; image?: string },
): Promise<SharedConfig> {
  if (
    current &&
    (next.password === undefined || next.password === current.admin_password) &&
    (next.port === undefined || next.port === current.port) &&
    (next.image === undefined || next.image === current.image)
  ) {
    return current
  }
  return updateJsonFile(layout.sharedConfig, SharedConfigSchema, (onDisk) => {
    if (!onDisk) {
      return SharedConfigSchema.parse({
        version: 1,
        admin_password: next.password ?? newPassword(),
        port: next.port ?? DEFAULT_SHARED_PORT,
        created_at: new Date().toISOString(),
        image: next.image,
        tenant_databases: [],
      })
    }
    return {
      ...onDisk,
      ...(next.password !== undefined ? { admin_password: next.password } : {}),
      ...(next.port !== undefined ? { port: next.port } : {}),
      ...(next.image !== undefined ? { image: next.image } : {}),
    }
  })
}

/** The 0600 password file the compose secret points at; rewritten only when it does not hold the password. */
export async function ensurePasswordFile(file: string, password: string): Promise<void> {
  const current = await readFile(file, 'utf8').catch(() => undefined)
  if (current?.replace(/[\r\n]+$/, '') === password) return
  await writeFileAtomic(file, password, { mode: SECRET_FILE_MODE })
}

/** Admin passwords: 24 random bytes, URL-safe, so they can sit in a DATABASE_URL unescaped. */
export function newPassword(): string {
  return randomBytes(24).toString('base64url')
}

function mountsOurPasswordFile(container: ContainerInfo, passwordFile: string): boolean {
  return container.Mounts.some((m) => m.Destination === SECRET_MOUNT_PATH && m.Source === passwordFile)
}

export function publishedPort(container: ContainerInfo | undefined): number | undefined {
  const bindings = container?.HostConfig.PortBindings as Record<string, { HostPort?: string }[]> | undefined
  const port = bindings?.['5432/tcp']?.[0]?.HostPort
  return port ? Number(port) : undefined
}
