import type { ErrorCategory } from '@systemprompt/config/core'

/**
 * Exit codes by error category. Distinct per category so scripts can tell "you typed it wrong" (2) from
 * "fix your file" (3), "Docker is down" (4), "PostgreSQL is down" (5) and "something is in the way" (6).
 */
export const EXIT_CODES = {
  ok: 0,
  internal: 1,
  usage: 2,
  user: 3,
  engine: 4,
  database: 5,
  conflict: 6,
} as const satisfies Record<ErrorCategory | 'ok', number>

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES]

export function exitCodeFor(category: ErrorCategory): ExitCode {
  return EXIT_CODES[category] ?? EXIT_CODES.internal
}
