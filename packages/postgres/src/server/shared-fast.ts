import { readFile } from 'node:fs/promises'
import {
  configHash,
  DEFAULT_SHARED_PORT,
  readComposeHeader,
  SECRET_MOUNT_PATH,
  sha256Hex,
} from '@systemprompt/compose'
import { type ProjectLayout, readPasswordFile } from '@systemprompt/config/core'
import { type Engine, LABELS } from '@systemprompt/engine'
import { isManaged } from '../runner/ownership.js'
import { resolveImage } from './context.js'
import { type EnsureServerResult, serverResult } from './server-result.js'
import { peekSharedConfig } from './shared-config.js'
import { loginProven } from './shared-login-proof.js'
import type { EnsureSharedServerOptions } from './shared-options.js'
import { sharedSpec } from './shared-spec.js'

/**
 * The fast path of `db up` (SPEC: a running server answers in well under half a second for the whole
 * CLI process): the shared server runs exactly as this project declares it. Proven from what is cheap to
 * read — shared_config.json (plain JSON), shared.yaml's bytes against the hash recorded when it was last
 * verified as generated, the password file, one container inspect and a login with the recorded password
 * over the protocol (SCRAM, runner/probe.ts; proven once per container start, shared-login-proof.ts) —
 * without the lock, the schemas, the YAML parser or the pg driver. A server that only answers is not
 * enough: a wrong admin_password must not pass as "running".
 * Anything unusual returns undefined and the full path decides.
 */
export async function runningAsDeclared(
  engine: Engine,
  layout: ProjectLayout,
  options: EnsureSharedServerOptions,
  started: number,
): Promise<EnsureServerResult | undefined> {
  if (options.resetVolume) return undefined
  const config = await peekSharedConfig(layout.sharedConfig)
  if (!config?.compose_sha256) return undefined
  const port = config.port ?? DEFAULT_SHARED_PORT
  if (options.port !== undefined && options.port !== port) return undefined
  const spec = sharedSpec(layout, options, {
    image: resolveImage(options.postgresImage, undefined, config.image),
    port,
  })
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
  const state = container.State
  if (!state.Running || state.Restarting || state.Health?.Status === 'unhealthy') return undefined
  const mount = container.Mounts.find((m) => m.Destination === SECRET_MOUNT_PATH)
  if (mount?.Source !== spec.passwordFile) return undefined
  if (!(await loginProven(spec, container, config.admin_password))) return undefined
  return serverResult({
    spec,
    adminPassword: config.admin_password,
    action: 'unchanged',
    composeFile: layout.sharedCompose,
    started,
  })
}
