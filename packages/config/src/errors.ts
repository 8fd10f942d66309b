import type { ErrorCodeName } from './error-codes.js'

/**
 * One error type for the whole toolkit. Packages throw it; only the CLI decides how it looks and which
 * exit code it maps to (by `category`). `code` is stable: scripts and docs may rely on it.
 */
export type ErrorCategory =
  /** The command line itself is wrong (unknown flag, missing argument). */
  | 'usage'
  /** Bad input: a file, a value, a name. The user can fix it. */
  | 'user'
  /** The Docker engine cannot be reached or refused a request. */
  | 'engine'
  /** PostgreSQL cannot be reached or refused a request. */
  | 'database'
  /** The request collides with what exists (port taken, name in use, lock held, volume of another password). */
  | 'conflict'
  /** A bug or an unexpected state. */
  | 'internal'

export interface ErrorLocation {
  /** Absolute path of the file the error is about. */
  file?: string
  /** Key path inside the file, e.g. ['tenant_databases', 0, 'database_name']. */
  keyPath?: (string | number)[]
  /** 1-based line (YAML and JSON where known). */
  line?: number
  /** 1-based column. */
  column?: number
}

export interface SystempromptErrorOptions extends ErrorLocation {
  code: ErrorCodeName
  message: string
  /** One line: what the user should do. */
  fix?: string
  category?: ErrorCategory
  cause?: unknown
  /** Further problems of the same kind (e.g. every schema violation of one file). */
  issues?: ErrorLocationIssue[]
  /** Machine-readable extras for --json output. Never put secrets here. */
  details?: Record<string, unknown>
}

export interface ErrorLocationIssue extends ErrorLocation {
  code: ErrorCodeName
  message: string
  fix?: string
  /** Absent means 'error'. Warnings (e.g. a secret file readable by others) do not block a command. */
  severity?: 'error' | 'warning'
}

export class SystempromptError extends Error {
  override readonly name = 'SystempromptError'
  readonly code: ErrorCodeName
  readonly fix: string | undefined
  readonly category: ErrorCategory
  readonly file: string | undefined
  readonly keyPath: (string | number)[] | undefined
  readonly line: number | undefined
  readonly column: number | undefined
  readonly issues: ErrorLocationIssue[]
  readonly details: Record<string, unknown> | undefined

  constructor(options: SystempromptErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code
    this.fix = options.fix
    this.category = options.category ?? 'user'
    this.file = options.file
    this.keyPath = options.keyPath
    this.line = options.line
    this.column = options.column
    this.issues = options.issues ?? []
    this.details = options.details
  }

  /** "file:line" (or just the file) for messages. */
  get where(): string | undefined {
    return formatLocation(this)
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      fix: this.fix,
      category: this.category,
      file: this.file,
      keyPath: this.keyPath,
      line: this.line,
      column: this.column,
      issues: this.issues.length > 0 ? this.issues : undefined,
      details: this.details,
    }
  }
}

export function isSystempromptError(value: unknown): value is SystempromptError {
  return value instanceof SystempromptError || (value instanceof Error && value.name === 'SystempromptError')
}

/**
 * The one error-location formatter: "file:line:column", "file:line" or the file alone; undefined without a
 * file. `column: false` leaves the column out (one issue a line, as `config validate` lists them).
 */
export function formatLocation(loc: ErrorLocation, options: { column?: boolean } = {}): string | undefined {
  if (!loc.file) return undefined
  let out = loc.file
  if (loc.line !== undefined) out += `:${loc.line}`
  if (loc.line !== undefined && loc.column !== undefined && options.column !== false) out += `:${loc.column}`
  return out
}

export function formatKeyPath(path: (string | number)[] | undefined): string | undefined {
  if (!path || path.length === 0) return undefined
  return path.reduce<string>((acc, part) => {
    if (typeof part === 'number') return `${acc}[${part}]`
    return acc === '' ? part : `${acc}.${part}`
  }, '')
}
