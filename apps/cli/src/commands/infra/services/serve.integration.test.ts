// `infra services serve` and `health` as processes against a real PostgreSQL: the health check follows the
// database both ways with no restart, and SIGTERM during a slow request lets it finish, then exits 0.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { get } from 'node:http'
import { join } from 'node:path'
import {
  CLI_BIN,
  childEnv,
  docker,
  freePort,
  newRunId,
  removeRun,
  spawnCli,
  startTestPostgres,
  type TestPostgres,
  tempDir,
  waitForPostgres,
} from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = newRunId()
const container = `sp-test-serve-${run}`
const cwd = tempDir('sp-serve-int-')
let target: TestPostgres
let env: Record<string, string | undefined>

beforeAll(async () => {
  // The helper publishes a fixed host port: it stays the same across docker stop / start.
  target = await startTestPostgres(run, { name: container, user: 'app', database: 'app' })
  const web = join(cwd.path, 'web')
  mkdirSync(web, { recursive: true })
  writeFileSync(join(web, 'index.html'), '<h1>app</h1>\n')
  env = {
    HOST: '127.0.0.1',
    DATABASE_URL: target.url(),
    DATABASE_URL_FILE: undefined,
    SYSTEMPROMPT_PROFILE: undefined,
    SYSTEMPROMPT_WEB_PATH: web,
    RUST_LOG: 'info',
  }
}, 120_000)

afterAll(() => {
  removeRun(run)
  cwd.remove()
})

interface Serving {
  child: ChildProcess
  stdout: () => string
  exited: Promise<{ code: number | null; at: number }>
}

async function serve(port: number): Promise<Serving> {
  const child = spawn(process.execPath, [CLI_BIN, 'infra', 'services', 'serve', '--foreground'], {
    cwd: cwd.path,
    env: childEnv({ ...env, PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (d) => {
    out += d
  })
  child.stderr?.on('data', (d) => {
    out += d
  })
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.on('close', (code) => resolve({ code, at: performance.now() })),
  )
  const deadline = Date.now() + 20_000
  while (!out.includes('listening on')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serve did not start:\n${out}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { child, stdout: () => out, exited }
}

interface Answer {
  code: number
  // biome-ignore lint/suspicious/noExplicitAny: checked field by field.
  body: any
  ms: number
  at: number
}

function health(port: number): Promise<Answer> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    get(`http://127.0.0.1:${port}/api/v1/health`, (response) => {
      let text = ''
      response.on('data', (d) => {
        text += d
      })
      response.on('end', () => {
        const at = performance.now()
        resolve({ code: response.statusCode ?? 0, body: JSON.parse(text), ms: at - started, at })
      })
    }).on('error', reject)
  })
}

/** Polls the health check (each answer within 3 s) until it answers `code`; how long that took, in ms. */
async function until(port: number, code: number, timeoutMs: number): Promise<number> {
  const started = performance.now()
  for (;;) {
    const answer = await health(port)
    expect(answer.ms).toBeLessThan(3000)
    if (answer.code === code) return performance.now() - started
    if (performance.now() - started > timeoutMs)
      throw new Error(`still HTTP ${answer.code} after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('infra services serve with a real database', () => {
  it('follows the database both ways with no restart: 200, stopped → 503 (health exits 1), started → 200 (exits 0)', async () => {
    const port = await freePort()
    const server = await serve(port)
    try {
      expect(await until(port, 200, 3000)).toBeLessThan(3000)
      const ok = await spawnCli(['infra', 'services', 'health'], {
        cwd: cwd.path,
        env: { ...env, PORT: String(port) },
      })
      expect(ok.status).toBe(0)
      expect(ok.stdout).toMatch(/^healthy \(HTTP 200\)/)

      docker(['stop', '-t', '5', container])
      expect(await until(port, 503, 3000)).toBeLessThan(3000)
      const down = await spawnCli(['infra', 'services', 'health', '--json'], {
        cwd: cwd.path,
        env: { ...env, PORT: String(port) },
      })
      expect(down.status).toBe(1)
      expect(down.json).toMatchObject({
        status: 1,
        error: { code: 'HEALTH_CHECK_FAILED', details: { http_status: 503, body: { status: 'unhealthy' } } },
      })

      docker(['start', container])
      await waitForPostgres(target, 30_000)
      expect(await until(port, 200, 3000)).toBeLessThan(3000)
      const again = await spawnCli(['infra', 'services', 'health'], {
        cwd: cwd.path,
        env: { ...env, PORT: String(port) },
      })
      expect(again.status).toBe(0)
      expect(server.child.exitCode).toBeNull()
      expect(server.stdout()).toMatch(/database down/)
      expect(server.stdout()).toMatch(/database reachable again/)
      expect(server.stdout()).not.toContain(target.password)
    } finally {
      server.child.kill('SIGTERM')
      expect((await server.exited).code).toBe(0)
    }
  })

  it('SIGTERM during a slow request (database paused): the request completes, then exit 0 within 2 s', async () => {
    const port = await freePort()
    const server = await serve(port)
    expect(await until(port, 200, 3000)).toBeLessThan(3000)
    // Past the probe cache: the next request waits for a fresh probe, which hangs.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    docker(['pause', container])
    try {
      const slow = health(port)
      await new Promise((resolve) => setTimeout(resolve, 300))
      const signalled = performance.now()
      server.child.kill('SIGTERM')
      const answer = await slow
      expect(answer.ms).toBeGreaterThan(1000)
      expect(answer.ms).toBeLessThan(3000)
      expect(answer.code).toBe(503)
      expect(answer.body.checks.database.status).toBe('timeout')
      const exit = await server.exited
      expect(exit.code).toBe(0)
      expect(answer.at).toBeGreaterThan(signalled)
      expect(exit.at - answer.at).toBeLessThan(2000)
      expect(server.stdout()).toMatch(/received SIGTERM[\s\S]*shutting down[\s\S]*stopped/)
    } finally {
      docker(['unpause', container])
    }
  })
})
