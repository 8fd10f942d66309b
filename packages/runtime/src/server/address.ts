/** The path of the health check (SPEC 5); `/health` answers the same. */
export const HEALTH_PATH = '/api/v1/health'

/** `http://host:port` for a bind address (an IPv6 address in brackets). */
export function httpUrl(host: string, port: number): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  return `http://${bare.includes(':') ? `[${bare}]` : bare}:${port}`
}

/**
 * Where a local client reaches a server bound to `host`: an unspecified address (0.0.0.0, ::) is no
 * destination, so 127.0.0.1 (a server on :: accepts IPv4 too); any other host as it is.
 */
export function localHealthUrl(host: string, port: number): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  const target = bare === '' || bare === '0.0.0.0' || bare === '::' || bare === '::0' ? '127.0.0.1' : bare
  return `${httpUrl(target, port)}${HEALTH_PATH}`
}
