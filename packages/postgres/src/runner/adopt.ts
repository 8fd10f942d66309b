import { readFile } from 'node:fs/promises'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { SystempromptError } from '@systemprompt/config/core'
import type { ContainerInfo, Engine } from '@systemprompt/engine'
import { serverLabel, serverNotFound } from './errors.js'
import { publishedPort } from './ownership.js'
import type { RunnerProgress } from './progress.js'
import { waitReady } from './ready.js'
import { DEFAULT_READY_TIMEOUT_MS } from './up.js'

export interface AdoptServerOptions {
  timeoutMs?: number
  onProgress?: RunnerProgress
  /** Tried when the container does not reveal its password (e.g. the project's own record of it). */
  fallbackPassword?: string | undefined
}

export interface AdoptServerResult {
  /** The admin password the running server accepts. For internal callers only: never print it. */
  password: string
  /** Where it came from: the container's secret file, the file on the host, or a plain env value. */
  source: 'container-secret-file' | 'host-secret-file' | 'container-env' | 'fallback'
  containerId: string
  /** The container was stopped and this call started it. */
  started: boolean
}

/**
 * Another project already made the shared server: read its admin password through the Engine API (the
 * file POSTGRES_PASSWORD_FILE names, read out of the container; or POSTGRES_PASSWORD from its env), and
 * prove it by logging in. The password is never changed: other projects depend on it.
 */
export async function adoptSharedServer(
  engine: Engine,
  spec: PostgresServerSpec,
  options: AdoptServerOptions = {},
): Promise<AdoptServerResult> {
  const info = await engine.containers.inspect(spec.containerName)
  if (!info) throw serverNotFound(spec)
  const found =
    (await readAdminPassword(engine, info)) ??
    (options.fallbackPassword
      ? { password: options.fallbackPassword, source: 'fallback' as const }
      : undefined)
  if (!found) {
    throw new SystempromptError({
      code: 'ADOPTION_FAILED',
      category: 'conflict',
      message: `The ${serverLabel(spec)} exists, but its admin password cannot be read (no readable POSTGRES_PASSWORD_FILE or POSTGRES_PASSWORD)`,
      fix: `Copy admin_password from the shared_config.json of the project that created it into this project's docker/shared_config.json`,
      details: { container: spec.containerName },
    })
  }
  let started = false
  if (!info.State.Running) {
    options.onProgress?.({
      step: 'start',
      message: `Starting ${spec.containerName} (made by another project)`,
    })
    await engine.containers.start(info.Id)
    started = true
  }
  const current = await engine.containers.inspect(info.Id)
  await waitReady(
    engine,
    { ...spec, port: publishedPort(info) ?? spec.port },
    {
      password: found.password,
      timeoutMs: options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      volumeExisted: true,
      restartCountAtStart: current?.RestartCount ?? info.RestartCount,
    },
  )
  return { ...found, containerId: info.Id, started }
}

async function readAdminPassword(
  engine: Engine,
  info: ContainerInfo,
): Promise<Pick<AdoptServerResult, 'password' | 'source'> | undefined> {
  const env = new Map(
    (info.Config.Env ?? []).map((entry) => {
      const at = entry.indexOf('=')
      return [entry.slice(0, at), entry.slice(at + 1)] as const
    }),
  )
  const file = env.get('POSTGRES_PASSWORD_FILE')
  if (file) {
    const inContainer = await engine.containers.readFile(info.Id, file).catch(() => undefined)
    const fromContainer = clean(inContainer?.toString('utf8'))
    if (fromContainer) return { password: fromContainer, source: 'container-secret-file' }
    // Fallback for engines that cannot archive a bind-mounted file: the mount's source on this host.
    const source = info.Mounts.find((m) => m.Destination === file)?.Source
    if (source) {
      const fromHost = clean(await readFile(source, 'utf8').catch(() => undefined))
      if (fromHost) return { password: fromHost, source: 'host-secret-file' }
    }
  }
  const plain = env.get('POSTGRES_PASSWORD')
  if (plain) return { password: plain, source: 'container-env' }
  return undefined
}

/** As the postgres image's file_env reads it: trailing newlines dropped. */
function clean(text: string | undefined): string | undefined {
  const value = text?.replace(/[\r\n]+$/, '')
  return value ? value : undefined
}
