import type { PostgresServerSpec } from '@systemprompt/compose'
import { SystempromptError } from '@systemprompt/config/core'
import { type ContainerInfo, LABELS } from '@systemprompt/engine'
import { dbCommand } from './errors.js'

/** Made by systemprompt's runner (it carries `systemprompt.managed=1`). */
export function isManaged(info: ContainerInfo): boolean {
  return info.Config.Labels?.[LABELS.managed] === '1'
}

/** What the caller was about to do; shapes the fix of the error. */
export type OwnershipAction = 'up' | 'down' | 'reset'

/**
 * A container with our name that systemprompt did not make (another tool, the original CLI, a user's own
 * `docker run`): never re-create, stop or delete it.
 */
export function assertOurs(spec: PostgresServerSpec, info: ContainerInfo, action: OwnershipAction): void {
  if (isManaged(info)) return
  const fix = {
    up: `Rename or remove it yourself (\`docker rm -f ${spec.containerName}\` deletes it), then run \`${dbCommand(spec, 'up')}\``,
    down: `Stop it yourself if you mean to: \`docker stop ${spec.containerName}\``,
    reset: `systemprompt does not delete data it did not create: remove the container and its volume yourself (\`docker rm -f ${spec.containerName}\`), then run \`${dbCommand(spec, 'up')}\``,
  }[action]
  throw new SystempromptError({
    code: 'CONTAINER_NAME_TAKEN',
    category: 'conflict',
    message: `A container named ${spec.containerName} exists but was not created by systemprompt; it is left as it is`,
    fix,
    details: { container: spec.containerName, id: info.Id },
  })
}

/** Host port the container publishes for 5432/tcp, as created (also known while it is stopped). */
export function publishedPort(info: ContainerInfo | undefined): number | undefined {
  const bindings = info?.HostConfig.PortBindings as Record<string, { HostPort?: string }[]> | undefined
  const port = bindings?.['5432/tcp']?.[0]?.HostPort
  return port ? Number(port) : undefined
}
