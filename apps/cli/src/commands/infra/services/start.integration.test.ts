/**
 * `infra services start --all` and the hidden `run-mcp` through the real binary, with the two example MCP
 * servers built by `build mcp` in a temp project. The API server listens on a freePort() of 127.0.0.1; its
 * DATABASE_URL points at a closed port (the health body's database part is serve's test). Checked: both
 * children answer on their ports and the health body counts them; one killed with SIGKILL is restarted and
 * its exit is logged with the signal; SIGTERM stops everything within 2 s with exit 0 and no process of the
 * artifacts is left; a SIGKILLed supervisor's children stop by themselves; a source without an artifact is
 * MCP_NOT_BUILT, a changed source a warning; `run-mcp` runs an artifact under plain node. No Docker objects.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { CLI_BIN, childEnv, freePort, runCli, type TempDir, tempProject } from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeExampleServers } from '../../../test-support/mcp-servers.js'

const dirs: TempDir[] = []
const started: ChildProcess[] = []
let root: string
let artifacts: string
let ports: { alpha: number; beta: number }
let env: Record<string, string>

beforeAll(async () => {
  const project = tempProject({ prefix: 'sp-start-all-' })
  dirs.push(project)
  root = project.path
  artifacts = join(root, 'target', 'release', 'mcp')
  ports = { alpha: await freePort(), beta: await freePort() }
  writeExampleServers(root, ports)
  env = {
    HOST: '127.0.0.1',
    DATABASE_URL: `postgres://app:secret@127.0.0.1:${await freePort()}/app`,
    RUST_LOG: 'info',
    SYSTEMPROMPT_LOG_FORMAT: 'json',
  }
  const build = runCli(['build', 'mcp'], { cwd: root })
  expect(build.status, build.stderr).toBe(0)
})
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  for (const pid of artifactProcesses().map((p) => p.pid)) killQuietly(pid)
  for (const dir of dirs) dir.remove()
})

interface LogEvent {
  level: string
  target: string
  message: string
  [field: string]: unknown
}

interface Running {
  child: ChildProcess
  events: LogEvent[]
  output: () => string
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function start(args: string[], apiPort: number): Running {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: root,
    env: childEnv({ ...env, PORT: String(apiPort) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  started.push(child)
  const events: LogEvent[] = []
  let text = ''
  let partial = ''
  child.stdout.on('data', (chunk) => {
    text += chunk
    partial += chunk
    const lines = partial.split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) if (line.startsWith('{')) events.push(JSON.parse(line))
  })
  child.stderr.on('data', (chunk) => {
    text += chunk
  })
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  )
  return { child, events, output: () => text, closed }
}

async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function get(port: number, path = '/'): Promise<{ status: number; text: string } | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) })
    return { status: response.status, text: await response.text() }
  } catch {
    return undefined
  }
}

/** Processes whose command line names one of this project's artifacts (`ps -eo pid,ppid,args`). */
function artifactProcesses(): { pid: number; ppid: number; args: string }[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
  return out
    .split('\n')
    .map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null && m[3]?.includes(artifacts) === true)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] ?? '' }))
}

function pidOf(name: string, parent: number): number | undefined {
  return artifactProcesses().find(
    (p) => p.ppid === parent && p.args.includes(join(artifacts, name, 'server.cjs')),
  )?.pid
}

function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal)
  } catch {
    // gone
  }
}

describe('infra services start --all', () => {
  it('runs both MCP servers supervised, restarts a SIGKILLed one, counts them in health, stops on SIGTERM', async () => {
    const api = await freePort()
    const run = start(['infra', 'services', 'start', '--all'], api)
    const supervisor = run.child.pid as number
    expect(await until('alpha', () => get(ports.alpha))).toEqual({
      status: 200,
      text: 'alpha says hello from a local module',
    })
    expect(await until('beta', () => get(ports.beta))).toEqual({
      status: 200,
      text: 'beta says hello from a dependency',
    })
    const health = await until('the health body', () => get(api, '/api/v1/health'))
    expect(JSON.parse(health.text).checks.mcp).toEqual({ status: 'ok', count: 2, running: 2 })
    // the children's own lines, re-logged under mcp:<name>
    await until(
      'both listening lines',
      () =>
        run.events.some(
          (e) => e.target === 'mcp:alpha' && e.message === `alpha listening on ${ports.alpha}`,
        ) &&
        run.events.some(
          (e) =>
            e.target === 'mcp:beta' &&
            e.message === `beta listening on ${ports.beta}` &&
            e.stream === 'stderr',
        ),
    )

    const alpha = pidOf('alpha', supervisor)
    expect(alpha).toBeDefined()
    process.kill(alpha as number, 'SIGKILL')
    const exit = await until('the exit line', () =>
      run.events.find((e) => e.target === 'mcp:alpha' && e.message === 'exited'),
    )
    expect(exit).toMatchObject({ level: 'WARN', signal: 'SIGKILL', code: null, pid: alpha })
    const again = await until('a new alpha', () => {
      const pid = pidOf('alpha', supervisor)
      return pid !== undefined && pid !== alpha ? pid : undefined
    })
    expect(await until('alpha answers again', () => get(ports.alpha))).toMatchObject({ status: 200 })
    const after = await until('health with both running', async () => {
      const body = await get(api, '/api/v1/health')
      const mcp = body && JSON.parse(body.text).checks.mcp
      return mcp?.running === 2 ? mcp : undefined
    })
    expect(after).toEqual({ status: 'ok', count: 2, running: 2 })
    expect(run.events).toContainEqual(
      expect.objectContaining({ target: 'mcp:alpha', message: 'started', pid: again }),
    )

    const stopAt = Date.now()
    run.child.kill('SIGTERM')
    const closed = await run.closed
    expect(Date.now() - stopAt).toBeLessThan(2000)
    expect(closed, run.output()).toEqual({ code: 0, signal: null })
    expect(artifactProcesses()).toEqual([])
    expect(run.events).toContainEqual(
      expect.objectContaining({ target: 'mcp:beta', message: 'exited', signal: 'SIGTERM' }),
    )
    expect(run.events).toContainEqual(
      expect.objectContaining({ target: 'mcp:alpha', message: 'exited', code: 0 }),
    )
  })

  it('a changed source is a warning; the children of a SIGKILLed supervisor stop by themselves', async () => {
    const helper = join(root, 'services', 'mcp', 'alpha', 'src', 'helper.ts')
    writeFileSync(helper, `export const greeting = (): string => 'hello, edited'\n`)
    const run = start(['infra', 'services', 'start', '--all'], await freePort())
    const supervisor = run.child.pid as number
    await until('both children', () => pidOf('alpha', supervisor) && pidOf('beta', supervisor))
    expect(run.events).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        code: 'MCP_ARTIFACT_STALE',
        message: 'MCP server "alpha": its sources changed since it was built; run `systemprompt build mcp`',
      }),
    )
    // the old build still runs
    expect(await until('alpha', () => get(ports.alpha))).toMatchObject({
      text: 'alpha says hello from a local module',
    })
    run.child.kill('SIGKILL')
    await run.closed
    await until('no orphans', () => artifactProcesses().length === 0, 5000)
    expect(runCli(['build', 'mcp'], { cwd: root }).status).toBe(0)
  })

  it('a server under services/mcp without an artifact is MCP_NOT_BUILT; start without --all is a usage error', async () => {
    const gamma = join(root, 'services', 'mcp', 'gamma')
    mkdirSync(gamma, { recursive: true })
    writeFileSync(join(gamma, 'package.json'), JSON.stringify({ main: 'main.js' }))
    writeFileSync(join(gamma, 'main.js'), 'setInterval(() => {}, 1000)\n')
    const missing = runCli(['infra', 'services', 'start', '--all', '--json'], {
      cwd: root,
      env: { ...env, PORT: String(await freePort()) },
    })
    rmSync(gamma, { recursive: true })
    expect(missing.status).toBe(3)
    expect(missing.json?.error).toMatchObject({
      code: 'MCP_NOT_BUILT',
      message: `MCP server "gamma" under ${join(root, 'services', 'mcp')} has no artifact in ${artifacts}`,
      fix: expect.stringContaining('systemprompt build mcp'),
    })
    expect(artifactProcesses()).toEqual([])

    const usage = runCli(['infra', 'services', 'start'], { cwd: root, env })
    expect(usage.status).toBe(2)
    expect(usage.stderr).toContain(
      'Error [USAGE]: `infra services start` runs the API server and every MCP server: it needs --all',
    )
    expect(usage.stderr).toContain('infra services serve')
  })
})

describe('infra services run-mcp (hidden)', () => {
  it('runs one artifact under plain node until it stops; a missing one is MCP_NOT_BUILT', async () => {
    const artifact = join(artifacts, 'alpha', 'server.cjs')
    const child = spawn(process.execPath, [CLI_BIN, 'infra', 'services', 'run-mcp', artifact], {
      cwd: dirname(root),
      env: childEnv({ PORT: String(ports.alpha), MCP_SERVER_NAME: 'by-hand' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    started.push(child)
    let stdout = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    expect(await until('the server', () => get(ports.alpha))).toEqual({
      status: 200,
      text: 'by-hand says hello, edited',
    })
    // still running a moment later: the command returned, the server keeps the process alive
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(child.exitCode).toBeNull()
    child.kill('SIGTERM')
    expect(await closed).toBe(0)
    expect(stdout).toBe(`alpha listening on ${ports.alpha}\n`)

    const missing = runCli(['infra', 'services', 'run-mcp', join(artifacts, 'nope', 'server.cjs')], {
      cwd: root,
    })
    expect(missing.status).toBe(3)
    expect(missing.stderr).toContain('Error [MCP_NOT_BUILT]')
    expect(runCli(['infra', 'services', '--help'], { cwd: root }).stdout).not.toContain('run-mcp')
  })
})
