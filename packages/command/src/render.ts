import { formatKeyPath, formatLocation } from '@systemprompt/config/core'
import type { NormalizedError } from './normalize.js'

/**
 * Human form of an error, for stderr:
 *   Error [CODE]: message
 *     at FILE:LINE (key.path)
 *     Fix: what to do
 *     - FILE:LINE: [CODE] further issue
 * The stack trace only with `debug` (DEBUG / SYSTEMPROMPT_DEBUG set).
 */
export function renderError(err: NormalizedError, options: { debug?: boolean } = {}): string {
  const lines = [`Error [${err.code}]: ${err.message}`]
  const at = formatLocation(err)
  const key = formatKeyPath(err.keyPath)
  if (at) lines.push(`  at ${at}${key ? ` (${key})` : ''}`)
  if (err.fix) lines.push(`  Fix: ${err.fix}`)
  // The first issue is usually the error itself; list the others (or all, when they differ).
  const extra = err.issues.filter(
    (issue) => !(issue.message === err.message && issue.file === err.file && issue.line === err.line),
  )
  for (const issue of extra) {
    const issueAt = formatLocation(issue)
    const prefix = issueAt ? `${issueAt}: ` : ''
    lines.push(`  - ${prefix}[${issue.code}] ${issue.message}`)
    if (issue.fix && issue.fix !== err.fix) lines.push(`      Fix: ${issue.fix}`)
  }
  if (options.debug && err.stack) lines.push('', err.stack)
  return lines.join('\n')
}
