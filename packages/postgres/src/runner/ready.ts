import { setTimeout as sleep } from 'node:timers/promises'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { SystempromptError } from '@systemprompt/config/core'
import type { Engine } from '@systemprompt/engine'
import { STARTING_SQLSTATES } from '@systemprompt/pg/sqlstate'
import { dbCommand, lastLines, scrub, serverLabel } from './errors.js'
import { verifyLogin } from './probe.js'

export interface WaitReadyOptions {
  password: string
  timeoutMs: number
  /** The volume held data before this run: a rejected password then means "initialised with another one". */
  volumeExisted: boolean
  /** RestartCount seen when we started the container; a higher count means it died and came back. */
  restartCountAtStart?: number
  onAttempt?: (attempt: number) => void
  /**
   * Called once, when the server first answers with an authentication request (it has started), and waited
   * for along with the login that follows: what must happen once a server has shown it starts (its declared
   * restart policy, up.ts) costs no round trip of its own.
   */
  onAccepting?: () => Promise<void>
}

const LOG_LINES = 20
/** Attempts between two container inspects (an exited server is seen within ~4 x 10 ms). */
const EXIT_CHECK_EVERY = 4

/**
 * Ready = TCP connect to 127.0.0.1:port, log in as the admin, `SELECT 1`. Polls from the moment the container
 * starts with a short backoff by time waited (10 ms for the first 5 s — a cold start's initdb takes 1-3 s —,
 * then 25 ms up to 15 s, then 100; not the healthcheck interval). Each attempt is the protocol itself
 * (probe.ts: a startup message, and once the server answers it, on the same connection, the SCRAM exchange
 * and the query), so a not-yet-listening server costs a refused connect and a ready one a single connection;
 * whatever that cannot settle (a refusal, another authentication method, an error other than "starting up")
 * is asked of the pg driver, whose errors the messages below are made of. Checks the container every few
 * attempts so an exit fails within ~50 ms, and never loops on a wrong password.
 */
export async function waitReady(
  engine: Engine,
  spec: PostgresServerSpec,
  options: WaitReadyOptions,
): Promise<void> {
  let accepting: Promise<void> | undefined
  try {
    await poll(engine, spec, options, () => {
      accepting ??= options.onAccepting?.() ?? Promise.resolve()
      accepting.catch(() => {}) // awaited below, with the login's outcome
    })
  } catch (error) {
    await accepting?.catch(() => {})
    throw error
  }
  await accepting
}

async function poll(
  engine: Engine,
  spec: PostgresServerSpec,
  options: WaitReadyOptions,
  answered: () => void,
): Promise<void> {
  const begin = Date.now()
  const deadline = begin + options.timeoutMs
  const timeout = () => Math.max(250, Math.min(2000, deadline - Date.now()))
  const login = { user: spec.adminUser, database: spec.database, password: options.password }
  // The driver's verdict, loaded only when the protocol alone cannot settle an attempt: `true`, or a transient
  // error (try again; at the deadline, the timeout's "last error"); any other error is thrown as our message.
  const driverLogin = async (): Promise<true | Error> => {
    const { isTransientLoginError, tryLogin } = await import('@systemprompt/pg')
    const result = await tryLogin({ host: '127.0.0.1', port: spec.port, ...login }, timeout())
    if (result !== true && !isTransientLoginError(result)) throw loginError(spec, result, options)
    return result
  }
  for (let attempt = 1; ; attempt++) {
    options.onAttempt?.(attempt)
    if (attempt % EXIT_CHECK_EVERY === 1) await failIfExited(engine, spec, options)
    const outcome = await verifyLogin(spec.port, login, timeout(), {
      selectOne: true,
      onAuthRequest: answered,
    })
    if (outcome.kind === 'ok') return
    const starting =
      outcome.kind === 'unavailable' && (outcome.noServer || STARTING_SQLSTATES.has(outcome.sqlstate ?? ''))
    // Rejected, trust or cleartext, an error of another kind: what the driver says decides, and names it.
    if (!starting && (await driverLogin()) === true) return
    if (Date.now() >= deadline) break
    await sleep(backoffMs(Date.now() - begin))
  }
  // What a login says now is the message's "last error" (an attempt that found nothing listening says no more).
  const lastError = await driverLogin()
  if (lastError === true) return
  await failIfExited(engine, spec, options)
  const logs = await logTail(engine, spec, options.password)
  throw new SystempromptError({
    code: 'SERVER_TIMEOUT',
    category: 'database',
    message: `The ${serverLabel(spec)} did not accept a login on 127.0.0.1:${spec.port} within ${Math.round(options.timeoutMs / 1000)} s (last error: ${describe(lastError)})${formatLogs(logs)}`,
    fix: `Look at \`${dbCommand(spec, 'logs')}\`; on a slow machine retry with a longer --timeout`,
    details: { container: spec.containerName, port: spec.port, logs },
    cause: lastError,
  })
}

/** The pause before the next login attempt, by how long the wait has gone on. */
function backoffMs(waitedMs: number): number {
  return waitedMs < 5_000 ? 10 : waitedMs < 15_000 ? 25 : 100
}

function loginError(spec: PostgresServerSpec, error: Error, options: WaitReadyOptions): SystempromptError {
  const raw = (error as { code?: unknown }).code
  const code = typeof raw === 'string' ? raw : undefined
  if (code === '28P01' && options.volumeExisted) {
    return new SystempromptError({
      code: 'VOLUME_PASSWORD_MISMATCH',
      category: 'conflict',
      message: `The ${serverLabel(spec)} rejected the admin password (SQLSTATE 28P01): its volume ${spec.volumeName} was initialised with another password, and a volume keeps the password it was first created with`,
      fix: `${passwordFix(spec)}, or delete the data with \`${dbCommand(spec, 'reset', '--yes')}\``,
      details: { container: spec.containerName, volume: spec.volumeName, sqlstate: '28P01' },
      cause: error,
    })
  }
  if (code === '28P01' || code === '28000') {
    return new SystempromptError({
      code: 'DATABASE_AUTH_FAILED',
      category: 'database',
      message: `The ${serverLabel(spec)} rejected the admin login on a fresh volume (SQLSTATE ${code}): the image ${spec.image} may not honour POSTGRES_PASSWORD_FILE`,
      fix: 'Use an image that follows the official postgres image contract (SYSTEMPROMPT_POSTGRES_IMAGE)',
      details: { container: spec.containerName, sqlstate: code },
      cause: error,
    })
  }
  return new SystempromptError({
    code: 'DATABASE_ERROR',
    category: 'database',
    message: `Could not log in to the ${serverLabel(spec)}: ${error.message}${code ? ` (SQLSTATE ${code})` : ''}`,
    fix: `Look at \`${dbCommand(spec, 'logs')}\``,
    details: { container: spec.containerName, sqlstate: code },
    cause: error,
  })
}

/**
 * Where the password the volume was created with must go. Shared server: `admin_password` in the project's
 * shared_config.json — `db up` regenerates the password file from it. Dedicated: the tenant's password file.
 */
function passwordFix(spec: PostgresServerSpec): string {
  if (spec.kind === 'shared') {
    return 'Set `admin_password` in .systemprompt/docker/shared_config.json to the password the volume was created with (e.g. from a backup, or from the project that created the server), then run `systemprompt db up` (it regenerates the password file from it)'
  }
  return `Put the password the volume was created with into ${spec.passwordFile}`
}

/** Fails at once, with the exit code and the last log lines, when the container stopped or restarted. */
async function failIfExited(
  engine: Engine,
  spec: PostgresServerSpec,
  options: WaitReadyOptions,
): Promise<void> {
  const info = await engine.containers.inspect(spec.containerName)
  if (!info) {
    throw new SystempromptError({
      code: 'SERVER_EXITED',
      category: 'database',
      message: `The ${serverLabel(spec)} disappeared while starting (removed by someone else?)`,
      fix: `Run \`${dbCommand(spec, 'up')}\` again`,
    })
  }
  const restarted =
    options.restartCountAtStart !== undefined && info.RestartCount > options.restartCountAtStart
  const state = info.State
  if (state.Running && !state.Restarting && !restarted) return
  if (state.Status === 'created') return // start not yet taken effect
  // The runner starts servers with restart policy `no` (up.ts), so a crash leaves them exited with the exact
  // code. A container started under another policy (an adopted one) may be back up already: its ExitCode
  // then reads 0, so report no code rather than a wrong one.
  const exitCode = crashCode(state)
  // With restart: unless-stopped a crashing server would loop forever; stop it so the state is clear.
  await engine.containers.stop(spec.containerName, 2).catch(() => {})
  const logs = await logTail(engine, spec, options.password)
  throw new SystempromptError({
    code: 'SERVER_EXITED',
    category: 'database',
    message: `The ${serverLabel(spec)} exited${exitCode === undefined ? ' (restarted by Docker)' : ` with code ${exitCode}`} while starting${formatLogs(logs)}`,
    fix: `Fix the cause shown in the log (\`${dbCommand(spec, 'logs')}\`), then run \`${dbCommand(spec, 'up')}\` again`,
    details: { container: spec.containerName, exitCode, logs },
  })
}

/** The exit code of the last crash when the container is between runs (exited, or in the restart back-off). */
function crashCode(state: { Running: boolean; Restarting: boolean; ExitCode: number } | undefined) {
  if (!state) return undefined
  return state.Restarting || !state.Running ? state.ExitCode : undefined
}

async function logTail(engine: Engine, spec: PostgresServerSpec, password: string): Promise<string[]> {
  try {
    return lastLines(
      scrub(await engine.containers.logsText(spec.containerName, LOG_LINES), password),
      LOG_LINES,
    )
  } catch {
    return []
  }
}

function formatLogs(lines: string[]): string {
  return lines.length === 0 ? '' : `. Last log lines:\n  ${lines.join('\n  ')}`
}

function describe(error: unknown): string {
  if (!error) return 'none'
  const code = (error as { code?: string }).code
  const message = error instanceof Error ? error.message : String(error)
  return code && !message.includes(code) ? `${message} (${code})` : message
}
