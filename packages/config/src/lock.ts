import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { errnoOf } from './errno.js'
import { ErrorCode } from './error-codes.js'
import { SystempromptError } from './errors.js'

export interface FileLockOptions {
  /** Give up after this long. Default 10 s. */
  timeoutMs?: number
  /** A lock not refreshed for this long is taken over even if its owner looks alive. Default 30 s. */
  staleMs?: number
}

interface LockOwner {
  pid: number
  host: string
  token: string
  acquired_at: string
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return errnoOf(error) === 'EPERM'
  }
}

async function readOwner(
  lockPath: string,
): Promise<{ owner: LockOwner | undefined; mtimeMs: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)])
    let owner: LockOwner | undefined
    try {
      owner = JSON.parse(text) as LockOwner
    } catch {
      // Written but not yet filled, or garbage: judged by age only.
    }
    return { owner, mtimeMs: info.mtimeMs }
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined
    throw error
  }
}

function isStale(state: { owner: LockOwner | undefined; mtimeMs: number }, staleMs: number): boolean {
  if (Date.now() - state.mtimeMs > staleMs) return true
  const owner = state.owner
  // A dead pid only proves staleness on this machine (a lock dir may sit on a shared disk).
  return owner !== undefined && owner.host === hostname() && !processAlive(owner.pid)
}

/** The holder a stale lock file names (none when it was killed between creating and filling it). */
export interface StaleLockHolder {
  pid?: number
  host?: string
  acquiredAt?: string
}

/**
 * Whether the lock file at `lockPath` was left by a run that is gone, for `db doctor`: its holder is a
 * process on this host that no longer exists, or the file names no holder and was not refreshed for
 * `staleMs`. Returns what the file says about that holder; undefined when there is no such file, when the
 * holder still runs, or when it runs on another host (a dead pid proves nothing there).
 */
export async function staleLockHolder(
  lockPath: string,
  staleMs = 30_000,
): Promise<StaleLockHolder | undefined> {
  const state = await readOwner(lockPath).catch(() => undefined)
  if (!state) return undefined
  const owner = state.owner
  if (typeof owner?.pid !== 'number') return Date.now() - state.mtimeMs > staleMs ? {} : undefined
  if (owner.host !== hostname() || processAlive(owner.pid)) return undefined
  return { pid: owner.pid, host: owner.host, acquiredAt: owner.acquired_at }
}

async function tryCreate(lockPath: string, owner: LockOwner): Promise<boolean> {
  try {
    const handle = await open(lockPath, 'wx', 0o600)
    try {
      await handle.writeFile(JSON.stringify(owner))
    } finally {
      await handle.close()
    }
    return true
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') return false
    throw error
  }
}

/**
 * Removes a stale lock. Takeovers are serialised by a second short-lived lock (`<lock>.takeover`) and the
 * lock is re-read under it, so two waiters can never both decide "stale" and one of them delete the fresh
 * lock the other just created.
 */
async function breakStaleLock(
  lockPath: string,
  seen: { owner: LockOwner | undefined; mtimeMs: number },
  staleMs: number,
) {
  const guard = `${lockPath}.takeover`
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(8).toString('hex'),
    acquired_at: new Date().toISOString(),
  }
  if (!(await tryCreate(guard, me))) {
    const guardState = await readOwner(guard)
    // The guard is held for microseconds; one older than 5 s was left by a crashed process.
    if (guardState && isStale(guardState, 5000)) await rm(guard, { force: true })
    return
  }
  try {
    const now = await readOwner(lockPath)
    if (!now) return
    const same = now.owner?.token === seen.owner?.token && now.mtimeMs === seen.mtimeMs
    if (same && isStale(now, staleMs)) {
      // rename first so a reader never sees a half-deleted lock
      const trash = `${lockPath}.stale-${randomBytes(4).toString('hex')}`
      await rename(lockPath, trash)
      await rm(trash, { force: true })
    }
  } finally {
    await rm(guard, { force: true })
  }
}

/*
 * Why our own lock and not `proper-lockfile` (measured 2026-12-01, holder SIGKILLed while holding the
 * lock, as a crashed `tenant create` does): ours takes the lock over in 48 ms (the owner's pid is dead);
 * proper-lockfile records no owner and waits for staleness, 10.6 s with its default `stale` and 2.5 s at
 * its minimum (2 s). It also cannot name the holder in LOCK_TIMEOUT. Uncontended lock+release: 0.8 ms
 * ours, 0.5 ms proper-lockfile (too small to matter next to the engine calls it guards).
 */

/**
 * Runs `fn` while holding an exclusive cross-process lock on `lockPath` (a file created with O_EXCL that
 * records pid, host and a random token). Waiters retry with a small growing backoff; a lock whose owner died
 * or that was not refreshed for `staleMs` is taken over. The lock is refreshed while `fn` runs.
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T> | T,
  options: FileLockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const staleMs = options.staleMs ?? 30_000
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(8).toString('hex'),
    acquired_at: '',
  }
  const deadline = Date.now() + timeoutMs
  let delay = 5
  let lastSeen: LockOwner | undefined
  try {
    await mkdir(dirname(lockPath), { recursive: true, mode: 0o700 })
  } catch (error) {
    throw lockError(lockPath, error)
  }
  for (;;) {
    owner.acquired_at = new Date().toISOString()
    let created: boolean
    try {
      created = await tryCreate(lockPath, owner)
    } catch (error) {
      throw lockError(lockPath, error)
    }
    if (created) break
    const state = await readOwner(lockPath).catch(() => undefined)
    if (state) {
      lastSeen = state.owner
      if (isStale(state, staleMs)) {
        await breakStaleLock(lockPath, state, staleMs).catch(() => undefined)
        if (Date.now() < deadline) {
          await sleep(1)
          continue
        }
      }
    }
    if (Date.now() >= deadline) {
      const holder = lastSeen
        ? `process ${lastSeen.pid} on ${lastSeen.host} (since ${lastSeen.acquired_at})`
        : 'another process'
      throw new SystempromptError({
        code: ErrorCode.LOCK_TIMEOUT,
        category: 'conflict',
        file: lockPath,
        message: `Timed out after ${timeoutMs} ms waiting for the lock ${lockPath}, held by ${holder}.`,
        fix: `Wait for the other systemprompt command to finish; if no such process exists, delete ${lockPath}.`,
        details: { lockPath, holderPid: lastSeen?.pid, holderHost: lastSeen?.host },
      })
    }
    // jitter keeps many waiters from retrying in lockstep
    await sleep(delay + Math.floor(Math.random() * delay))
    delay = Math.min(delay * 2, 100)
  }

  // Keep the lock fresh (mtime) so a long `fn` is not mistaken for a stale lock.
  const heartbeat = setInterval(
    () => {
      const t = new Date()
      utimes(lockPath, t, t).catch(() => undefined)
    },
    Math.max(50, Math.floor(staleMs / 3)),
  )
  heartbeat.unref()
  try {
    return await fn()
  } finally {
    clearInterval(heartbeat)
    await releaseLock(lockPath, owner.token)
  }
}

/** Deletes the lock only if it is still ours (it may have been taken over after a long stall). */
async function releaseLock(lockPath: string, token: string): Promise<void> {
  try {
    const current = JSON.parse(readFileSync(lockPath, 'utf8')) as LockOwner
    if (current.token !== token) return
    await rm(lockPath, { force: true })
  } catch {
    // already gone or unreadable: nothing of ours to release
  }
}

function lockError(lockPath: string, error: unknown): SystempromptError {
  const errno = errnoOf(error)
  return new SystempromptError({
    code: errno === 'ENOTDIR' ? ErrorCode.CONFIG_NOT_A_DIRECTORY : ErrorCode.WRITE_FAILED,
    category: 'user',
    file: lockPath,
    message: `Cannot create the lock file ${lockPath} (${errno ?? 'unknown error'}).`,
    fix: `Check that ${dirname(lockPath)} is a writable directory.`,
    cause: error,
  })
}
