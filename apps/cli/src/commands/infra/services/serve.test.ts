// `infra services serve` as a process, without a database: bad HOST / PORT / RUST_LOG, log formats, signals.
// The database cases (follows it both ways, SIGTERM during a slow request) are in serve.integration.test.ts.
import { type ChildProcess, spawn } from 'node:child_process'
import { get } from 'node:http'
import { createServer } from 'node:net'
import { CLI_BIN, childEnv, freePort, runCli, tempDir } from '@systemprompt/testkit'
import { afterAll, describe, expect, it } from 'vitest'

const cwd = tempDir('sp-serve-')
afterAll(() => cwd.remove())

// No DATABASE_URL from the test's own environment; HOST is set so the default (0.0.0.0 in a container) is not used.
const base = {
  DATABASE_URL: undefined,
  DATABASE_URL_FILE: undefined,
  SYSTEMPROMPT_PROFILE: undefined,
  HOST: '127.0.0.1',
}

interface Serving {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>
}

function serve(env: Record<string, string | undefined>, args: string[] = []): Serving {
  const child = spawn(process.execPath, [CLI_BIN, 'infra', 'services', 'serve', ...args], {
    cwd: cwd.path,
    env: childEnv({ ...base, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout?.on('data', (d) => {
    out += d
  })
  child.stderr?.on('data', (d) => {
    err += d
  })
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      while (!pattern.test(out)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`no ${pattern} in the output:\n${out}\n${err}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
  }
}

function status(url: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      let body = ''
      response.on('data', (d) => {
        body += d
      })
      response.on('end', () => resolve({ code: response.statusCode ?? 0, body }))
    }).on('error', reject)
  })
}

describe('infra services serve: bad input, each a clear error and exit code', () => {
  it('PORT out of range: ENV_INVALID naming PORT (exit 3)', () => {
    const result = runCli(['infra', 'services', 'serve', '--json'], {
      cwd: cwd.path,
      env: { ...base, PORT: '70000' },
    })
    expect(result.status).toBe(3)
    expect(result.json).toMatchObject({ status: 3, error: { code: 'ENV_INVALID', keyPath: ['PORT'] } })
  })

  it('a HOST no interface has: LISTEN_FAILED naming host:port and EADDRNOTAVAIL (exit 3)', async () => {
    const port = await freePort()
    const result = runCli(['infra', 'services', 'serve'], {
      cwd: cwd.path,
      env: { ...base, HOST: '203.0.113.7', PORT: String(port) },
    })
    expect(result.status).toBe(3)
    expect(result.stderr).toContain(`Error [LISTEN_FAILED]: Cannot listen on 203.0.113.7:${port}`)
    expect(result.stderr).toContain('EADDRNOTAVAIL')
    expect(result.stderr).toContain('Fix: Set HOST')
  })

  it('a port in use: PORT_IN_USE naming it (exit 6)', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as { port: number }).port
    try {
      const result = runCli(['infra', 'services', 'serve'], {
        cwd: cwd.path,
        env: { ...base, PORT: String(port) },
      })
      expect(result.status).toBe(6)
      expect(result.stderr).toContain(
        `Error [PORT_IN_USE]: Cannot listen on 127.0.0.1:${port}: the port is in use`,
      )
    } finally {
      blocker.close()
    }
  })
})

describe('infra services serve: runs, logs, stops', () => {
  it('no database and an unknown RUST_LOG: starts anyway (503 unconfigured), warns, JSON lines on stdout; SIGINT exits 0', async () => {
    const port = await freePort()
    const server = serve({ PORT: String(port), RUST_LOG: 'loud', SYSTEMPROMPT_LOG_FORMAT: 'json' }, [
      '--foreground',
    ])
    await server.waitFor(/listening on/)
    const answer = await status(`http://127.0.0.1:${port}/api/v1/health`)
    expect(answer.code).toBe(503)
    expect(JSON.parse(answer.body).checks.database.status).toBe('unconfigured')
    server.child.kill('SIGINT')
    expect(await server.exited).toBe(0)
    const events = server
      .stdout()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'WARN', code: 'LOG_LEVEL_UNKNOWN' }),
        expect.objectContaining({ level: 'WARN', code: 'DATABASE_URL_MISSING' }),
        expect.objectContaining({ level: 'INFO', message: `listening on http://127.0.0.1:${port}` }),
        expect.objectContaining({ message: 'received SIGINT' }),
        expect.objectContaining({ message: 'stopped' }),
      ]),
    )
    // Unknown level: info is used, so no debug lines.
    expect(events.some((e) => e.level === 'DEBUG')).toBe(false)
    expect(server.stderr()).toBe('')
  })

  it('RUST_LOG=debug: text lines with one line per request; SIGTERM exits 0', async () => {
    const port = await freePort()
    const server = serve({ PORT: String(port), RUST_LOG: 'debug' })
    await server.waitFor(/listening on/)
    await status(`http://127.0.0.1:${port}/health`)
    await server.waitFor(/DEBUG +api: request method=GET url=\/health status=503/)
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(server.stdout()).toMatch(/INFO +api: listening on http:\/\/127\.0\.0\.1:\d+ version=\d/)
    expect(server.stdout()).toMatch(/INFO +systemprompt: received SIGTERM\n/)
  })
})
