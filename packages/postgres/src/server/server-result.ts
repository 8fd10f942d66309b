import type { PostgresServerSpec } from '@systemprompt/compose'
import type { UpAction } from '../runner/up.js'
import type { SharedChange } from './shared-cases.js'
import type { SharedServerUser } from './shared-users.js'

/** A change of the machine-wide shared server that this call made (the caller allowed it). */
export interface SharedChangeReport {
  changes: SharedChange[]
  /** The other projects that use the server: their connections dropped; after a port move, their URLs are stale. */
  others: SharedServerUser[]
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
  /**
   * Shared server: the port it listened on before this call, when it moved (`db up --port N`). This project's
   * tenant URLs still name it until they are repointed (registry's `repointSharedTenantUrls`).
   */
  previousPort?: number
  /** Shared server: what this call changed for every project that uses it. */
  changed?: SharedChangeReport
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
  previousPort?: number | undefined
  changed?: SharedChangeReport | undefined
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
    ...(outcome.previousPort !== undefined && outcome.previousPort !== outcome.spec.port
      ? { previousPort: outcome.previousPort }
      : {}),
    ...(outcome.changed && outcome.changed.changes.length > 0 ? { changed: outcome.changed } : {}),
  }
}
