// The MCP supervisor of `infra services start --all`: one child process per built MCP server, restarted
// with backoff, their output re-logged line by line, all stopped together. node:child_process only.
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { MCP_SUPERVISOR_PID_ENV } from '@systemprompt/config/core'
import type { Logger } from '../log.js'
import type { McpHealth } from '../server/health.js'
import { type RestartPolicy, restartDecision } from './policy.js'

/** One MCP server to run: a built artifact and its port. */
interface SupervisedServer {
  name: string
  /** Absolute path of the artifact (`target/release/mcp/<name>/server.cjs`). */
  artifact: string
  port: number
}

/** How to run an artifact: `node <artifact>` under Node, `<release binary> infra services run-mcp <artifact>` in the image. */
export type McpRunner = (artifact: string) => { command: string; args: string[] }

export interface SupervisorOptions {
  servers: readonly SupervisedServer[]
  runner: McpRunner
  /**
   * The children's environment (the parent's own); each child also gets `MCP_SERVER_NAME=<name>`,
   * `PORT=<its port>` and `SYSTEMPROMPT_MCP_SUPERVISOR_PID=<this pid>` (the artifacts stop when their
   * parent is no longer this process).
   */
  env: Record<string, string>
  /** Lines go to `mcp:<name>` children of this logger. */
  logger: Logger
  /** Restart backoff and cap (defaults: 0.5 s doubling to 30 s; more than 5 restarts within 60 s: give up). */
  policy?: Partial<RestartPolicy>
  /** On stop, children get this long after SIGTERM before SIGKILL (default 5000 ms). */
  stopGraceMs?: number
  /** The children's working directory (default: this process's). */
  cwd?: string
}

type ChildStateName = 'running' | 'restarting' | 'failed' | 'stopped'

/** One child as the supervisor sees it. */
interface ChildState {
  name: string
  port: number
  state: ChildStateName
  pid: number | undefined
  /** How often it was restarted since the supervisor started. */
  restarts: number
  lastExit: { code: number | null; signal: NodeJS.Signals | null; at: string } | undefined
}

export interface Supervisor {
  /** For the health body: `none` without servers, `ok` when all run, else `degraded`. */
  health(): McpHealth
  children(): ChildState[]
  /**
   * SIGTERM to every child, SIGKILL to those still running after stopGraceMs; resolves when all have exited
   * (idempotent). No restarts after it was called.
   */
  stop(): Promise<ChildState[]>
}

interface Child {
  server: SupervisedServer
  log: Logger
  process: ChildProcess | undefined
  state: ChildStateName
  restarts: number
  restartTimes: number[]
  timer: NodeJS.Timeout | undefined
  lastExit: ChildState['lastExit']
  exited: Promise<void>
}

const DEFAULT_POLICY: RestartPolicy = { initialMs: 500, maxMs: 30_000, maxRestarts: 5, windowMs: 60_000 }

/**
 * Starts every server as a child (`runner(artifact)`, not detached, stdin ignored, stdout/stderr piped and
 * re-logged one line per line at info, stderr marked `stream=stderr`). Every exit is logged with its code or
 * signal. A child that exits while the supervisor runs is restarted after a backoff (0.5 s, doubling, at most
 * 30 s); after `maxRestarts` restarts within `windowMs` it is given up (logged as an error; health says
 * degraded). While the supervisor lives, the children are killed (SIGKILL) when this process exits, also
 * through an uncaught error; a SIGKILL of this process cannot be caught: there the artifacts' own parent
 * watch (see MCP_SUPERVISOR_PID_ENV) stops them within about a second.
 */
export function startSupervisor(options: SupervisorOptions): Supervisor {
  const policy = { ...DEFAULT_POLICY, ...options.policy }
  const grace = options.stopGraceMs ?? 5000
  let stopping: Promise<ChildState[]> | undefined
  const children: Child[] = options.servers.map((server) => ({
    server,
    log: options.logger.child(`mcp:${server.name}`),
    process: undefined,
    state: 'running',
    restarts: 0,
    restartTimes: [],
    timer: undefined,
    lastExit: undefined,
    exited: Promise.resolve(),
  }))

  // Children never outlive a normal exit, process.exit() or an uncaught error of this process.
  const killAll = (): void => {
    for (const child of children) if (child.process) kill(child.process, 'SIGKILL')
  }
  process.on('exit', killAll)

  const launch = (child: Child): void => {
    const { command, args } = options.runner(child.server.artifact)
    const env = {
      ...options.env,
      MCP_SERVER_NAME: child.server.name,
      PORT: String(child.server.port),
      [MCP_SUPERVISOR_PID_ENV]: String(process.pid),
    }
    child.state = 'running'
    let proc: ChildProcess
    try {
      proc = spawn(command, args, {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: false,
        ...(options.cwd ? { cwd: options.cwd } : {}),
      })
    } catch (error) {
      child.process = undefined
      child.log.error('could not start', { command, reason: (error as Error).message })
      afterExit(child)
      return
    }
    child.process = proc
    let settle: () => void = () => undefined
    child.exited = new Promise((resolve) => {
      settle = resolve
    })
    let done = false
    const finish = (code: number | null, signal: NodeJS.Signals | null, reason?: string): void => {
      if (done) return
      done = true
      if (child.process === proc) child.process = undefined
      child.lastExit = { code, signal, at: new Date().toISOString() }
      const fields = { pid: proc.pid, code, signal, ...(reason ? { reason } : {}) }
      if (stopping) child.log.info('exited', fields)
      else child.log.warn('exited', fields)
      settle()
      afterExit(child)
    }
    proc.once('spawn', () =>
      child.log.info('started', { pid: proc.pid, port: child.server.port, artifact: child.server.artifact }),
    )
    proc.once('error', (error) => {
      // A spawn failure (no such command) gives no exit event; a failed kill() is no exit at all.
      if (proc.pid === undefined) finish(null, null, error.message)
      else child.log.warn('child process error', { pid: proc.pid, reason: error.message })
    })
    proc.once('exit', (code, signal) => finish(code, signal))
    relay(proc.stdout, (line) => child.log.info(line))
    relay(proc.stderr, (line) => child.log.info(line, { stream: 'stderr' }))
  }

  const afterExit = (child: Child): void => {
    if (stopping) {
      child.state = 'stopped'
      return
    }
    const now = Date.now()
    child.restartTimes = child.restartTimes.filter((at) => now - at < policy.windowMs)
    const decision = restartDecision(child.restartTimes, now, policy)
    if (decision.giveUp) {
      child.state = 'failed'
      child.log.error(
        `gave up: ${policy.maxRestarts} restarts within ${Math.round(policy.windowMs / 1000)} s; it stays stopped until the supervisor is restarted`,
        { restarts: child.restarts },
      )
      return
    }
    child.state = 'restarting'
    child.log.info('restarting', { in_ms: decision.delayMs, restarts: child.restarts })
    child.timer = setTimeout(() => {
      child.timer = undefined
      if (stopping) return
      child.restartTimes.push(Date.now())
      child.restarts += 1
      launch(child)
    }, decision.delayMs)
  }

  for (const child of children) launch(child)

  const stateOf = (child: Child): ChildState => ({
    name: child.server.name,
    port: child.server.port,
    state: child.state,
    pid: child.process?.pid,
    restarts: child.restarts,
    lastExit: child.lastExit,
  })

  return {
    health(): McpHealth {
      const count = children.length
      const running = children.filter((child) => child.process?.pid !== undefined).length
      return { status: count === 0 ? 'none' : running === count ? 'ok' : 'degraded', count, running }
    },
    children: () => children.map(stateOf),
    stop(): Promise<ChildState[]> {
      stopping ??= (async () => {
        for (const child of children) {
          if (child.timer) clearTimeout(child.timer)
          child.timer = undefined
          if (!child.process) child.state = child.state === 'failed' ? 'failed' : 'stopped'
        }
        const live = children.filter((child) => child.process !== undefined)
        for (const child of live) if (child.process) kill(child.process, 'SIGTERM')
        const all = Promise.all(live.map((child) => child.exited))
        if (!(await within(all, grace))) {
          for (const child of live)
            if (child.process) {
              child.log.warn('did not stop in time: SIGKILL', { pid: child.process.pid, grace_ms: grace })
              kill(child.process, 'SIGKILL')
            }
          await within(all, 2000)
        }
        process.off('exit', killAll)
        return children.map(stateOf)
      })()
      return stopping
    },
  }
}

function kill(proc: ChildProcess, signal: NodeJS.Signals): void {
  try {
    proc.kill(signal)
  } catch {
    // already gone
  }
}

function relay(stream: NodeJS.ReadableStream | null, line: (text: string) => void): void {
  if (!stream) return
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })
  lines.on('line', line)
}

/** Whether `promise` settled within `ms`. */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    promise.then(
      () => {
        clearTimeout(timer)
        resolve(true)
      },
      () => {
        clearTimeout(timer)
        resolve(true)
      },
    )
  })
}
