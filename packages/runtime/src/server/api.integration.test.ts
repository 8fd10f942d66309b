/**
 * The API server in-process against a real PostgreSQL from the test image: the health body and its statuses,
 * one shared probe, web/'s files, bind errors, the bounded close, and a database that hangs (docker pause).
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { Agent, get as httpGet, type IncomingHttpHeaders } from 'node:http'
import { createServer, connect as netConnect } from 'node:net'
import { join } from 'node:path'
import {
  docker,
  newRunId,
  removeRun,
  startTestPostgres,
  type TestPostgres,
  tempDir,
} from '@systemprompt/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createLogger, type Logger } from '../log.js'
import { type ApiServer, type ApiServerOptions, startApiServer } from './api.js'

const run = newRunId()
const container = `sp-test-api-${run}`
const dir = tempDir('sp-api-')
const web = join(dir.path, 'web')
let target: TestPostgres
let databaseUrl: string

beforeAll(async () => {
  target = await startTestPostgres(run, { name: container, user: 'app', database: 'app' })
  databaseUrl = target.url()
  mkdirSync(join(web, 'assets'), { recursive: true })
  writeFileSync(join(web, 'index.html'), '<!doctype html><h1>home</h1>\n')
  writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)\n')
  writeFileSync(join(web, 'assets', 'style.css'), 'body{}\n')
  writeFileSync(join(web, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>\n')
  writeFileSync(join(web, '.env'), 'SECRET=dotfile\n')
  // Files named like the health routes: the routes win.
  writeFileSync(join(web, 'health'), 'not the health check\n')
  writeFileSync(join(dir.path, 'outside.txt'), 'outside-the-root\n')
}, 120_000)

afterAll(() => {
  removeRun(run)
  dir.remove()
})

const servers: ApiServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

function capture(level: Logger['level'] = 'info', format: 'text' | 'json' = 'text') {
  const lines: string[] = []
  return { lines, logger: createLogger({ level, format, write: (line) => lines.push(line) }) }
}

async function start(options: Partial<ApiServerOptions> = {}): Promise<ApiServer> {
  const server = await startApiServer({
    host: '127.0.0.1',
    port: 0,
    version: '9.9.9',
    logger: capture().logger,
    webPath: web,
    databaseUrl,
    ...options,
  })
  servers.push(server)
  return server
}

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  text: string
  // biome-ignore lint/suspicious/noExplicitAny: bodies are checked field by field.
  json: any
  ms: number
}

function get(url: string, headers: Record<string, string> = {}, agent?: Agent): Promise<Answer> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    httpGet(url, { headers, ...(agent ? { agent } : {}) }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk) => {
        text += chunk
      })
      response.on('end', () => {
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text,
          json,
          ms: performance.now() - started,
        })
      })
    }).on('error', reject)
  })
}

/** A request line sent as is (no client-side normalisation of `..`). */
function rawGet(port: number, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1')
    let data = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk) => {
      data += chunk
    })
    socket.on('error', reject)
    socket.on('end', () => resolve({ status: Number(data.split(' ')[1]), text: data }))
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)
  })
}

describe('the health check', () => {
  it('GET /api/v1/health and /health: 200 healthy with the SPEC body', async () => {
    const server = await start()
    for (const path of ['/api/v1/health', '/health']) {
      const answer = await get(`${server.url}${path}`)
      expect(answer.status).toBe(200)
      expect(answer.headers['content-type']).toMatch(/^application\/json/)
      expect(answer.headers['cache-control']).toBe('no-store')
      const body = answer.json
      expect(body).toMatchObject({
        status: 'healthy',
        version: '9.9.9',
        checks: {
          database: { status: 'ok' },
          mcp: { status: 'none', count: 0 },
          static_content: { status: 'ok', index_html: true },
        },
      })
      expect(Number.isNaN(Date.parse(body.timestamp))).toBe(false)
      expect(typeof body.checks.database.latency_ms).toBe('number')
      expect(body.memory.rss_mb).toBeGreaterThan(10)
      expect(typeof body.response_time_ms).toBe('number')
    }
  })

  it('degraded (200) when an MCP server is down or web/ has no index.html; a missing web/ has no static route', async () => {
    const mcp = await start({ mcp: () => ({ status: 'degraded', count: 2, running: 1 }) })
    const a = await get(`${mcp.url}/api/v1/health`)
    expect(a.status).toBe(200)
    expect(a.json.status).toBe('degraded')
    expect(a.json.checks.mcp).toEqual({ status: 'degraded', count: 2, running: 1 })

    const bare = join(dir.path, 'web-no-index')
    mkdirSync(bare, { recursive: true })
    writeFileSync(join(bare, 'a.txt'), 'a\n')
    const noIndex = await start({ webPath: bare })
    const b = await get(`${noIndex.url}/health`)
    expect(b.status).toBe(200)
    expect(b.json.status).toBe('degraded')
    expect(b.json.checks.static_content).toEqual({ status: 'no_index', index_html: false })
    expect((await get(`${noIndex.url}/a.txt`)).status).toBe(200)

    const missing = await start({ webPath: join(dir.path, 'no-such-dir') })
    const c = await get(`${missing.url}/health`)
    expect(c.json.checks.static_content).toEqual({ status: 'missing', index_html: false })
    expect((await get(`${missing.url}/`)).status).toBe(404)
  })

  it('no database configured: 503 unhealthy, database unconfigured', async () => {
    const server = await start({ databaseUrl: undefined })
    const answer = await get(`${server.url}/api/v1/health`)
    expect(answer.status).toBe(503)
    expect(answer.json.status).toBe('unhealthy')
    expect(answer.json.checks.database).toEqual({ status: 'unconfigured', latency_ms: null })
  })

  it('a refused login: 503 error, logged once with the reason, the password never', async () => {
    const { lines, logger } = capture('debug')
    const wrong = 'wrong-pass-7f3a9c'
    const server = await start({
      logger,
      databaseUrl: `postgres://app:${wrong}@127.0.0.1:${target.port}/app`,
    })
    const answer = await get(`${server.url}/api/v1/health`)
    expect(answer.status).toBe(503)
    expect(answer.json.checks.database.status).toBe('error')
    await get(`${server.url}/api/v1/health`)
    const down = lines.filter((l) => l.includes('database unreachable'))
    expect(down).toHaveLength(1)
    expect(down[0]).toContain('28P01')
    expect(down[0]).toContain(`database=127.0.0.1:${target.port}/app`)
    expect(lines.join('')).not.toContain(wrong)
    expect(lines.join('')).not.toContain(target.password)
  })

  it('concurrent requests share one probe, and its result is reused for at most 1 s', async () => {
    const { lines, logger } = capture('trace')
    const server = await start({ logger })
    const probes = () => lines.filter((l) => l.includes('database probe')).length
    await get(`${server.url}/api/v1/health`)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const before = probes()
    const answers = await Promise.all(Array.from({ length: 50 }, () => get(`${server.url}/api/v1/health`)))
    expect(answers.every((a) => a.status === 200)).toBe(true)
    expect(probes() - before).toBe(1)
    expect(new Set(answers.map((a) => a.json.checks.database.latency_ms)).size).toBe(1)
    await get(`${server.url}/api/v1/health`)
    expect(probes() - before).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    await get(`${server.url}/api/v1/health`)
    expect(probes() - before).toBe(2)
  })

  it('logs one line per event: listening with the URL; request lines only at debug; JSON lines on request', async () => {
    const info = capture('info')
    const a = await start({ logger: info.logger })
    await get(`${a.url}/api/v1/health`)
    await get(`${a.url}/index.html`)
    expect(info.lines[0]).toContain(`listening on ${a.url}`)
    expect(info.lines.some((l) => / request /.test(l))).toBe(false)

    const debug = capture('debug', 'json')
    const b = await start({ logger: debug.logger })
    await get(`${b.url}/index.html`)
    const events = debug.lines.map((l) => JSON.parse(l))
    expect(events[0]).toMatchObject({ level: 'INFO', message: `listening on ${b.url}`, version: '9.9.9' })
    expect(events.some((e) => e.message === 'request' && e.url === '/index.html' && e.status === 200)).toBe(
      true,
    )
    expect(debug.lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true)
  })
})

describe('static files from web/', () => {
  it('MIME types, ETag and Last-Modified with 304, index.html at /, health routes before files', async () => {
    const server = await start()
    const home = await get(`${server.url}/`)
    expect(home.status).toBe(200)
    expect(home.headers['content-type']).toMatch(/^text\/html/)
    expect(home.text).toContain('<h1>home</h1>')
    const types: Record<string, RegExp> = {
      '/assets/app.js': /^(text|application)\/javascript/,
      '/assets/style.css': /^text\/css/,
      '/logo.svg': /^image\/svg\+xml/,
    }
    for (const [path, type] of Object.entries(types))
      expect((await get(`${server.url}${path}`)).headers['content-type']).toMatch(type)

    const first = await get(`${server.url}/assets/style.css`)
    expect(first.headers.etag).toBeTruthy()
    expect(first.headers['last-modified']).toBeTruthy()
    const byTag = await get(`${server.url}/assets/style.css`, { 'if-none-match': String(first.headers.etag) })
    expect(byTag.status).toBe(304)
    expect(byTag.text).toBe('')
    const byDate = await get(`${server.url}/assets/style.css`, {
      'if-modified-since': String(first.headers['last-modified']),
    })
    expect(byDate.status).toBe(304)
    expect((await get(`${server.url}/assets/style.css`, { 'if-none-match': '"other"' })).status).toBe(200)

    const health = await get(`${server.url}/health`)
    expect(health.json.status).toBe('healthy')
  })

  it('refuses .. traversal (also percent-encoded), hides dotfiles, 404 for a missing file', async () => {
    const server = await start()
    for (const path of [
      '/../outside.txt',
      '/%2e%2e/outside.txt',
      '/assets/%2e%2e/%2e%2e/outside.txt',
      '/..%2foutside.txt',
      '/assets/..%5c..%5coutside.txt',
    ]) {
      const answer = await rawGet(server.port, path)
      expect([400, 403, 404], path).toContain(answer.status)
      expect(answer.text, path).not.toContain('outside-the-root')
    }
    const dot = await get(`${server.url}/.env`)
    expect(dot.status).toBe(404)
    expect(dot.text).not.toContain('dotfile')
    expect((await get(`${server.url}/no-such-file.js`)).status).toBe(404)
  })
})

describe('binding HOST:PORT', () => {
  it('a port in use: PORT_IN_USE naming host:port', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as { port: number }).port
    try {
      const error = await start({ port }).catch((e: unknown) => e)
      expect(error).toMatchObject({
        code: 'PORT_IN_USE',
        category: 'conflict',
        details: { reason: 'EADDRINUSE' },
      })
      expect((error as Error).message).toContain(`127.0.0.1:${port}`)
    } finally {
      blocker.close()
    }
  })

  it('an address of no interface here (203.0.113.7): LISTEN_FAILED with EADDRNOTAVAIL', async () => {
    const error = await start({ host: '203.0.113.7', port: 8080 }).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'LISTEN_FAILED',
      category: 'user',
      details: { reason: 'EADDRNOTAVAIL' },
    })
    expect((error as Error).message).toContain('203.0.113.7:8080')
    expect((error as { fix: string }).fix).toContain('HOST')
  })
})

describe('close', () => {
  it('lets an in-flight request finish, does not wait for idle keep-alive connections, then stops', async () => {
    writeFileSync(join(web, 'big.bin'), randomBytes(16 * 1024 * 1024))
    const { lines, logger } = capture()
    const server = await startApiServer({
      host: '127.0.0.1',
      port: 0,
      version: '1',
      logger,
      webPath: web,
      databaseUrl,
    })
    const agent = new Agent({ keepAlive: true })
    await get(`${server.url}/index.html`, {}, agent)
    let finished = 0
    const download = new Promise<number>((resolve, reject) => {
      httpGet(`${server.url}/big.bin`, { agent }, (response) => {
        let size = 0
        response.pause()
        setTimeout(() => response.resume(), 700)
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
        })
        response.on('end', () => {
          finished = performance.now()
          resolve(size)
        })
      }).on('error', reject)
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    const closed = server.close().then(() => performance.now())
    expect(await download).toBe(16 * 1024 * 1024)
    expect((await closed) - finished).toBeLessThan(1000)
    await expect(get(`${server.url}/health`)).rejects.toThrow()
    expect(lines.some((l) => l.includes('shutting down'))).toBe(true)
    expect(lines.at(-1)).toContain('stopped')
    agent.destroy()
  })
})

// Last: it pauses the database container.
describe('a database that hangs', () => {
  it('answers 503 within 3 s while paused, 200 again after unpause, logging both transitions', async () => {
    const { lines, logger } = capture()
    const server = await start({ logger })
    expect((await get(`${server.url}/api/v1/health`)).status).toBe(200)
    docker(['pause', container])
    try {
      const deadline = Date.now() + 6000
      let answer: Answer
      do {
        answer = await get(`${server.url}/api/v1/health`)
        expect(answer.ms).toBeLessThan(3000)
      } while (answer.status !== 503 && Date.now() < deadline)
      expect(answer.status).toBe(503)
      expect(answer.json.checks.database.status).toBe('timeout')
      // Hanging probes do not pile up: every answer stays bounded.
      const burst = await Promise.all(Array.from({ length: 10 }, () => get(`${server.url}/api/v1/health`)))
      expect(burst.every((a) => a.status === 503 && a.ms < 3000)).toBe(true)
    } finally {
      docker(['unpause', container])
    }
    const deadline = Date.now() + 5000
    let answer: Answer
    do {
      answer = await get(`${server.url}/api/v1/health`)
      expect(answer.ms).toBeLessThan(3000)
      if (answer.status !== 200) await new Promise((resolve) => setTimeout(resolve, 200))
    } while (answer.status !== 200 && Date.now() < deadline)
    expect(answer.status).toBe(200)
    expect(lines.filter((l) => l.includes('database down'))).toHaveLength(1)
    expect(lines.filter((l) => l.includes('database reachable again'))).toHaveLength(1)
  })
})
