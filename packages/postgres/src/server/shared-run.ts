import type { PostgresServerSpec } from '@systemprompt/compose'
import type { ProjectLayout } from '@systemprompt/config/core'
import type { Engine } from '@systemprompt/engine'
import type { EnsureSharedServerOptions } from './shared-options.js'

/** What every way of `ensureSharedServer` works with. */
export interface SharedRun {
  engine: Engine
  layout: ProjectLayout
  options: EnsureSharedServerOptions
  timeoutMs: number
  started: number
  /** This project's shared spec: its names, the image and port recorded or asked for. */
  names: PostgresServerSpec
  warnings: string[]
  /** This project's id (tenants.json), read once when first needed; undefined before it has one. */
  projectId(): Promise<string | undefined>
}
