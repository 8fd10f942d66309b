import type { PostgresServerSpec } from '@systemprompt/compose'
import type { UpAction } from '../runner/up.js'

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

export interface ServerOutcome {
  /** What runs now (its port is the result's port). */
  spec: PostgresServerSpec
  adminPassword: string
  action: UpAction
  composeFile: string
  /** Date.now() when the call began. */
  started: number
  adopted?: boolean
  composeHandEdited?: boolean
  warnings?: string[]
}

/** The one way every `db up` path (shared, dedicated, fast, adopted) answers. */
export function serverResult(outcome: ServerOutcome): EnsureServerResult {
  return {
    spec: outcome.spec,
    adminPassword: outcome.adminPassword,
    port: outcome.spec.port,
    action: outcome.action,
    adopted: outcome.adopted ?? false,
    composeFile: outcome.composeFile,
    composeHandEdited: outcome.composeHandEdited ?? false,
    elapsedMs: Date.now() - outcome.started,
    warnings: outcome.warnings ?? [],
  }
}
