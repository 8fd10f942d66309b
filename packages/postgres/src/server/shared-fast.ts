import { readFile } from 'node:fs/promises'
import type { PostgresServerSpec } from '@systemprompt/compose'
import {
  configHash,
  DEFAULT_SHARED_PORT,
  readComposeHeader,
  SECRET_MOUNT_PATH,
  sha256Hex,
} from '@systemprompt/compose'
import { type ProjectLayout, readPasswordFile } from '@systemprompt/config/core'
import { type ContainerInfo, type Engine, LABELS } from '@systemprompt/engine'
import { isManaged } from '../runner/ownership.js'
import { upServer } from '../runner/up.js'
import { resolveImage } from './context.js'
import { type EnsureServerResult, serverResult } from './server-result.js'
import { peekSharedConfig } from './shared-config.js'
import { type EarlyLoginCheck, earlyLoginCheck, loginProven, recordLoginProof } from './shared-login-proof.js'
import type { EnsureSharedServerOptions } from './shared-options.js'
import { sharedSpec } from './shared-spec.js'

/**
 * The shared server exists exactly as this project declares it, proven from what is cheap to read —
 * shared_config.json (plain JSON), shared.yaml's bytes against the hash recorded when it was last verified as
 * generated, the password file, and one container inspect — without the lock, the schemas, the YAML parser
 * or the pg driver. `running`: it runs (a login still has to prove the password); `stopped`: it only needs a
 * start. Anything unusual is undefined and the full path decides.
 */
export interface DeclaredServer {
  state: 'running' | 'stopped'
  spec: PostgresServerSpec
  password: string
  container: ContainerInfo
  composeFile: string
  /** The login check begun alongside the inspect (`probeEarly`). */
  early?: EarlyLoginCheck
}

export async function asDeclared(
  engine: Engine,
  layout: ProjectLayout,
  options: EnsureSharedServerOptions,
  probeEarly = false,
): Promise<DeclaredServer | undefined> {
  if (options.resetVolume) return undefined
  const config = await peekSharedConfig(layout.sharedConfig)
  if (!config?.compose_sha256) return undefined
  const port = config.port ?? DEFAULT_SHARED_PORT
  if (options.port !== undefined && options.port !== port) return undefined
  const spec = sharedSpec(layout, options, {
    image: resolveImage(options.postgresImage, undefined, config.image),
    port,
  })
  // A running server is the common case: its login check starts now, not after the inspect.
  const early = probeEarly ? earlyLoginCheck(spec) : undefined
  const [text, secret, container] = await Promise.all([
    readFile(layout.sharedCompose, 'utf8').catch(() => undefined),
    readPasswordFile(spec.passwordFile),
    engine.containers.inspect(spec.containerName),
  ])
  if (text === undefined || sha256Hex(text) !== config.compose_sha256) return undefined
  const hash = configHash(spec)
  if (readComposeHeader(text)?.inputHash !== `sha256:${hash}`) return undefined
  if (secret !== config.admin_password) return undefined
  if (!container || !isManaged(container) || container.Config.Labels?.[LABELS.configHash] !== hash)
    return undefined
  const mount = container.Mounts.find((m) => m.Destination === SECRET_MOUNT_PATH)
  if (mount?.Source !== spec.passwordFile) return undefined
  const state = container.State
  const found = {
    spec,
    password: config.admin_password,
    container,
    composeFile: layout.sharedCompose,
    ...(early ? { early } : {}),
  }
  if (state.Running && !state.Restarting && !state.Paused && state.Health?.Status !== 'unhealthy')
    return { state: 'running', ...found }
  // Stopped by `db down`, a reboot or `docker stop` (exited), or made and never started (created).
  if (!state.Running && (state.Status === 'exited' || state.Status === 'created'))
    return { state: 'stopped', ...found }
  return undefined
}

/**
 * The fast path of `db up` on a running server (SPEC: well under half a second for the whole CLI process):
 * it runs as declared and the recorded password opens it (a login proved once per container start,
 * shared-login-proof.ts). A server that only answers is not enough: a wrong admin_password must not pass as
 * "running".
 */
export async function runningAsDeclared(
  declared: DeclaredServer | undefined,
  started: number,
): Promise<EnsureServerResult | undefined> {
  if (declared?.state !== 'running') return undefined
  if (!(await loginProven(declared.spec, declared.container, declared.password, declared.early)))
    return undefined
  return serverResult({
    spec: declared.spec,
    adminPassword: declared.password,
    action: 'unchanged',
    composeFile: declared.composeFile,
    started,
  })
}

/**
 * Warm `db up`: the server is stopped exactly as declared, so there is nothing to plan, write or re-create:
 * start it and wait for a login with the recorded password (the runner's start: port check, restart policy,
 * readiness poll from the moment it starts). Called under the server's locks, where the files and the container
 * are read again: anything changed since the unlocked look (another process started it, re-created it, a hand
 * edit of shared.yaml or the password file) leaves it to the full path, as does a runner that did something else
 * than that start, and a server that rejects the recorded password (the full path learns the server's own).
 */
export async function startAsDeclared(
  engine: Engine,
  layout: ProjectLayout,
  unlocked: DeclaredServer | undefined,
  options: EnsureSharedServerOptions & { timeoutMs: number },
  started: number,
): Promise<EnsureServerResult | undefined> {
  if (unlocked?.state !== 'stopped') return undefined
  const declared = await asDeclared(engine, layout, options)
  if (
    declared?.state !== 'stopped' ||
    declared.container.Id !== unlocked.container.Id ||
    declared.container.State.StartedAt !== unlocked.container.State.StartedAt ||
    declared.password !== unlocked.password
  )
    return undefined
  try {
    const up = await upServer(engine, declared.spec, {
      timeoutMs: options.timeoutMs,
      password: declared.password,
      composeFile: declared.composeFile,
      volumeKnown: true,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    })
    if (up.action !== 'started') return undefined
  } catch (error) {
    if ((error as { code?: unknown }).code === 'VOLUME_PASSWORD_MISMATCH') return undefined
    throw error
  }
  // The readiness wait logged in with the password: the next `db up` on this start needs no login of its own.
  const now = await engine.containers.inspect(declared.container.Id)
  if (now?.State.Running) await recordLoginProof(declared.spec, now, declared.password)
  return serverResult({
    spec: declared.spec,
    adminPassword: declared.password,
    action: 'started',
    composeFile: declared.composeFile,
    started,
  })
}
