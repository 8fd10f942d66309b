// Doctor checks of the project's files: secret file modes, temp files of interrupted writes, stale locks.
import { chmod, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ErrorCode, isSystempromptError, staleLockHolder, withFileLock } from '@systemprompt/config'
import { type DoctorContext, report } from './doctor-types.js'

const TEMP_FILE = /^\..+\.[0-9a-f]{12}\.tmp$/
/** A temp file younger than this may belong to a write in progress. */
const TEMP_FILE_MIN_AGE_MS = 5000
/** A lock (`x.lock`) or the guard of its takeover (`x.lock.takeover`), as config's withFileLock makes them. */
const LOCK_FILE = /\.lock(\.takeover)?$/
/** What a takeover renames a stale lock to before it deletes it (left behind when killed in between). */
const LOCK_TRASH = /\.lock\.stale-[0-9a-f]{8}$/
/** A takeover guard is held for microseconds; config's lock treats one older than this as stale. */
const TAKEOVER_STALE_MS = 5000

/** Files that hold secrets must be 0600 (SPEC: tenants.json, shared_config.json, secrets.json, password files). */
export async function checkFileModes(ctx: DoctorContext): Promise<void> {
  const { layout } = ctx
  const candidates = [layout.tenantsFile, layout.sharedConfig]
  for (const dir of [layout.secretsDir]) {
    for (const name of await readdir(dir).catch(() => [] as string[])) candidates.push(join(dir, name))
  }
  for (const name of await readdir(layout.profilesDir).catch(() => [] as string[])) {
    candidates.push(layout.profileSecrets(name))
  }
  for (const path of candidates) {
    const info = await stat(path).catch(() => undefined)
    if (!info?.isFile() || (info.mode & 0o077) === 0) continue
    const issue = report(ctx, {
      code: ErrorCode.CONFIG_INSECURE_MODE,
      severity: 'error',
      file: path,
      message: `${path} holds secrets but is readable by others (mode ${(info.mode & 0o777).toString(8)})`,
      fix: `chmod 600 ${path} (or run \`systemprompt db doctor --fix\`)`,
    })
    if (ctx.fix) {
      await chmod(path, 0o600)
      issue.fixed = 'mode set to 600'
    }
  }
}

/** Temp files of atomic writes that a killed process never renamed. */
export async function checkTempFiles(ctx: DoctorContext): Promise<void> {
  const { layout } = ctx
  const dirs = [layout.dir, layout.dockerDir, layout.secretsDir]
  for (const name of await readdir(layout.profilesDir).catch(() => [] as string[]))
    dirs.push(layout.profileDir(name))
  for (const path of await filesIn(dirs, (name) => TEMP_FILE.test(name))) {
    const info = await stat(path).catch(() => undefined)
    if (!info || Date.now() - info.mtimeMs < TEMP_FILE_MIN_AGE_MS) continue
    const issue = report(ctx, {
      code: ErrorCode.TEMP_FILE_LEFTOVER,
      severity: 'warning',
      file: path,
      message: `Leftover temporary file of an interrupted write: ${path}`,
      fix: 'Run `systemprompt db doctor --fix` to remove it',
    })
    if (ctx.fix) {
      await rm(path, { force: true })
      issue.fixed = 'removed'
    }
  }
}

/**
 * Lock files of runs that were killed: the holder recorded in the file is gone (config's `staleLockHolder`).
 * Harmless (the next run takes such a lock over), so a warning. --fix removes one by taking it through
 * config's own lock, which breaks only a stale lock and deletes it on release: a lock whose holder runs (or
 * that a new run took in the meantime) is waited for, never removed.
 */
export async function checkStaleLocks(ctx: DoctorContext): Promise<void> {
  const { layout } = ctx
  const dirs = [layout.locksDir, layout.dir, layout.dockerDir]
  for (const path of await filesIn(dirs, (name) => LOCK_FILE.test(name))) {
    const holder = await staleLockHolder(path, path.endsWith('.takeover') ? TAKEOVER_STALE_MS : undefined)
    if (!holder) continue
    const who =
      holder.pid === undefined
        ? 'a process that was killed before it wrote its name into it'
        : `process ${holder.pid}${holder.acquiredAt ? ` (since ${holder.acquiredAt})` : ''}, which no longer runs`
    const issue = report(ctx, {
      code: ErrorCode.LOCK_STALE,
      severity: 'warning',
      file: path,
      message: `Lock file ${path} was left by ${who}`,
      fix: 'Run `systemprompt db doctor --fix` to remove it (a lock whose holder still runs is never removed)',
    })
    if (!ctx.fix) continue
    try {
      await withFileLock(path, () => {}, { timeoutMs: 1000 })
      issue.fixed = 'removed'
    } catch (error) {
      if (!isSystempromptError(error) || error.code !== ErrorCode.LOCK_TIMEOUT) throw error
      issue.message += ' (not removed: another run holds it now)'
    }
  }
  for (const path of await filesIn(dirs, (name) => LOCK_TRASH.test(name))) {
    const info = await stat(path).catch(() => undefined)
    if (!info || Date.now() - info.mtimeMs < TAKEOVER_STALE_MS) continue
    const issue = report(ctx, {
      code: ErrorCode.LOCK_STALE,
      severity: 'warning',
      file: path,
      message: `Leftover of a stale lock that was being removed: ${path}`,
      fix: 'Run `systemprompt db doctor --fix` to remove it',
    })
    if (ctx.fix) {
      await rm(path, { force: true })
      issue.fixed = 'removed'
    }
  }
}

async function filesIn(dirs: string[], wanted: (name: string) => boolean): Promise<string[]> {
  const paths: string[] = []
  for (const dir of dirs) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (wanted(name)) paths.push(join(dir, name))
    }
  }
  return paths
}
