import type { ErrorLocation } from '@systemprompt/config/core'
import type { NormalizedError } from './normalize.js'

/** "file:line[:column]" or the file alone; undefined without a file. */
export function where(loc: ErrorLocation): string | undefined {
  if (!loc.file) return undefined
  if (loc.line === undefined) return loc.file
  return loc.column === undefined ? `${loc.file}:${loc.line}` : `${loc.file}:${loc.line}:${loc.column}`
}

function keyPathText(path: (string | number)[] | undefined): string | undefined {
  if (!path || path.length === 0) return undefined
  return path.reduce<string>((acc, part) => {
    if (typeof part === 'number') return `${acc}[${part}]`
    return acc === '' ? part : `${acc}.${part}`
  }, '')
}

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
  const at = where(err)
  const key = keyPathText(err.keyPath)
  if (at) lines.push(`  at ${at}${key ? ` (${key})` : ''}`)
  if (err.fix) lines.push(`  Fix: ${err.fix}`)
  // The first issue is usually the error itself; list the others (or all, when they differ).
  const extra = err.issues.filter(
    (issue) => !(issue.message === err.message && issue.file === err.file && issue.line === err.line),
  )
  for (const issue of extra) {
    const issueAt = where(issue)
    const prefix = issueAt ? `${issueAt}: ` : ''
    lines.push(`  - ${prefix}[${issue.code}] ${issue.message}`)
    if (issue.fix && issue.fix !== err.fix) lines.push(`      Fix: ${issue.fix}`)
  }
  if (options.debug && err.stack) lines.push('', err.stack)
  return lines.join('\n')
}

/** DEBUG=* / DEBUG=systemprompt* / SYSTEMPROMPT_DEBUG=1 turn on stack traces. */
export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const flag = env.SYSTEMPROMPT_DEBUG
  if (flag !== undefined && flag !== '' && flag !== '0' && flag !== 'false') return true
  const debug = env.DEBUG ?? ''
  return debug.split(',').some((part) => part === '*' || part.startsWith('systemprompt'))
}
