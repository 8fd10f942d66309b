// `infra services health` against small real HTTP servers on 127.0.0.1 (the full server is in
// serve.integration.test.ts): exit 0 for 200 healthy or degraded, 1 for everything else.
import { createServer, type Server } from 'node:http'
import { freePort, spawnCli, tempDir } from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const cwd = tempDir('sp-health-')
const servers: Server[] = []
const requests: string[] = []

function body(status: string, database = 'ok') {
  return {
    status,
    timestamp: new Date().toISOString(),
    version: '1.0.0',
    checks: {
      database: { status: database, latency_ms: 1.5 },
      mcp: { status: 'none', count: 0, running: 0 },
      static_content: { status: 'ok', index_html: true },
    },
    memory: { rss_mb: 50 },
    response_time_ms: 0.2,
  }
}

/** A server that answers every GET with `code` and `payload` (undefined: never answers). */
async function fixture(code: number, payload: unknown): Promise<number> {
  const server = createServer((request, response) => {
    requests.push(`${request.headers.host}${request.url}`)
    if (payload === undefined) return
    response.writeHead(code, { 'content-type': 'application/json' })
    response.end(typeof payload === 'string' ? payload : JSON.stringify(payload))
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as { port: number }).port
}

let healthy: number
let degraded: number
let unhealthy: number
let silent: number
let notHealth: number

beforeAll(async () => {
  healthy = await fixture(200, body('healthy'))
  degraded = await fixture(200, body('degraded'))
  unhealthy = await fixture(503, body('unhealthy', 'timeout'))
  silent = await fixture(200, undefined)
  notHealth = await fixture(200, '<html>a web page</html>')
})

afterAll(() => {
  for (const server of servers) server.closeAllConnections()
  for (const server of servers) server.close()
  cwd.remove()
})

const env = (port: number, host = '127.0.0.1') => ({ HOST: host, PORT: String(port) })

describe('infra services health', () => {
  it('200 healthy: exit 0, one line; --json gives the body', async () => {
    const [human, json] = await Promise.all([
      spawnCli(['infra', 'services', 'health'], { cwd: cwd.path, env: env(healthy) }),
      spawnCli(['infra', 'services', 'health', '--json'], { cwd: cwd.path, env: env(healthy) }),
    ])
    expect(human.status).toBe(0)
    expect(human.stdout).toMatch(
      new RegExp(`^healthy \\(HTTP 200\\) http://127\\.0\\.0\\.1:${healthy}/api/v1/health: database ok`),
    )
    expect(human.stderr).toBe('')
    expect(json.status).toBe(0)
    expect(json.json).toMatchObject({
      status: 0,
      result: {
        http_status: 200,
        url: `http://127.0.0.1:${healthy}/api/v1/health`,
        body: { status: 'healthy' },
      },
    })
  })

  it('200 degraded still passes (exit 0)', async () => {
    // spawnCli, not runCli: the fixture servers live in this process, whose event loop must keep running.
    const result = await spawnCli(['infra', 'services', 'health'], { cwd: cwd.path, env: env(degraded) })
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/^degraded \(HTTP 200\)/)
  })

  it('503 unhealthy: exit 1, HEALTH_CHECK_FAILED with the status and the failing check (the envelope says 1 too)', async () => {
    const [human, json] = await Promise.all([
      spawnCli(['infra', 'services', 'health'], { cwd: cwd.path, env: env(unhealthy) }),
      spawnCli(['infra', 'services', 'health', '--json'], { cwd: cwd.path, env: env(unhealthy) }),
    ])
    expect(human.status).toBe(1)
    expect(human.stderr).toContain('HEALTH_CHECK_FAILED')
    expect(human.stderr).toContain('HTTP 503, status unhealthy; database timeout')
    expect(json.status).toBe(1)
    expect(json.json).toMatchObject({
      status: 1,
      error: { code: 'HEALTH_CHECK_FAILED', details: { http_status: 503, body: { status: 'unhealthy' } } },
    })
  })

  it('nothing listening, no answer within --timeout, or no health body: exit 1 each', async () => {
    const closed = await freePort()
    const started = Date.now()
    const [refused, timeout, page] = await Promise.all([
      spawnCli(['infra', 'services', 'health'], { cwd: cwd.path, env: env(closed) }),
      spawnCli(['infra', 'services', 'health', '--timeout', '1'], { cwd: cwd.path, env: env(silent) }),
      spawnCli(['infra', 'services', 'health', '--url', `http://127.0.0.1:${notHealth}/`], {
        cwd: cwd.path,
        env: {},
      }),
    ])
    expect(refused.status).toBe(1)
    expect(refused.stderr).toContain(`http://127.0.0.1:${closed}/api/v1/health failed: nothing listens there`)
    expect(timeout.status).toBe(1)
    expect(timeout.stderr).toContain('no answer within 1 s')
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(page.status).toBe(1)
    expect(page.stderr).toContain('HTTP 200 without a health body')
  })

  it('HOST 0.0.0.0 or :: is probed on 127.0.0.1; --url without a path gets /api/v1/health; a non-http --url is refused', async () => {
    const [any4, any6, url, bad] = await Promise.all([
      spawnCli(['infra', 'services', 'health'], { cwd: cwd.path, env: env(healthy, '0.0.0.0') }),
      spawnCli(['infra', 'services', 'health'], { cwd: cwd.path, env: env(healthy, '::') }),
      spawnCli(['infra', 'services', 'health', '--url', `http://127.0.0.1:${healthy}`], { cwd: cwd.path }),
      spawnCli(['infra', 'services', 'health', '--url', 'ftp://127.0.0.1/'], { cwd: cwd.path }),
    ])
    expect(any4.status).toBe(0)
    expect(any6.status).toBe(0)
    expect(url.status).toBe(0)
    expect(requests).toContain(`127.0.0.1:${healthy}/api/v1/health`)
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain('is not an http:// URL')
  })
})
