import { readFileSync, statSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { errnoOf } from '../errno.js'
import { ErrorCode } from '../error-codes.js'
import { SystempromptError } from '../errors.js'

/** The first ancestor of `file` that exists but is not a directory (the cause of ENOTDIR). */
function fileInTheWay(file: string): string | undefined {
  let current = dirname(file)
  for (;;) {
    try {
      if (!statSync(current).isDirectory()) return current
    } catch {
      // keeps walking up: this ancestor does not exist
    }
    const parent = dirname(current)
    if (parent === current) return undefined
    current = parent
  }
}

/** Maps a read failure to our error (no stack, no errno jargon in the message); `undefined` for a missing file. */
function readFailure(file: string, error: unknown): SystempromptError | undefined {
  const errno = errnoOf(error)
  if (errno === 'ENOENT') return undefined
  if (errno === 'EISDIR') {
    return new SystempromptError({
      code: ErrorCode.CONFIG_NOT_A_FILE,
      file,
      message: `${file} is a directory, but a file is expected there.`,
      fix: `Move the directory ${file} out of the way; \`systemprompt init\` recreates the file.`,
      cause: error,
    })
  }
  if (errno === 'ENOTDIR') {
    const blocker = fileInTheWay(file) ?? dirname(file)
    return new SystempromptError({
      code: ErrorCode.CONFIG_NOT_A_DIRECTORY,
      file: blocker,
      message: `Cannot read ${file}: ${blocker} is a file, but a directory is expected there.`,
      fix: `Rename or remove the file ${blocker}; it must be a directory.`,
      cause: error,
    })
  }
  if (errno === 'EACCES' || errno === 'EPERM') {
    return new SystempromptError({
      code: ErrorCode.CONFIG_UNREADABLE,
      file,
      message: `Cannot read ${file}: permission denied.`,
      fix: `Give your user read permission (e.g. \`chmod u+r ${file}\`) or run as the file's owner.`,
      cause: error,
    })
  }
  return new SystempromptError({
    code: ErrorCode.CONFIG_UNREADABLE,
    file,
    message: `Cannot read ${file} (${errno ?? 'unknown error'}).`,
    fix: `Check that ${file} is a readable regular file.`,
    cause: error,
  })
}

export function missingFile(file: string): SystempromptError {
  return new SystempromptError({
    code: ErrorCode.CONFIG_MISSING,
    file,
    message: `${file} does not exist.`,
    fix: 'Run `systemprompt init` (or the command that creates it), or check the path.',
  })
}

function decode(file: string, bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch (error) {
    throw new SystempromptError({
      code: ErrorCode.CONFIG_UNREADABLE,
      file,
      message: `${file} is not valid UTF-8 text.`,
      fix: `Save ${file} as UTF-8 text.`,
      cause: error,
    })
  }
}

/** FIFOs, sockets and devices would block or stream forever: only regular files (and directories, reported as such) are read. */
function assertReadable(file: string, info: { isFile(): boolean; isDirectory(): boolean }): void {
  if (info.isFile() || info.isDirectory()) return
  throw new SystempromptError({
    code: ErrorCode.CONFIG_NOT_A_FILE,
    file,
    message: `${file} is not a regular file.`,
    fix: `Replace ${file} with a regular file.`,
  })
}

export async function readConfigText(file: string): Promise<string | undefined> {
  try {
    assertReadable(file, await stat(file))
    return decode(file, await readFile(file))
  } catch (error) {
    if (error instanceof SystempromptError) throw error
    const failure = readFailure(file, error)
    if (failure) throw failure
    return undefined
  }
}

export function readConfigTextSync(file: string): string | undefined {
  try {
    assertReadable(file, statSync(file))
    return decode(file, readFileSync(file))
  } catch (error) {
    if (error instanceof SystempromptError) throw error
    const failure = readFailure(file, error)
    if (failure) throw failure
    return undefined
  }
}
