import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { ErrorCode } from './error-codes.js'
import { SystempromptError } from './errors.js'
import { isDockerImageRef } from './schema/formats.js'

/**
 * The environment, read in one place. This module is the only reader of `process.env` in the packages: the
 * CLI calls `readCliEnv()` once and passes plain values down as options (image, data dir, Docker engine,
 * instance, labels); no package defaults to the environment.
 *
 * Every variable we read, with its meaning and default:
 *
 * | Variable | Meaning | Default |
 * |---|---|---|
 * | `SYSTEMPROMPT_POSTGRES_IMAGE` | Image of the local PostgreSQL servers; wins over the profile's `docker.postgres_image` and the image a project recorded | the profile's setting, else the recorded image, else `postgres:17-alpine` |
 * | `SYSTEMPROMPT_DATA_DIR` | Per-user directory for machine-wide state (the shared server's password file) | `$XDG_DATA_HOME/systemprompt`, else `~/.local/share/systemprompt` |
 * | `XDG_DATA_HOME` | Base of the default data directory (absolute paths only) | `~/.local/share` |
 * | `HOME` | Home directory: default data directory, Docker Desktop's socket | the user's home (`os.homedir()`) |
 * | `SYSTEMPROMPT_PROFILE` | Path of the active profile (its directory or its profile.yaml); its `docker:` settings apply to `db` commands | none: the tenant's own profile for a dedicated server, built-in defaults for the shared one |
 * | `SYSTEMPROMPT_INSTANCE` | Suffix of every Docker object name (`systemprompt-postgres-shared-<instance>`), so tests and benchmarks never touch the machine's real servers | none |
 * | `SYSTEMPROMPT_LABELS` | Extra labels on every Docker object, comma-separated `key=value` | none |
 * | `SYSTEMPROMPT_DEBUG` | `1` prints stack traces with errors | off |
 * | `DEBUG` | `*` or `systemprompt*` also prints stack traces | off |
 * | `DOCKER_HOST` | Docker engine to talk to (`unix://`, `tcp://`) | `/var/run/docker.sock`, then the rootless and Docker Desktop sockets |
 * | `DOCKER_TLS_VERIFY` | TLS to a `tcp://` DOCKER_HOST | off (on for port 2376) |
 * | `DOCKER_CERT_PATH` | Directory of `ca.pem`, `cert.pem`, `key.pem` for TLS | none |
 * | `XDG_RUNTIME_DIR` | Where the rootless Docker socket lives (`$XDG_RUNTIME_DIR/docker.sock`) | none |
 * | `DOCKER_AUTH_CONFIG` | Registry credentials for `cloud deploy`, a docker config.json as text (`{"auths": {...}}`), as CI systems set it | none |
 * | `DOCKER_CONFIG` | Directory of the docker CLI's config.json (auths, credHelpers, credsStore) | `~/.docker` |
 * | `PATH` | Where `cloud deploy` finds a credential helper (`docker-credential-<name>`) that config.json names | — |
 * | everything else | Passed on unread to a program the CLI runs for the user in the foreground (`db psql` starts `psql`: PATH, HOME, TERM, PAGER, PSQLRC, ...), as a shell would; the connection's own `PG*` variables are replaced | — |
 *
 * The application's own variables (SPEC section 8: `DATABASE_URL`, `HOST` 0.0.0.0, `PORT` 8080, `RUST_LOG`
 * info, `SYSTEMPROMPT_PROFILE`, `SYSTEMPROMPT_SERVICES_PATH`, `SYSTEMPROMPT_WEB_PATH` /app/web in images,
 * `SYSTEMPROMPT_LOG_FORMAT` text or json, `<NAME>_FILE` for secrets) are what a container of the app
 * receives; `EnvSchema` / `readEnv` (schema/env.ts) validate them from a record the caller passes.
 */

/** An environment record: process.env, or a plain object in tests. */
export type EnvSource = Readonly<Record<string, string | undefined>>

/** The variables the Docker engine adapter needs to find and reach the engine. */
export type DockerEnv = {
  DOCKER_HOST?: string
  DOCKER_TLS_VERIFY?: string
  DOCKER_CERT_PATH?: string
  XDG_RUNTIME_DIR?: string
  HOME?: string
}

/** What the CLI takes from the environment, parsed and checked. */
export interface CliEnv {
  /** SYSTEMPROMPT_POSTGRES_IMAGE. */
  postgresImage: string | undefined
  /** SYSTEMPROMPT_DATA_DIR, else the XDG default; always absolute. */
  dataDir: string
  /** For `connectEngine({ env })`: only the Docker variables, unset ones left out. */
  docker: DockerEnv
  /** SYSTEMPROMPT_INSTANCE. */
  instance: string | undefined
  /** SYSTEMPROMPT_LABELS, parsed. */
  labels: Record<string, string>
  /** SYSTEMPROMPT_PROFILE, as given (resolved against the working directory by the caller). */
  profile: string | undefined
  /** Where registry credentials come from (DOCKER_AUTH_CONFIG, DOCKER_CONFIG or ~/.docker, PATH for helpers). */
  registry: { authConfig: string | undefined; configDir: string | undefined; path: string | undefined }
  debug: boolean
}

const DOCKER_VARIABLES = [
  'DOCKER_HOST',
  'DOCKER_TLS_VERIFY',
  'DOCKER_CERT_PATH',
  'XDG_RUNTIME_DIR',
  'HOME',
] as const
/** Docker object names allow `[a-zA-Z0-9][a-zA-Z0-9_.-]`; the suffix is appended after a `-`. */
const INSTANCE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/
/** Docker's recommended label key shape (reverse DNS, dots, dashes, slashes). */
const LABEL_KEY = /^[a-zA-Z0-9][a-zA-Z0-9._/-]*$/

/**
 * Reads the CLI's variables (see the table above). Empty counts as unset (shells often export `VAR=`); a
 * bad value is ENV_INVALID naming the variable. Unrelated variables are never looked at, so a bad
 * DATABASE_URL in the user's shell does not break `db up`.
 */
export function readCliEnv(source: EnvSource = process.env): CliEnv {
  const get = (name: string): string | undefined => {
    const value = source[name]?.trim()
    return value ? value : undefined
  }
  const postgresImage = get('SYSTEMPROMPT_POSTGRES_IMAGE')
  if (postgresImage !== undefined && !isDockerImageRef(postgresImage))
    throw envInvalid(
      'SYSTEMPROMPT_POSTGRES_IMAGE',
      'expected a Docker image reference like postgres:17-alpine',
    )
  const instance = get('SYSTEMPROMPT_INSTANCE')
  if (instance !== undefined && !INSTANCE.test(instance))
    throw envInvalid(
      'SYSTEMPROMPT_INSTANCE',
      'expected letters, digits, _ . - (at most 63), starting with a letter or digit',
    )
  const docker: DockerEnv = {}
  for (const name of DOCKER_VARIABLES) {
    const value = source[name]
    if (value !== undefined && value !== '') docker[name] = value
  }
  return {
    postgresImage,
    dataDir: dataDirOf(get),
    docker,
    instance,
    labels: parseLabels(get('SYSTEMPROMPT_LABELS')),
    profile: get('SYSTEMPROMPT_PROFILE'),
    registry: {
      authConfig: get('DOCKER_AUTH_CONFIG'),
      configDir: get('DOCKER_CONFIG') ?? (get('HOME') ? `${get('HOME')}/.docker` : undefined),
      path: get('PATH'),
    },
    debug: debugEnabled(source),
  }
}

/**
 * The environment of a program the CLI runs for the user in the foreground (`db psql` starts `psql`): the
 * user's own, whole, as their shell would pass it on. The caller adds or removes what the program needs.
 */
export function userProgramEnv(source: EnvSource = process.env): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(source)) if (value !== undefined) env[name] = value
  return env
}

/** SYSTEMPROMPT_DEBUG=1 / DEBUG=* / DEBUG=systemprompt* turn on stack traces. Never throws (used while rendering an error). */
export function debugEnabled(source: EnvSource = process.env): boolean {
  const flag = source.SYSTEMPROMPT_DEBUG
  if (flag !== undefined && flag !== '' && flag !== '0' && flag !== 'false') return true
  const debug = source.DEBUG ?? ''
  return debug.split(',').some((part) => part === '*' || part.startsWith('systemprompt'))
}

function dataDirOf(get: (name: string) => string | undefined): string {
  const explicit = get('SYSTEMPROMPT_DATA_DIR')
  if (explicit) return resolve(explicit)
  const xdg = get('XDG_DATA_HOME')
  const base = xdg && isAbsolute(xdg) ? xdg : join(get('HOME') || homedir(), '.local', 'share')
  return join(base, 'systemprompt')
}

function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {}
  if (text === undefined) return labels
  for (const part of text.split(',')) {
    const item = part.trim()
    if (item === '') continue
    const eq = item.indexOf('=')
    const key = eq < 0 ? item : item.slice(0, eq).trim()
    if (eq < 0 || !LABEL_KEY.test(key))
      throw envInvalid(
        'SYSTEMPROMPT_LABELS',
        'expected comma-separated key=value pairs (keys: letters, digits, . _ / -)',
      )
    labels[key] = item.slice(eq + 1).trim()
  }
  return labels
}

/** ENV_INVALID naming the variable and what was expected; the value itself is never echoed. */
export function envInvalid(variable: string, expected: string): SystempromptError {
  // The value is not echoed: the message stays safe whatever was pasted into the variable.
  return new SystempromptError({
    code: ErrorCode.ENV_INVALID,
    category: 'user',
    message: `Environment variable ${variable} is invalid: ${expected}.`,
    fix: `Set ${variable} to a valid value or unset it.`,
    keyPath: [variable],
  })
}
