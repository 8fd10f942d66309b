// The health check's state: one database probe at a time, its result reused for a short while, so the
// answer never waits longer than the probe's bound and throughput does not depend on the database.
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { PgPool } from '@systemprompt/pg'
import type { Logger } from '../log.js'

/** The MCP servers' live counts (the supervisor of `start --all` gives them). */
export interface McpHealth {
  status: 'ok' | 'degraded' | 'none'
  count: number
  running: number
}

type HealthStatus = 'healthy' | 'degraded' | 'unhealthy'

/** The body of `GET /api/v1/health` (SPEC 5). */
export interface HealthBody {
  status: HealthStatus
  timestamp: string
  version: string
  checks: {
    /** `ok`: `SELECT 1` answered; `error`: it failed; `timeout`: no answer within the bound; `unconfigured`: no DATABASE_URL. */
    database: { status: 'ok' | 'error' | 'timeout' | 'unconfigured'; latency_ms: number | null }
    mcp: McpHealth
    /** `ok`: web/ has index.html; `no_index`: web/ exists without one; `missing`: no web/ directory. */
    static_content: { status: 'ok' | 'no_index' | 'missing'; index_html: boolean }
  }
  memory: { rss_mb: number }
  response_time_ms: number
}

type DatabaseCheck = HealthBody['checks']['database']
type Answer = { code: number; body: HealthBody }
type StaticCheck = HealthBody['checks']['static_content']

export interface HealthMonitorOptions {
  /** Undefined: no database configured (unhealthy). */
  pool: PgPool | undefined
  /** `host:port/database`, for log lines (never the URL: it holds the password). */
  database: string | undefined
  webPath: string | undefined
  version: string
  logger: Logger
  mcp: (() => McpHealth) | undefined
  /** Bound on one probe (connect and query), in ms. */
  probeTimeoutMs: number
  /** A probe's result is reused for this long, in ms. */
  cacheMs: number
}

const NO_MCP: McpHealth = { status: 'none', count: 0, running: 0 }

export class HealthMonitor {
  private cached: { at: number; database: DatabaseCheck; web: StaticCheck } | undefined
  private inflight: Promise<{ database: DatabaseCheck; web: StaticCheck }> | undefined
  /** Whether the last probe reached the database (undefined before the first). */
  private up: boolean | undefined
  private closed = false
  private rss: { at: number; mb: number } | undefined

  constructor(private readonly options: HealthMonitorOptions) {}

  /**
   * The body and its HTTP status (503 when unhealthy); `started` is when the request arrived (performance.now()).
   * Synchronous while the last probe is fresh (the common case: no promise per request), else a promise of
   * the next probe's answer, shared by every request waiting for it.
   */
  check(started: number): Answer | Promise<Answer> {
    const cached = this.cached
    if (cached !== undefined && performance.now() - cached.at < this.options.cacheMs)
      return this.answer(started, cached.database, cached.web)
    return this.refresh().then(({ database, web }) => this.answer(started, database, web))
  }

  private answer(started: number, database: DatabaseCheck, web: StaticCheck): Answer {
    const mcp = this.options.mcp?.() ?? NO_MCP
    let status: HealthStatus = 'healthy'
    if (database.status !== 'ok') status = 'unhealthy'
    else if (mcp.status === 'degraded' || web.status !== 'ok') status = 'degraded'
    const body: HealthBody = {
      status,
      timestamp: new Date().toISOString(),
      version: this.options.version,
      checks: {
        database,
        mcp: { status: mcp.status, count: mcp.count, running: mcp.running },
        static_content: web,
      },
      memory: { rss_mb: this.rssMb() },
      response_time_ms: Math.round((performance.now() - started) * 100) / 100,
    }
    return { code: status === 'unhealthy' ? 503 : 200, body }
  }

  /** The resident set size in MB, sampled at most once a second (reading it costs a /proc read). */
  private rssMb(): number {
    const now = performance.now()
    if (this.rss === undefined || now - this.rss.at >= 1000)
      this.rss = { at: now, mb: Math.round(process.memoryUsage.rss() / 104857.6) / 10 }
    return this.rss.mb
  }

  /** Runs a probe now (shared with any running one) and caches it. */
  refresh(): Promise<{ database: DatabaseCheck; web: StaticCheck }> {
    if (!this.inflight) {
      this.inflight = this.probe()
        .then((result) => {
          this.cached = { at: performance.now(), ...result }
          return result
        })
        .finally(() => {
          // Also after a rejection: a probe that threw must not answer every later request with it.
          this.inflight = undefined
        })
    }
    return this.inflight
  }

  /** Stops logging transitions (the server is closing). */
  close(): void {
    this.closed = true
  }

  private async probe(): Promise<{ database: DatabaseCheck; web: StaticCheck }> {
    const web = staticCheck(this.options.webPath)
    const pool = this.options.pool
    if (!pool) return { database: { status: 'unconfigured', latency_ms: null }, web }
    const started = performance.now()
    let timer: NodeJS.Timeout | undefined
    const outcome = await Promise.race([
      pool.query('SELECT 1').then(
        () => 'ok' as const,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      ),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.options.probeTimeoutMs)
      }),
    ])
    clearTimeout(timer)
    const latency = Math.round((performance.now() - started) * 100) / 100
    const status = outcome === 'ok' || outcome === 'timeout' ? outcome : 'error'
    this.options.logger.trace('database probe', { status, latency_ms: latency })
    this.transition(outcome, latency)
    return { database: { status, latency_ms: latency }, web }
  }

  /** One log line when the database comes or goes (and for the first probe). */
  private transition(outcome: 'ok' | 'timeout' | Error, latency: number): void {
    const up = outcome === 'ok'
    const was = this.up
    this.up = up
    if (was === up || this.closed) return
    const { logger, database } = this.options
    if (up) {
      logger.info(was === undefined ? 'database reachable' : 'database reachable again', {
        database,
        latency_ms: latency,
      })
      return
    }
    const reason =
      outcome === 'timeout'
        ? `no answer within ${this.options.probeTimeoutMs} ms`
        : `${(outcome as { code?: string }).code ? `${(outcome as { code?: string }).code}: ` : ''}${outcome.message}`
    logger.warn(was === undefined ? 'database unreachable' : 'database down', { database, reason })
  }
}

function staticCheck(webPath: string | undefined): StaticCheck {
  if (webPath === undefined || !isDirectory(webPath)) return { status: 'missing', index_html: false }
  const index = existsSync(join(webPath, 'index.html'))
  return { status: index ? 'ok' : 'no_index', index_html: index }
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
