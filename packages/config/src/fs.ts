import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { errnoOf } from './errno.js'
import { ErrorCode } from './error-codes.js'
import { SystempromptError } from './errors.js'

/** Mode of files that hold secrets (passwords, DATABASE_URL, tenants): owner read/write only. */
export const SECRET_FILE_MODE = 0o600
/** Mode of directories that hold secret files (docker/.secrets). */
export const SECRET_DIR_MODE = 0o700
/** Mode of ordinary generated files. */
export const DEFAULT_FILE_MODE = 0o644

export interface WriteFileAtomicOptions {
  /** File mode, applied exactly (umask does not apply). Default 0o644. */
  mode?: number
  /** Mode of parent directories this call creates. Default 0o755; a directory named `.secrets` always gets 0o700. */
  dirMode?: number
}

async function firstFileOnPath(dir: string): Promise<string | undefined> {
  let current = dir
  for (;;) {
    try {
      if (!(await stat(current)).isDirectory()) return current
    } catch {
      // does not exist; look further up
    }
    const parent = dirname(current)
    if (parent === current) return undefined
    current = parent
  }
}

/** Creates missing parent directories one by one, so each gets the right mode. */
async function ensureDir(dir: string, dirMode: number): Promise<void> {
  const missing: string[] = []
  let current = dir
  for (;;) {
    try {
      const info = await stat(current)
      if (!info.isDirectory()) throw notADirectory(current)
      break
    } catch (error) {
      if (error instanceof SystempromptError) throw error
      if (errnoOf(error) === 'ENOTDIR') throw notADirectory((await firstFileOnPath(current)) ?? current)
      if (errnoOf(error) !== 'ENOENT') throw writeFailed(dir, error)
      missing.unshift(current)
      const parent = dirname(current)
      if (parent === current) break
      current = parent
    }
  }
  for (const path of missing) {
    try {
      await mkdir(path, { mode: basename(path) === '.secrets' ? SECRET_DIR_MODE : dirMode })
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw writeFailed(path, error)
    }
  }
}

function notADirectory(path: string): SystempromptError {
  return new SystempromptError({
    code: ErrorCode.CONFIG_NOT_A_DIRECTORY,
    category: 'user',
    file: path,
    message: `${path} is a file, but a directory is expected there.`,
    fix: `Rename or remove the file ${path}, then run the command again.`,
  })
}

function writeFailed(file: string, error: unknown): SystempromptError {
  const errno = errnoOf(error)
  const reason =
    errno === 'EACCES' || errno === 'EPERM'
      ? 'permission denied'
      : errno === 'ENOSPC'
        ? 'no space left on device'
        : errno === 'EROFS'
          ? 'read-only file system'
          : (errno ?? 'unknown error')
  return new SystempromptError({
    code: ErrorCode.WRITE_FAILED,
    category: 'user',
    file,
    message: `Cannot write ${file}: ${reason}.`,
    fix:
      errno === 'EACCES' || errno === 'EPERM'
        ? `Give your user write permission on ${dirname(file)}.`
        : `Check that ${dirname(file)} is writable and has free space.`,
    cause: error,
  })
}

async function fsyncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // Some file systems refuse fsync on directories; the rename itself already happened.
  }
}

/**
 * Replaces `file` so that readers see the old or the new content, never a mix: write a temp file in the same
 * directory, fsync, rename over the target, fsync the directory. The temp file is removed on failure.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const mode = options.mode ?? DEFAULT_FILE_MODE
  const dir = dirname(file)
  await ensureDir(dir, options.dirMode ?? 0o755)
  try {
    if ((await stat(file)).isDirectory()) {
      throw new SystempromptError({
        code: ErrorCode.CONFIG_NOT_A_FILE,
        category: 'user',
        file,
        message: `${file} is a directory, but a file is expected there.`,
        fix: `Move the directory ${file} out of the way, then run the command again.`,
      })
    }
  } catch (error) {
    if (error instanceof SystempromptError) throw error
  }
  const temp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    // 'wx': never follow or reuse an existing path; the temp file starts with the final mode (no window
    // where a secret is readable by others).
    const handle = await open(temp, 'wx', mode)
    try {
      await handle.chmod(mode)
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, file)
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined)
    if (error instanceof SystempromptError) throw error
    throw writeFailed(file, error)
  }
  await fsyncDir(dir)
}

/** Whether anything exists at `path` (a file, a directory or a link that resolves). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}
