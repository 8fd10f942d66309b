import type { LogLevel } from '@systemprompt/config/core'

/** Fields of one log event; values are printed as they are (callers mask secrets before logging). */
type LogFields = Record<string, string | number | boolean | null | undefined>

/** One line per event, at or above the configured level (RUST_LOG), as text or JSON lines. */
export interface Logger {
  readonly level: LogLevel
  error(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  debug(message: string, fields?: LogFields): void
  trace(message: string, fields?: LogFields): void
  /** Whether an event at `level` would be written (skip building expensive fields). */
  enabled(level: LogLevel): boolean
  /** The same sink and level with a fixed `target` (`api`, `mcp:<name>`, `migrate`). */
  child(target: string): Logger
}

export interface LoggerOptions {
  level: LogLevel
  format: 'text' | 'json'
  /** Where lines go (default: none; the CLI passes a writer to stdout or stderr). */
  write: (line: string) => void
  /** Name of the emitting part; shown in each line. */
  target?: string
  /** Clock for tests. */
  now?: () => Date
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3, trace: 4 }

/** A logger writing whole lines (each ends in \n) through `write`. */
export function createLogger(options: LoggerOptions): Logger {
  const { level, format, write } = options
  const now = options.now ?? (() => new Date())
  const max = RANK[level]
  const emit = (at: LogLevel, target: string, message: string, fields: LogFields | undefined): void => {
    if (RANK[at] > max) return
    const timestamp = now().toISOString()
    if (format === 'json') {
      write(`${JSON.stringify({ timestamp, level: at.toUpperCase(), target, message, ...fields })}\n`)
      return
    }
    let line = `${timestamp} ${at.toUpperCase().padEnd(5)} ${target}: ${oneLine(message)}`
    if (fields)
      for (const [key, value] of Object.entries(fields))
        if (value !== undefined) line += ` ${key}=${textValue(value)}`
    write(`${line}\n`)
  }
  const make = (target: string): Logger => ({
    level,
    error: (m, f) => emit('error', target, m, f),
    warn: (m, f) => emit('warn', target, m, f),
    info: (m, f) => emit('info', target, m, f),
    debug: (m, f) => emit('debug', target, m, f),
    trace: (m, f) => emit('trace', target, m, f),
    enabled: (at) => RANK[at] <= max,
    child: (name) => make(name),
  })
  return make(options.target ?? 'systemprompt')
}

/** Line breaks inside a message or value are shown as \n: one event is one line. */
function oneLine(text: string): string {
  return text.replace(/\r?\n/g, '\\n')
}

function textValue(value: string | number | boolean | null): string {
  if (typeof value !== 'string') return String(value)
  return value === '' || /[\s"=]/.test(value) ? JSON.stringify(value) : oneLine(value)
}
