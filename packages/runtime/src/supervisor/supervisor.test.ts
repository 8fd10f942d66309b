// The supervisor with real child processes (small node scripts in a temp directory): env, line relay,
// restart with backoff and the cap, stop with SIGTERM then SIGKILL, a command that cannot start.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MCP_SUPERVISOR_PID_ENV } from '@systemprompt/config/core'
import { type TempDir, tempDir } from '@systemprompt/testkit'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../log.js'
import { restartDecision } from './policy.js'
import { type Supervisor, startSupervisor } from './supervisor.js'

interface Event {
  level: string
  target: string
  message: string
  [field: string]: unknown
}

const dir: TempDir = tempDir('sp-supervisor-')
const running: Supervisor[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()))
})
afterAll(() => dir.remove())

function script(name: string, code: string): string {
  const path = join(dir.path, `${name}.cjs`)
  writeFileSync(path, code)
  return path
}

/** Keeps running and prints its settings once (a stand-in MCP server). */
const steady = script(
  'steady',
  `console.log('name=' + process.env.MCP_SERVER_NAME + ' port=' + process.env.PORT + ' parent=' + process.env.${MCP_SUPERVISOR_PID_ENV} + ' extra=' + process.env.EXTRA)
console.error('to stderr\\r\\nsecond line')
setInterval(() => {}, 1000)`,
)

function start(
  servers: { name: string; artifact: string; port: number }[],
  extra: Partial<Parameters<typeof startSupervisor>[0]> = {},
): { supervisor: Supervisor; events: Event[] } {
  const events: Event[] = []
  const logger = createLogger({
    level: 'debug',
    format: 'json',
    write: (line) => events.push(JSON.parse(line)),
  })
  const supervisor = startSupervisor({
    servers,
    runner: (artifact) => ({ command: process.execPath, args: [artifact] }),
    env: { PATH: process.env.PATH ?? '', EXTRA: 'kept' },
    logger,
    ...extra,
  })
  running.push(supervisor)
  return { supervisor, events }
}

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('restartDecision', () => {
  const policy = { initialMs: 500, maxMs: 30_000, maxRestarts: 5, windowMs: 60_000 }
  it('doubles from 0.5 s per restart in the window, caps at 30 s, gives up after the cap', () => {
    const now = 1_000_000
    expect(restartDecision([], now, policy)).toEqual({ giveUp: false, delayMs: 500 })
    expect(restartDecision([now - 1000], now, policy)).toEqual({ giveUp: false, delayMs: 1000 })
    expect(restartDecision([now - 3, now - 2, now - 1], now, policy)).toEqual({
      giveUp: false,
      delayMs: 4000,
    })
    expect(
      restartDecision(
        [1, 2, 3, 4, 5].map((n) => now - n),
        now,
        policy,
      ),
    ).toEqual({ giveUp: true })
    expect(
      restartDecision(
        [1, 2, 3, 4].map((n) => now - n),
        now,
        { ...policy, maxMs: 3000 },
      ),
    ).toEqual({
      giveUp: false,
      delayMs: 3000,
    })
    // restarts older than the window do not count
    expect(
      restartDecision(
        [1, 2, 3, 4, 5].map((n) => now - 60_000 - n),
        now,
        policy,
      ),
    ).toEqual({
      giveUp: false,
      delayMs: 500,
    })
  })
})

describe('startSupervisor', () => {
  it('runs each server with MCP_SERVER_NAME, PORT and the supervisor pid, and re-logs its lines one by one', async () => {
    const { supervisor, events } = start([
      { name: 'alpha', artifact: steady, port: 5101 },
      { name: 'beta', artifact: steady, port: 5102 },
    ])
    await until('both first lines', () => events.filter((e) => e.message.startsWith('name=')).length === 2)
    expect(events).toContainEqual(
      expect.objectContaining({
        target: 'mcp:alpha',
        level: 'INFO',
        message: `name=alpha port=5101 parent=${process.pid} extra=kept`,
      }),
    )
    expect(events).toContainEqual(
      expect.objectContaining({
        target: 'mcp:beta',
        message: `name=beta port=5102 parent=${process.pid} extra=kept`,
      }),
    )
    await until('stderr lines', () => events.filter((e) => e.stream === 'stderr').length === 4)
    expect(
      events.filter((e) => e.target === 'mcp:alpha' && e.stream === 'stderr').map((e) => e.message),
    ).toEqual(['to stderr', 'second line'])
    expect(supervisor.health()).toEqual({ status: 'ok', count: 2, running: 2 })
    expect(supervisor.children().map((c) => [c.name, c.state, typeof c.pid])).toEqual([
      ['alpha', 'running', 'number'],
      ['beta', 'running', 'number'],
    ])
  })

  it('restarts a killed child after the backoff and logs its signal; health is degraded meanwhile', async () => {
    const { supervisor, events } = start([{ name: 'alpha', artifact: steady, port: 5103 }], {
      policy: { initialMs: 400 },
    })
    const first = await until('a pid', () => supervisor.children()[0]?.pid)
    await until('started', () => events.some((e) => e.message === 'started'))
    process.kill(first, 'SIGKILL')
    const exit = await until('the exit', () => events.find((e) => e.message === 'exited'))
    expect(exit).toMatchObject({
      level: 'WARN',
      target: 'mcp:alpha',
      signal: 'SIGKILL',
      code: null,
      pid: first,
    })
    expect(events).toContainEqual(expect.objectContaining({ message: 'restarting', in_ms: 400 }))
    expect(supervisor.health()).toEqual({ status: 'degraded', count: 1, running: 0 })
    expect(supervisor.children()[0]?.state).toBe('restarting')
    const second = await until('a new pid', () => {
      const pid = supervisor.children()[0]?.pid
      return pid !== undefined && pid !== first ? pid : undefined
    })
    expect(alive(second)).toBe(true)
    expect(supervisor.health()).toEqual({ status: 'ok', count: 1, running: 1 })
    expect(supervisor.children()[0]).toMatchObject({ state: 'running', restarts: 1 })
  })

  it('gives up on a child that keeps failing (the cap) and says so; the others keep running', async () => {
    const crash = script('crash', `console.error('boom'); process.exit(3)`)
    const { supervisor, events } = start(
      [
        { name: 'bad', artifact: crash, port: 5104 },
        { name: 'good', artifact: steady, port: 5105 },
      ],
      { policy: { initialMs: 20, maxRestarts: 3, windowMs: 60_000 } },
    )
    const gaveUp = await until('giving up', () => events.find((e) => e.message.startsWith('gave up')))
    expect(gaveUp).toMatchObject({ level: 'ERROR', target: 'mcp:bad', restarts: 3 })
    expect(gaveUp.message).toContain('3 restarts within 60 s')
    const exits = events.filter((e) => e.target === 'mcp:bad' && e.message === 'exited')
    expect(exits).toHaveLength(4)
    for (const exit of exits) expect(exit).toMatchObject({ code: 3, signal: null })
    // delays double: 20, 40, 80
    expect(events.filter((e) => e.message === 'restarting').map((e) => e.in_ms)).toEqual([20, 40, 80])
    expect(supervisor.children().map((c) => [c.name, c.state])).toEqual([
      ['bad', 'failed'],
      ['good', 'running'],
    ])
    expect(supervisor.health()).toEqual({ status: 'degraded', count: 2, running: 1 })
  })

  it('stop: SIGTERM to all, SIGKILL for one that ignores it after the grace; no restart afterwards', async () => {
    const stubborn = script(
      'stubborn',
      `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up'); setInterval(() => {}, 1000)`,
    )
    const { supervisor, events } = start(
      [
        { name: 'polite', artifact: steady, port: 5106 },
        { name: 'stubborn', artifact: stubborn, port: 5107 },
      ],
      { stopGraceMs: 500 },
    )
    await until('stubborn is up', () => events.some((e) => e.target === 'mcp:stubborn' && e.message === 'up'))
    const pids = supervisor.children().map((c) => c.pid as number)
    const started = Date.now()
    const final = await supervisor.stop()
    expect(Date.now() - started).toBeLessThan(2500)
    expect(final.map((c) => [c.name, c.state, c.lastExit?.signal])).toEqual([
      ['polite', 'stopped', 'SIGTERM'],
      ['stubborn', 'stopped', 'SIGKILL'],
    ])
    expect(events).toContainEqual(
      expect.objectContaining({ target: 'mcp:stubborn', message: 'ignoring SIGTERM' }),
    )
    expect(events).toContainEqual(
      expect.objectContaining({ target: 'mcp:stubborn', message: 'did not stop in time: SIGKILL' }),
    )
    for (const pid of pids) expect(alive(pid)).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 700))
    expect(supervisor.children().every((c) => c.pid === undefined)).toBe(true)
    expect(events.some((e) => e.message === 'restarting')).toBe(false)
    expect(supervisor.health()).toEqual({ status: 'degraded', count: 2, running: 0 })
    expect(await supervisor.stop()).toEqual(final)
  })

  it('a command that cannot start is logged with the reason and retried, without crashing', async () => {
    const { supervisor, events } = start([{ name: 'ghost', artifact: '/nope', port: 5108 }], {
      runner: () => ({ command: join(dir.path, 'no-such-binary'), args: [] }),
      policy: { initialMs: 10, maxRestarts: 1 },
    })
    await until('giving up', () => events.some((e) => e.message.startsWith('gave up')))
    const exit = events.find((e) => e.message === 'exited')
    expect(exit).toMatchObject({ target: 'mcp:ghost', code: null, signal: null })
    expect(String(exit?.reason)).toContain('ENOENT')
    expect(supervisor.health()).toEqual({ status: 'degraded', count: 1, running: 0 })
  })

  it('the children die with the supervisor when it exits through an uncaught error', async () => {
    const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url))
    const parent = script(
      'parent',
      `import(${JSON.stringify(dist)}).then(({ createLogger, startSupervisor }) => {
  const logger = createLogger({ level: 'info', format: 'text', write: (line) => process.stderr.write(line) })
  const supervisor = startSupervisor({
    servers: [{ name: 'alpha', artifact: ${JSON.stringify(steady)}, port: 5109 }],
    runner: (artifact) => ({ command: process.execPath, args: [artifact] }),
    env: {},
    logger,
  })
  setTimeout(() => {
    console.log(supervisor.children()[0].pid)
    setTimeout(() => { throw new Error('unexpected') }, 50)
  }, 300)
})`,
    )
    const run = spawnSync(process.execPath, [parent], { encoding: 'utf8', timeout: 20_000 })
    expect(run.status).toBe(1)
    expect(run.stderr).toContain('Error: unexpected')
    const pid = Number(run.stdout.trim())
    expect(pid).toBeGreaterThan(0)
    await until('the child is gone', () => !alive(pid), 3000)
  })

  it('no servers: health none', async () => {
    const { supervisor } = start([])
    expect(supervisor.health()).toEqual({ status: 'none', count: 0, running: 0 })
    expect(await supervisor.stop()).toEqual([])
  })
})
