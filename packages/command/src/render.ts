import { formatKeyPath, formatLocation } from '@systemprompt/config/core'
import type { NormalizedError } from './normalize.js'
import { printable } from './printable.js'

/**
 * Human form of an error, for stderr:
 *   Error [CODE]: message
 *     at FILE:LINE (key.path)
 *     Fix: what to do
 *     - FILE:LINE: [CODE] further issue
 * The stack trace only with `debug` (DEBUG / SYSTEMPROMPT_DEBUG set). Every part is one line: control
 * characters in a message (a name or path the user typed) are shown as escapes (`printable`).
 */
export function renderError(err: NormalizedError, options: { debug?: boolean } = {}): string {
  const lines = [`Error [${printable(err.code)}]: ${printable(err.message)}`]
  const at = formatLocation(err)
  const key = formatKeyPath(err.keyPath)
  if (at) lines.push(`  at ${printable(`${at}${key ? ` (${key})` : ''}`)}`)
  if (err.fix) lines.push(`  Fix: ${printable(err.fix)}`)
  // The first issue is usually the error itself; list the others (or all, when they differ).
  const extra = err.issues.filter(
    (issue) => !(issue.message === err.message && issue.file === err.file && issue.line === err.line),
  )
  for (const issue of extra) {
    const issueAt = formatLocation(issue)
    const prefix = issueAt ? `${issueAt}: ` : ''
    lines.push(`  - ${printable(`${prefix}[${issue.code}] ${issue.message}`)}`)
    if (issue.fix && issue.fix !== err.fix) lines.push(`      Fix: ${printable(issue.fix)}`)
  }
  if (options.debug && err.stack) lines.push('', printable(err.stack, { keepNewlines: true }))
  return lines.join('\n')
}
