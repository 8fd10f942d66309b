import { Socket } from 'node:net'
import { POSTGRES_URL_RULE, postgresUrlProblem, SystempromptError } from '@systemprompt/config/core'
import pg from 'pg'
import { mapPgError, type PgLogin } from './pg-errors.js'

/** How to reach one PostgreSQL server as one role. Host is 127.0.0.1 for our servers (never `localhost`). */
export interface PgTarget {
  host: string
  port: number
  user: string
  password: string
  database: string
}

export type PgClient = pg.Client

/**
 * Opens a connection or throws our error (DATABASE_UNREACHABLE, DATABASE_AUTH_FAILED, ...). The caller
 * must end it (`endClient`); use `withClient` when the connection lives for one task.
 */
export interface ConnectOptions {
  timeoutMs?: number
  /** What we were doing, for the error message. */
  action?: string
  /** Fix shown when nothing answers (default: start the local server). */
  unreachableFix?: string
  /** Whose credentials these are, for the fix of a refused login (see PgErrorContext.login). */
  login?: PgLogin
  /** The session's `application_name` (what pg_stat_activity shows); default `systemprompt`. */
  applicationName?: string
}

/**
 * A client for `target`, not yet connected. A server that goes away (or drops a connection during its
 * startup) emits 'error' on the client; without a listener Node would crash, so one is always attached.
 */
export function newClient(target: PgTarget, timeoutMs: number, applicationName = 'systemprompt'): PgClient {
  // Our own socket (pg's default is this same plain one), so that endClient can close it.
  const socket = new Socket()
  const client = new pg.Client({
    stream: () => socket,
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    connectionTimeoutMillis: Math.max(1, Math.round(timeoutMs)),
    application_name: applicationName,
  })
  client.on('error', () => {})
  sockets.set(client, socket)
  return client
}

const sockets = new WeakMap<PgClient, Socket>()

/**
 * Ends a client's session the way `client.end()` does (the Terminate message, then our side of the TCP
 * connection), without waiting for the server to close its side as well: a backend that got Terminate exits on
 * its own (the server counts no abandoned session), and its exit costs a command 10 ms before its process can
 * end. So when it returns, the server's backend may still be there for a few ms: whatever needs it gone (a
 * session-level advisory lock to be free, a database without sessions for DROP without FORCE) waits for
 * `client.end()` instead, as the migrations do. Only for a client whose `connect()` has settled. Never throws.
 */
export async function endClient(client: PgClient): Promise<void> {
  const socket = sockets.get(client)
  // Once our FIN is out (after Terminate), nothing more comes that we want.
  socket?.once('finish', () => socket.destroy())
  await client.end().catch(() => {})
}

export async function connect(target: PgTarget, options: ConnectOptions = {}): Promise<PgClient> {
  const client = newClient(target, options.timeoutMs ?? 5000, options.applicationName)
  try {
    await client.connect()
  } catch (error) {
    await endClient(client)
    throw mapPgError(error, {
      action: options.action ?? `connecting to database ${JSON.stringify(target.database)}`,
      host: target.host,
      port: target.port,
      user: target.user,
      database: target.database,
      ...(options.unreachableFix ? { unreachableFix: options.unreachableFix } : {}),
      ...(options.login ? { login: options.login } : {}),
    })
  }
  return client
}

export async function withClient<T>(
  target: PgTarget,
  fn: (client: PgClient) => Promise<T>,
  options: ConnectOptions = {},
): Promise<T> {
  const client = await connect(target, options)
  try {
    return await fn(client)
  } finally {
    await endClient(client)
  }
}

/** `postgresql://user:password@host:port/database`, each part percent-encoded. */
export function formatDatabaseUrl(target: PgTarget): string {
  const user = encodeURIComponent(target.user)
  const password = encodeURIComponent(target.password)
  return `postgresql://${user}:${password}@${target.host}:${target.port}/${encodeURIComponent(target.database)}`
}

/**
 * Parses a postgres:// URL into a target (for external databases and for checks of a profile's URL). A URL
 * that breaks config's rule (scheme, user, host, database, port, length) is DATABASE_URL_INVALID naming the
 * rule; the URL itself is never in the message (it holds a password).
 */
export function parseDatabaseUrl(url: string, what = 'The database URL'): PgTarget {
  const problem = postgresUrlProblem(url)
  if (problem !== undefined) {
    throw new SystempromptError({
      code: 'DATABASE_URL_INVALID',
      category: 'user',
      message: `${what} is invalid: ${problem}`,
      fix: `Use ${POSTGRES_URL_RULE}`,
    })
  }
  const parsed = new URL(url)
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 5432 : Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
  }
}

/** The URL with its password replaced by `***`, for messages and human output. */
export function maskDatabaseUrl(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@]*:)[^@]*@/, '$1***@')
}

/** `postgres://[user[:password]@]<loopback host>[:port]`: the authority of a URL that names a local server. */
const LOCAL_AUTHORITY =
  /^(postgres(?:ql)?:\/\/(?:[^/?#@]*@)?(?:127\.0\.0\.1|localhost|\[::1\]))(?::(\d+))?(?=[/?#]|$)/i

/**
 * `url` with its loopback host and port replaced by `host:port` (user, password, database and parameters
 * kept byte for byte); undefined for a URL that does not name a loopback host. `docker run` points a local
 * server's URL at the server's container name on a shared network.
 */
export function rehostLocalUrl(url: string, host: string, port: number): string | undefined {
  const match = LOCAL_AUTHORITY.exec(url)
  if (!match) return undefined
  const authority = match[1] as string
  const userinfo = /^postgres(?:ql)?:\/\/(?:[^/?#@]*@)?/i.exec(authority)?.[0] as string
  return `${userinfo}${host}:${port}${url.slice(match[0].length)}`
}

/** The loopback port a local URL names (5432 when it names none); undefined for any other URL. */
export function localUrlPort(url: string): number | undefined {
  const match = LOCAL_AUTHORITY.exec(url)
  if (!match) return undefined
  return match[2] === undefined ? 5432 : Number(match[2])
}

/**
 * `url` with only its port set to `to` (every other byte kept), when it names a loopback host — and, given
 * `from`, on that port (no port is 5432). Undefined for any other URL. The one rule for moving a local
 * server's URLs: `db up --port` and `db doctor --fix` both use it.
 */
export function repointLocalUrl(url: string, to: number, from?: number): string | undefined {
  const match = LOCAL_AUTHORITY.exec(url)
  if (!match) return undefined
  const port = match[2] === undefined ? 5432 : Number(match[2])
  if (from !== undefined && port !== from) return undefined
  if (port === to) return url
  return `${match[1]}:${to}${url.slice(match[0].length)}`
}
