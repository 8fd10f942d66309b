import type { PostgresServerSpec } from '@systemprompt/compose'
import { sharedServerSpec } from '@systemprompt/compose'
import type { ProjectLayout } from '@systemprompt/config/core'
import { type ServerEnvironment, sharedPasswordFile, withInstance } from './context.js'

/** The shared spec of a project (per-user password file), with the instance suffix and extra labels applied. */
export function sharedSpec(
  layout: ProjectLayout,
  machine: Pick<ServerEnvironment, 'dataDir' | 'instance' | 'labels'>,
  options: { image: string; port: number },
): PostgresServerSpec {
  const spec = withInstance(
    sharedServerSpec({
      dockerDir: layout.dockerDir,
      image: options.image,
      port: options.port,
      ...(machine.labels ? { labels: machine.labels } : {}),
    }),
    machine.instance,
  )
  return { ...spec, passwordFile: sharedPasswordFile(machine.dataDir, spec.containerName) }
}
