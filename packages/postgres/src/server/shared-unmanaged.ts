import type { PostgresServerSpec } from '@systemprompt/compose'
import type { ProjectLayout, SharedConfig } from '@systemprompt/config'
import { SystempromptError } from '@systemprompt/config/core'
import type { ContainerInfo, Engine } from '@systemprompt/engine'
import { adoptSharedServer } from '../runner/adopt.js'
import { publishedPort } from '../runner/ownership.js'
import { type EnsureServerResult, serverResult } from './server-result.js'
import { recordSharedConfig } from './shared-config.js'
import type { EnsureSharedServerOptions } from './shared-options.js'

export interface AdoptUnmanagedContext {
  engine: Engine
  layout: ProjectLayout
  options: EnsureSharedServerOptions
  config: SharedConfig | undefined
  /** The shared spec with this project's names (container, volume). */
  names: PostgresServerSpec
  container: ContainerInfo
  timeoutMs: number
  started: number
}

/**
 * The shared container exists but systemprompt's runner did not make it (no `systemprompt.managed`
 * label: the original tool, or someone's own compose file). SPEC: adopt it. It is used exactly as it is —
 * never re-created, its image, port and password never changed: start it if it is stopped, wait until its
 * admin password (read from the container) logs in, and only then record that password, its port and image
 * in shared_config.json. shared.yaml is not generated for it: it would declare a container that is not there.
 */
export async function adoptUnmanagedShared(ctx: AdoptUnmanagedContext): Promise<EnsureServerResult> {
  const { container, names, options, config } = ctx
  const name = container.Name.replace(/^\//, '') || names.containerName
  const port = publishedPort(container)
  if (port === undefined) {
    throw new SystempromptError({
      code: 'SERVER_NOT_MANAGED',
      category: 'conflict',
      message: `The shared server ${name} was not created by systemprompt and publishes no host port for PostgreSQL (5432/tcp)`,
      fix: `Publish its port on 127.0.0.1 yourself, or remove it (\`docker rm -f ${name}\`; its data stays in its volume) and run \`systemprompt db up\``,
      details: { container: name },
    })
  }
  if (options.port !== undefined && options.port !== port) {
    throw new SystempromptError({
      code: 'SERVER_NOT_MANAGED',
      category: 'conflict',
      message: `The shared server ${name} was not created by systemprompt: it is used as it is and never re-created, so its port stays ${port} (not ${options.port})`,
      fix: `Run \`systemprompt db up\` without --port (it listens on 127.0.0.1:${port})`,
      details: { container: name, port },
    })
  }
  const spec: PostgresServerSpec = { ...names, image: container.Config.Image, port }
  const adoption = await adoptSharedServer(ctx.engine, spec, {
    timeoutMs: ctx.timeoutMs,
    fallbackPassword: config?.admin_password,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  })
  // The login proved the password: now it may go on record.
  await recordSharedConfig(ctx.layout, config, {
    password: adoption.password,
    port,
    image: container.Config.Image,
  })
  return serverResult({
    spec,
    adminPassword: adoption.password,
    action: adoption.started ? 'started' : 'unchanged',
    adopted: adoption.password !== config?.admin_password,
    composeFile: ctx.layout.sharedCompose,
    started: ctx.started,
    warnings: [
      `The shared server ${name} was not created by systemprompt; it is used as it is (never re-created, stopped or reset by systemprompt).`,
    ],
  })
}
