// The API server of `infra services serve` and `start --all`: the health check, web/'s static files, and a
// bounded graceful close. fastify, @fastify/static and pg are loaded here, only when a server starts.
import { STATUS_CODES } from 'node:http'
import { resolve } from 'node:path'
import { ErrorCode, SystempromptError } from '@systemprompt/config/core'
import type { PgPool } from '@systemprompt/pg'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from '../log.js'
import { HEALTH_PATH, httpUrl } from './address.js'
import { HealthMonitor, isDirectory, type McpHealth } from './health.js'

export interface ApiServerOptions {
  /** Bind address (readRuntimeEnv: HOST, else 127.0.0.1, or 0.0.0.0 in a container). */
  host: string
  /** Port (readRuntimeEnv: PORT, else 8080); 0 picks a free one. */
  port: number
  /** The static files (SYSTEMPROMPT_WEB_PATH or the project's web/); missing: no static route. */
  webPath?: string
  /** The application's database; undefined: the health check says `unconfigured` and answers 503. */
  databaseUrl?: string
  /** Where the URL came from (`DATABASE_URL`, `DATABASE_URL_FILE`, `profile <name>`), for messages. */
  databaseUrlFrom?: string
  /** Shown in the health body (the CLI's version). */
  version: string
  logger: Logger
  /** The supervisor's live MCP counts; absent: `{status: 'none', count: 0, running: 0}`. */
  mcp?: () => McpHealth
  /** On close, in-flight requests get this long to finish before their connections are cut (default 8000). */
  shutdownGraceMs?: number
  /** Bound on one database probe, connect and query (default 1500: the health check answers well within 3 s). */
  probeTimeoutMs?: number
  /** A probe's result is reused for this long (default 1000). */
  probeCacheMs?: number
}

export interface ApiServer {
  /** `http://host:port` as bound (the real port when 0 was asked). */
  url: string
  host: string
  port: number
  /** Stops accepting, lets in-flight requests finish (bounded by shutdownGraceMs), closes the pool. Idempotent. */
  close(): Promise<void>
}

/**
 * Starts the API server; resolves once it listens. It starts whatever the database does: the health check
 * answers 503 until `SELECT 1` works and follows the database both ways. A HOST:PORT that cannot be bound is
 * PORT_IN_USE (in use) or LISTEN_FAILED (address not available, no permission, unknown host), naming it.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { logger } = options
  const probeTimeoutMs = options.probeTimeoutMs ?? 1500
  const grace = options.shutdownGraceMs ?? 8000
  const webPath = options.webPath === undefined ? undefined : resolve(options.webPath)
  const serveStatic = webPath !== undefined && isDirectory(webPath)

  const [{ default: Fastify }, fastifyStatic, pgEdge] = await Promise.all([
    import('fastify'),
    serveStatic ? import('@fastify/static') : undefined,
    options.databaseUrl === undefined ? undefined : import('@systemprompt/pg'),
  ])

  let pool: PgPool | undefined
  let database: string | undefined
  if (pgEdge && options.databaseUrl !== undefined) {
    const target = pgEdge.parseDatabaseUrl(options.databaseUrl, options.databaseUrlFrom ?? 'DATABASE_URL')
    database = `${target.host}:${target.port}/${target.database}`
    pool = pgEdge.createPool(target, {
      max: 2,
      connectionTimeoutMillis: probeTimeoutMs,
      queryTimeoutMillis: probeTimeoutMs,
      applicationName: 'systemprompt-api',
      onError: (error) =>
        logger.debug('idle database connection closed', { database, reason: error.message }),
    })
  }

  const health = new HealthMonitor({
    pool,
    database,
    webPath,
    version: options.version,
    logger,
    mcp: options.mcp,
    probeTimeoutMs,
    cacheMs: Math.min(options.probeCacheMs ?? 1000, 1000),
  })

  const app = Fastify({ logger: false, return503OnClosing: true })

  // Errors become a small JSON body without internals; a server error is one log line (request lines are debug).
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const code = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500
    if (code >= 500)
      logger.error('request failed', { method: request.method, url: request.url, reason: error.message })
    reply.code(code).send({ statusCode: code, error: STATUS_CODES[code] ?? 'Error' })
  })

  if (logger.enabled('debug'))
    app.addHook('onResponse', (request, reply, done) => {
      logger.debug('request', {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      })
      done()
    })

  // Not async: a fresh probe result answers synchronously (see HealthMonitor.check).
  const healthRoute = (_request: FastifyRequest, reply: FastifyReply) => {
    const started = performance.now()
    const answer = health.check(started)
    const send = ({ code, body }: { code: number; body: unknown }) =>
      reply.code(code).header('cache-control', 'no-store').send(body)
    if (answer instanceof Promise) answer.then(send, (error) => reply.send(error))
    else send(answer)
    return reply
  }
  const schema = { response: { 200: HEALTH_SCHEMA, 503: HEALTH_SCHEMA } }
  app.get(HEALTH_PATH, { schema }, healthRoute)
  app.get('/health', { schema }, healthRoute)

  if (serveStatic && fastifyStatic)
    // Files under web/: MIME type, ETag / Last-Modified (304 on a match), index.html for a directory,
    // dotfiles hidden, anything outside the root refused (@fastify/send resolves and checks the path).
    await app.register(fastifyStatic.default, { root: webPath, index: 'index.html', dotfiles: 'ignore' })

  const closePool = async (): Promise<void> => {
    if (!pool) return
    // A connection stuck on a server that stopped answering must not hold the exit: bounded.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      pool.end().catch(() => {}),
      new Promise((r) => {
        timer = setTimeout(r, 1000)
      }),
    ])
    clearTimeout(timer)
  }

  try {
    await app.listen({ host: options.host, port: options.port, listenTextResolver: () => '' })
  } catch (error) {
    await app.close().catch(() => {})
    await closePool()
    throw listenFailed(error, options.host, options.port)
  }

  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : options.port
  const url = httpUrl(options.host, port)
  logger.info(`listening on ${url}`, {
    version: options.version,
    web: serveStatic ? webPath : 'none',
    database: database ?? 'none',
  })
  // The first probe says at once whether the database answers (one log line); later ones follow requests.
  void health.refresh()

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      logger.info('shutting down', { grace_ms: grace })
      health.close()
      // Node's server.close() ends the connections idle at that moment; a keep-alive connection whose
      // request finishes later is idle too and must not hold the close until its keep-alive timeout.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 50)
      const force = setTimeout(() => {
        logger.warn('requests still running after the grace period: closing their connections', {
          grace_ms: grace,
        })
        app.server.closeAllConnections()
      }, grace)
      try {
        await app.close()
      } finally {
        clearInterval(sweep)
        clearTimeout(force)
        await closePool()
      }
      logger.info('stopped')
    })()
    return closing
  }

  return { url, host: options.host, port, close }
}

function listenFailed(error: unknown, host: string, port: number): SystempromptError {
  const errno = (error as { code?: unknown }).code
  const reason = typeof errno === 'string' ? errno : 'error'
  const where = `${host}:${port}`
  const details = { host, port, reason }
  if (errno === 'EADDRINUSE')
    return new SystempromptError({
      code: ErrorCode.PORT_IN_USE,
      category: 'conflict',
      message: `Cannot listen on ${where}: the port is in use (EADDRINUSE)`,
      fix: `Stop what listens on port ${port} (\`ss -ltnp 'sport = :${port}'\` names it) or set PORT to a free port`,
      details,
      cause: error,
    })
  const why: Record<string, string> = {
    EADDRNOTAVAIL: 'no network interface of this machine has that address',
    EACCES: 'no permission to bind that port (ports below 1024 need privileges)',
    ENOTFOUND: 'the host name does not resolve',
    EAI_AGAIN: 'the host name does not resolve',
  }
  return new SystempromptError({
    code: ErrorCode.LISTEN_FAILED,
    category: 'user',
    message: `Cannot listen on ${where}: ${why[reason] ?? (error instanceof Error ? error.message : String(error))} (${reason})`,
    fix:
      reason === 'EACCES'
        ? 'Set PORT to 1024 or above (8080 is the default)'
        : 'Set HOST to an address of this machine: 127.0.0.1 (local only) or 0.0.0.0 (every interface)',
    details,
    cause: error,
  })
}

const object = (properties: Record<string, unknown>) => ({ type: 'object', properties })
const text = { type: 'string' }
/** The health body's JSON schema: fastify serialises it with a compiled serialiser (cheaper than JSON.stringify). */
const HEALTH_SCHEMA = object({
  status: text,
  timestamp: text,
  version: text,
  checks: object({
    database: object({ status: text, latency_ms: { type: ['number', 'null'] } }),
    mcp: object({ status: text, count: { type: 'integer' }, running: { type: 'integer' } }),
    static_content: object({ status: text, index_html: { type: 'boolean' } }),
  }),
  memory: object({ rss_mb: { type: 'number' } }),
  response_time_ms: { type: 'number' },
})
