// What the parts of `doctor` share: one finding, and what every check works with.
import type { ErrorCodeName, ProjectLayout } from '@systemprompt/config'
import type { ServerSettings } from '@systemprompt/postgres'
import type { ServerProvider } from './servers.js'

export interface DoctorIssue {
  code: ErrorCodeName
  severity: 'error' | 'warning'
  message: string
  fix: string
  tenant?: string
  file?: string
  /** Set by --fix: what was done. */
  fixed?: string
}

export interface DoctorContext {
  layout: ProjectLayout
  fix: boolean
  issues: DoctorIssue[]
  /** Machine and profile settings of the servers; without them the engine is never asked about containers. */
  server: ServerSettings | undefined
  provider: () => Promise<ServerProvider>
  onProgress: ((message: string) => void) | undefined
  /** With fix: whether an interrupted delete may be finished (it drops data); absent: never. */
  confirmFinishDelete: ((tenant: string) => Promise<boolean>) | undefined
}

/** Records the issue and returns it, so a fix can note what it did. */
export function report(ctx: DoctorContext, issue: DoctorIssue): DoctorIssue {
  ctx.issues.push(issue)
  return issue
}
