import type { ErrorCategory, ErrorLocationIssue } from '@systemprompt/config/core'

/**
 * The plain shape every error is turned into before it is shown or serialised. Built from our own
 * SystempromptError, from oclif's parse errors (usage) and from anything else (internal).
 */
export interface NormalizedError {
  code: string
  message: string
  fix: string | undefined
  category: ErrorCategory
  file: string | undefined
  keyPath: (string | number)[] | undefined
  line: number | undefined
  column: number | undefined
  issues: ErrorLocationIssue[]
  details: Record<string, unknown> | undefined
  /** Kept for DEBUG output only; never serialised. */
  stack: string | undefined
}

interface OclifLikeError extends Error {
  oclif?: { exit?: number }
  parse?: unknown
  code?: unknown
}

/** True for the error oclif throws from `this.exit(n)`: a request to stop, not a failure to report. */
export function isOclifExit(err: unknown): err is OclifLikeError & { oclif: { exit: number } } {
  return (
    err instanceof Error &&
    (err as OclifLikeError).code === 'EEXIT' &&
    typeof (err as OclifLikeError).oclif?.exit === 'number'
  )
}

function isOurError(err: unknown): err is Error & Record<string, unknown> {
  // Duck-typed: a plugin may bundle its own copy of @systemprompt/config, so instanceof is not enough.
  return (
    err instanceof Error &&
    err.name === 'SystempromptError' &&
    typeof (err as { code?: unknown }).code === 'string'
  )
}

const CATEGORIES = new Set<ErrorCategory>(['usage', 'user', 'engine', 'database', 'conflict', 'internal'])

export function normalizeError(err: unknown): NormalizedError {
  if (isOurError(err)) {
    const category = CATEGORIES.has(err.category as ErrorCategory)
      ? (err.category as ErrorCategory)
      : 'internal'
    return {
      code: err.code as string,
      message: err.message,
      fix: (err.fix as string | undefined) ?? undefined,
      category,
      file: err.file as string | undefined,
      keyPath: err.keyPath as (string | number)[] | undefined,
      line: err.line as number | undefined,
      column: err.column as number | undefined,
      issues: Array.isArray(err.issues) ? (err.issues as ErrorLocationIssue[]) : [],
      details: err.details as Record<string, unknown> | undefined,
      stack: err.stack,
    }
  }
  if (err instanceof Error && (err as OclifLikeError).parse !== undefined) {
    // oclif's parser errors (unknown flag, missing argument, bad option value) are usage errors.
    return base(
      'USAGE',
      firstParagraph(err.message),
      'usage',
      'See --help for the accepted flags and arguments.',
      err,
    )
  }
  const notFound = err instanceof Error ? /^command (.+) not found/.exec(err.message) : null
  if (notFound) {
    // oclif names the command by its id (`cloud:tenant:create`); people typed it with spaces.
    const typed = (notFound[1] ?? '').replaceAll(':', ' ')
    const flagFirst = typed.startsWith('-')
    return {
      ...base(
        'COMMAND_NOT_FOUND',
        flagFirst ? `No command given (${typed} is a flag).` : `Unknown command: ${typed}.`,
        'usage',
        flagFirst
          ? 'Put the command first, then its flags: `systemprompt db status --json`.'
          : 'Run `systemprompt --help` to see the commands.',
        err as Error,
      ),
      details: { command: typed },
    }
  }
  if (err instanceof Error && typeof (err as OclifLikeError).oclif?.exit === 'number') {
    // Other oclif CLIErrors (e.g. "command not found") are about how the CLI was called.
    return base(
      'USAGE',
      firstParagraph(err.message),
      'usage',
      'Run `systemprompt --help` to see the commands.',
      err,
    )
  }
  if (err instanceof Error) {
    const sysCode =
      typeof (err as OclifLikeError).code === 'string' ? ((err as OclifLikeError).code as string) : undefined
    return base(
      'INTERNAL',
      sysCode ? `${err.message} (${sysCode})` : err.message,
      'internal',
      'This is a bug in systemprompt: rerun with SYSTEMPROMPT_DEBUG=1 and report the output.',
      err,
    )
  }
  return base(
    'INTERNAL',
    String(err),
    'internal',
    'This is a bug in systemprompt: please report it.',
    undefined,
  )
}

function base(
  code: string,
  message: string,
  category: ErrorCategory,
  fix: string,
  err: Error | undefined,
): NormalizedError {
  return {
    code,
    message,
    fix,
    category,
    file: undefined,
    keyPath: undefined,
    line: undefined,
    column: undefined,
    issues: [],
    details: undefined,
    stack: err?.stack,
  }
}

// oclif appends "See more help with --help" and flag lists after a blank line; keep the statement itself.
function firstParagraph(message: string): string {
  const trimmed = message.trim()
  const cut = trimmed.indexOf('\nSee more help with')
  return (cut === -1 ? trimmed : trimmed.slice(0, cut)).trim()
}
