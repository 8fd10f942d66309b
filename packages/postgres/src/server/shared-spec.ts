import type { PostgresServerSpec } from '@systemprompt/compose'
import { sharedServerSpec } from '@systemprompt/compose'
import type { ProjectLayout } from '@systemprompt/config/core'
import { applyOverrides, type ServerOverrides, sharedPasswordFile } from './context.js'

/** The shared spec of a project (per-user password file), with test overrides applied. */
export function sharedSpec(
  layout: ProjectLayout,
  env: NodeJS.ProcessEnv,
  options: { image: string; port: number; overrides?: ServerOverrides | undefined },
): PostgresServerSpec {
  const spec = applyOverrides(
    sharedServerSpec({
      dockerDir: layout.dockerDir,
      image: options.image,
      port: options.port,
      ...(options.overrides?.labels ? { labels: options.overrides.labels } : {}),
    }),
    options.overrides,
  )
  return { ...spec, passwordFile: sharedPasswordFile(env, spec.containerName) }
}
