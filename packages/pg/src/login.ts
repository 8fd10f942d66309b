import { endClient, newClient, type PgTarget } from './connect.js'
import { STARTING_SQLSTATES } from './sqlstate.js'

/** Errors that mean "not accepting logins yet": try again after a short pause. */
const TRANSIENT_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'])

/**
 * One login attempt plus `SELECT 1`: `true`, or the raw error (the caller decides between retry and a
 * message of its own, since "wrong password" means different things on a fresh and on an existing volume).
 */
export async function tryLogin(target: PgTarget, timeoutMs: number): Promise<true | Error> {
  const client = newClient(target, timeoutMs)
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error))
  } finally {
    // Not waited for: the Terminate is sent at once, and the answer does not depend on the close.
    void endClient(client)
  }
}

/**
 * A login failure worth retrying: the server is not listening yet, is starting up, or restarts once during
 * initialisation. pg reports a dropped startup connection without a code, hence the message patterns: they
 * come from pg itself, not from the server, so they are stable across server versions and locales.
 */
export function isTransientLoginError(error: Error): boolean {
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && (TRANSIENT_ERRNO.has(code) || STARTING_SQLSTATES.has(code))) return true
  return /Connection terminated|timeout expired|starting up|shutting down|ECONNRESET|socket hang up/i.test(
    error.message,
  )
}

/** The SQLSTATE (or errno) of a pg error, when it has one. */
export function sqlstateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : undefined
}
