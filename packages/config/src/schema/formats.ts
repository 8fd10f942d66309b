/**
 * Syntax checks for strings that name things outside the file: image references, registries, URLs.
 * Pure functions so schemas, env parsing and the CLI share one definition.
 */

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`
const IPV6 = '\\[[0-9a-fA-F:.]+\\]'
const HOST_PORT = new RegExp(`^(?:${DOMAIN}|${IPV6})(?::([0-9]{1,5}))?$`)
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/

function validPort(text: string | undefined): boolean {
  if (text === undefined) return true
  const port = Number(text)
  return Number.isInteger(port) && port >= 1 && port <= 65535
}

/** host or host:port, as Docker writes registry addresses (no scheme, no path). */
export function isRegistryHost(value: string): boolean {
  const match = HOST_PORT.exec(value)
  return match !== null && validPort(match[1])
}

/** Docker's reference grammar: [registry[:port]/]path[/path...][:tag][@digest]. */
export function isDockerImageRef(value: string): boolean {
  if (value.length === 0 || value.length > 255 + 128 + 80) return false
  let rest = value
  const at = rest.indexOf('@')
  if (at !== -1) {
    if (!DIGEST.test(rest.slice(at + 1))) return false
    rest = rest.slice(0, at)
  }
  const lastSlash = rest.lastIndexOf('/')
  const lastColon = rest.lastIndexOf(':')
  if (lastColon > lastSlash) {
    if (!TAG.test(rest.slice(lastColon + 1))) return false
    rest = rest.slice(0, lastColon)
  }
  const parts = rest.split('/')
  const first = parts[0] ?? ''
  // Docker treats the first component as a registry only if it looks like a host (dot, port or localhost).
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (!isRegistryHost(first)) return false
    parts.shift()
  }
  return parts.length > 0 && parts.every((part) => PATH_COMPONENT.test(part))
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

/** Longest DATABASE_URL we accept: ample for options and certificate paths, far below what breaks a process. */
export const POSTGRES_URL_MAX_LENGTH = 4096

/** The rule a DATABASE_URL must follow, for messages and fixes (never the URL itself: it holds a password). */
export const POSTGRES_URL_RULE = `postgres://user:password@host:port/database with a user, a host and a database (at most ${POSTGRES_URL_MAX_LENGTH} characters)`

/**
 * Why `value` is not a usable DATABASE_URL, in a few words ("it names no user"), or undefined when it is one:
 * postgres:// or postgresql://, a user, a host, a port in range if given, a database, no whitespace, bounded
 * length. The one definition: schemas, the environment, the pg edge and tenant creation all use it.
 */
export function postgresUrlProblem(value: string): string | undefined {
  if (value.length > POSTGRES_URL_MAX_LENGTH)
    return `it has ${value.length} characters (at most ${POSTGRES_URL_MAX_LENGTH})`
  if (/\s/.test(value)) return 'it contains whitespace'
  const url = parseUrl(value)
  if (!url) return 'it is not a URL'
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    return 'it must start with postgres:// or postgresql://'
  if (url.hostname === '') return 'it names no host'
  if (!validPort(url.port === '' ? undefined : url.port)) return 'its port must be between 1 and 65535'
  if (url.username === '') return 'it names no user'
  if (url.pathname === '' || url.pathname === '/') return 'it names no database'
  if (![url.username, url.password, url.pathname].every(decodes))
    return 'it has a malformed %-escape (write % in a password as %25)'
  return undefined
}

function decodes(part: string): boolean {
  try {
    decodeURIComponent(part)
    return true
  } catch {
    return false
  }
}

/** {@link postgresUrlProblem} finds nothing wrong. */
export function isPostgresUrl(value: string): boolean {
  return postgresUrlProblem(value) === undefined
}

/** http:// or https:// with a host. */
export function isHttpUrl(value: string): boolean {
  const url = parseUrl(value)
  return url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
}

/** DOCKER_HOST forms the engine adapter understands: unix://PATH, tcp://HOST:PORT, npipe://PATH. */
export function isDockerHost(value: string): boolean {
  if (value.startsWith('unix://')) return value.length > 'unix://'.length && value.slice(7).startsWith('/')
  if (value.startsWith('npipe://')) return value.length > 'npipe://'.length
  if (value.startsWith('tcp://')) {
    const url = parseUrl(value.replace(/^tcp:/, 'http:'))
    if (!url || url.hostname === '') return false
    if (url.pathname !== '/' && url.pathname !== '') return false
    return validPort(url.port === '' ? undefined : url.port)
  }
  return false
}
