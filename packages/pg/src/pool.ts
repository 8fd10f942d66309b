import pg from 'pg'
import type { PgTarget } from './connect.js'

/** A pool of connections to one database (the API server's health probe; long-lived processes). */
export type PgPool = pg.Pool

export interface PoolOptions {
  /** Most connections open at once (default 2: a probe needs one). */
  max?: number
  /** Bound on opening a connection, and on waiting for a free one (default 2000). */
  connectionTimeoutMillis?: number
  /** Bound on each query, measured by the client: a server that stops answering fails it (default none). */
  queryTimeoutMillis?: number
  /** An idle connection is closed after this (default 30000). */
  idleTimeoutMillis?: number
  /** `application_name` the server shows in pg_stat_activity (default `systemprompt`). */
  applicationName?: string
  /**
   * An idle connection failed (the server stopped or restarted). The pool drops it and opens a new one on
   * the next query; without a listener Node would crash, so one is always attached.
   */
  onError?: (error: Error) => void
}

/**
 * A pool for `target`. A query that fails or times out removes its connection from the pool (pg-pool drops a
 * client released with an error), so a server that hung or restarted costs one failed query, not a stuck
 * pool. Timers do not keep the process alive; the caller must `end()` it.
 */
export function createPool(target: PgTarget, options: PoolOptions = {}): PgPool {
  const pool = new pg.Pool({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    max: options.max ?? 2,
    connectionTimeoutMillis: Math.max(1, Math.round(options.connectionTimeoutMillis ?? 2000)),
    idleTimeoutMillis: options.idleTimeoutMillis ?? 30_000,
    ...(options.queryTimeoutMillis !== undefined
      ? { query_timeout: Math.max(1, Math.round(options.queryTimeoutMillis)) }
      : {}),
    application_name: options.applicationName ?? 'systemprompt',
    allowExitOnIdle: true,
  })
  const onError = options.onError ?? (() => {})
  pool.on('error', (error) => onError(error))
  return pool
}
