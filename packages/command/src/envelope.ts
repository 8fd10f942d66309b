import { EXIT_CODES, exitCodeFor } from './exit-codes.js'
import type { NormalizedError } from './normalize.js'

/** `--json` output of a command that succeeded. */
export interface SuccessEnvelope<T = unknown> {
  status: 0
  result: T
  warnings: string[]
}

/** `--json` output of a command that failed; `status` is the process exit code. */
export interface ErrorEnvelope {
  status: number
  error: {
    code: string
    message: string
    fix?: string
    category: string
    file?: string
    keyPath?: (string | number)[]
    line?: number
    column?: number
    issues?: unknown[]
    details?: Record<string, unknown>
  }
  warnings: string[]
}

export function successEnvelope<T>(result: T, warnings: string[] = []): SuccessEnvelope<T | null> {
  // `undefined` would vanish from JSON; scripts can rely on the key being there.
  return { status: EXIT_CODES.ok, result: result === undefined ? null : result, warnings }
}

export function errorEnvelope(err: NormalizedError, warnings: string[] = []): ErrorEnvelope {
  const error: ErrorEnvelope['error'] = { code: err.code, message: err.message, category: err.category }
  if (err.fix !== undefined) error.fix = err.fix
  if (err.file !== undefined) error.file = err.file
  if (err.keyPath !== undefined && err.keyPath.length > 0) error.keyPath = err.keyPath
  if (err.line !== undefined) error.line = err.line
  if (err.column !== undefined) error.column = err.column
  if (err.issues.length > 0) error.issues = err.issues
  if (err.details !== undefined) error.details = err.details
  return { status: exitCodeFor(err.category), error, warnings }
}
