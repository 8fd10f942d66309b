import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { type EnvSource, envInvalid } from './env.js'
import { ErrorCode } from './error-codes.js'
import { SystempromptError } from './errors.js'
import { postgresUrlProblem } from './schema/formats.js'

/**
 * The application runtime's environment (SPEC 5 and 8): what `infra db migrate`, `infra services serve`,
 * `health` and `start` read inside the image (and in a project). Zod-free: it is on the start path of
 * every container. Like `readCliEnv`, the CLI calls it once and passes plain values down.
 *
 * | Variable | Meaning | Default |
 * |---|---|---|
 * | `DATABASE_URL` / `DATABASE_URL_FILE` | the application's database (the `_FILE` form is what Swarm secrets give) | the active profile's secrets, in a project |
 * | `HOST` | bind address of the API server | `0.0.0.0` inside a container (`/.dockerenv` or `container=`), else `127.0.0.1` |
 * | `PORT` | port of the API server | `8080` |
 * | `RUST_LOG` | log level: error, warn, info, debug, trace (or env_logger `module=level` directives) | `info`; an unknown level warns and uses `info` |
 * | `SYSTEMPROMPT_LOG_FORMAT` | `text` or `json` (JSON lines) | `text` |
 * | `SYSTEMPROMPT_SERVICES_PATH` | the services directory (`database/migrations/`, `mcp/`) | the project's `services/` |
 * | `SYSTEMPROMPT_WEB_PATH` | the static files the API server serves | the project's `web/` (`/app/web` in images) |
 * | `SYSTEMPROMPT_MCP_PATH` | where `build mcp` put the MCP artifacts | `mcp/` next to the release binary, else the project's `target/release/mcp` |
 * | `<NAME>_FILE` | any secret (`JWT_SECRET_FILE`, ...) read from a file; trailing line breaks dropped | — |
 */
export interface RuntimeEnv {
  /** DATABASE_URL, else the content of DATABASE_URL_FILE; checked with the URL rule. */
  databaseUrl: string | undefined
  /** Which variable the URL came from (for messages; never the value). */
  databaseUrlFrom: 'DATABASE_URL' | 'DATABASE_URL_FILE' | undefined
  /** HOST as given, else the default above. */
  host: string
  port: number
  logLevel: LogLevel
  logFormat: 'text' | 'json'
  servicesPath: string | undefined
  webPath: string | undefined
  mcpPath: string | undefined
  /** SYSTEMPROMPT_PROFILE, as given. */
  profile: string | undefined
  /** Non-fatal problems (an unknown RUST_LOG level), each a code and a sentence. */
  warnings: { code: string; message: string }[]
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface RuntimeEnvOptions {
  /** Whether this process runs in a container (default: `/.dockerenv` exists or `container` is set). */
  inContainer?: boolean
  /** Base for relative paths (default: the working directory). */
  cwd?: string
}

/** Reads the runtime's variables from `source` (process.env by default). Bad values throw ENV_INVALID / DATABASE_URL_INVALID naming the variable, never echoing a value. */
export function readRuntimeEnv(source: EnvSource = process.env, options: RuntimeEnvOptions = {}): RuntimeEnv {
  const get = (name: string): string | undefined => {
    const value = source[name]?.trim()
    return value ? value : undefined
  }
  const warnings: RuntimeEnv['warnings'] = []
  const inContainer = options.inContainer ?? (existsSync('/.dockerenv') || get('container') !== undefined)
  const cwd = options.cwd ?? process.cwd()
  const path = (name: string): string | undefined => {
    const value = get(name)
    return value === undefined ? undefined : resolve(cwd, value)
  }

  const secret = readSecret(source, 'DATABASE_URL', cwd)
  if (secret !== undefined) {
    const problem = postgresUrlProblem(secret.value)
    if (problem)
      throw new SystempromptError({
        code: ErrorCode.DATABASE_URL_INVALID,
        category: 'user',
        message: `The database URL in ${secret.from} is invalid: ${problem}.`,
        fix: 'Give a URL like postgres://user:password@host:5432/database.',
        keyPath: [secret.from],
      })
  }

  const portText = get('PORT')
  let port = 8080
  if (portText !== undefined) {
    port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : Number.NaN
    if (!(port >= 1 && port <= 65535)) throw envInvalid('PORT', 'expected a port number between 1 and 65535')
  }

  const format = get('SYSTEMPROMPT_LOG_FORMAT')?.toLowerCase()
  if (format !== undefined && format !== 'text' && format !== 'json')
    throw envInvalid('SYSTEMPROMPT_LOG_FORMAT', 'expected text or json')

  const rustLog = get('RUST_LOG')
  const level = rustLog === undefined ? 'info' : logLevelOf(rustLog)
  if (level === undefined)
    warnings.push({
      code: ErrorCode.LOG_LEVEL_UNKNOWN,
      message: `RUST_LOG names no level we know (${LOG_LEVELS.join(', ')}); logging at info.`,
    })

  return {
    databaseUrl: secret?.value,
    databaseUrlFrom: secret?.from as RuntimeEnv['databaseUrlFrom'],
    host: get('HOST') ?? (inContainer ? '0.0.0.0' : '127.0.0.1'),
    port,
    logLevel: level ?? 'info',
    logFormat: format === 'json' ? 'json' : 'text',
    servicesPath: path('SYSTEMPROMPT_SERVICES_PATH'),
    webPath: path('SYSTEMPROMPT_WEB_PATH'),
    mcpPath: path('SYSTEMPROMPT_MCP_PATH'),
    profile: get('SYSTEMPROMPT_PROFILE'),
    warnings,
  }
}

/**
 * The level of a RUST_LOG value: a bare level word wins; else the level of a `systemprompt…=level`
 * directive; else the most verbose directive. `off` logs errors only (we never silence errors). Unknown
 * words: undefined.
 */
export function logLevelOf(value: string): LogLevel | undefined {
  const rank = (word: string): LogLevel | undefined => {
    const w = word.trim().toLowerCase()
    if (w === 'off') return 'error'
    return (LOG_LEVELS as readonly string[]).includes(w) ? (w as LogLevel) : undefined
  }
  let bare: LogLevel | undefined
  let ours: LogLevel | undefined
  let most: LogLevel | undefined
  for (const part of value.split(',')) {
    const item = part.trim()
    if (item === '') continue
    const eq = item.indexOf('=')
    const level = rank(eq < 0 ? item : item.slice(eq + 1))
    if (level === undefined) return undefined
    if (eq < 0) bare = level
    else if (item.slice(0, eq).trim().toLowerCase().startsWith('systemprompt')) ours = level
    if (most === undefined || LOG_LEVELS.indexOf(level) > LOG_LEVELS.indexOf(most)) most = level
  }
  return bare ?? ours ?? most
}

/**
 * A secret from `NAME` or from the file `NAME_FILE` names (Swarm mounts secrets at /run/secrets/), with
 * trailing line breaks dropped. Both set is an error (as in the postgres image); an unreadable file is
 * SECRET_FILE_UNREADABLE naming the variable and the path.
 */
export function readSecret(
  source: EnvSource,
  name: string,
  cwd: string = process.cwd(),
): { value: string; from: string } | undefined {
  const direct = source[name]
  const file = source[`${name}_FILE`]?.trim()
  if (direct !== undefined && direct !== '' && file)
    throw new SystempromptError({
      code: ErrorCode.SECRET_FILE_UNREADABLE,
      category: 'user',
      message: `Both ${name} and ${name}_FILE are set; they are exclusive.`,
      fix: `Unset one of ${name} and ${name}_FILE.`,
      keyPath: [name],
    })
  if (direct !== undefined && direct.trim() !== '') return { value: direct.trim(), from: name }
  if (!file) return undefined
  const path = resolve(cwd, file)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new SystempromptError({
      code: ErrorCode.SECRET_FILE_UNREADABLE,
      category: 'user',
      message: `${name}_FILE names ${path}, which cannot be read (${reason}).`,
      fix: `Point ${name}_FILE at a readable file (Swarm mounts secrets under /run/secrets/).`,
      file: path,
      keyPath: [`${name}_FILE`],
    })
  }
  const value = text.replace(/[\r\n]+$/, '')
  return value === '' ? undefined : { value, from: `${name}_FILE` }
}
