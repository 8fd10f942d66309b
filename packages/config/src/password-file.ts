import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { errnoOf } from './errno.js'
import { ErrorCode } from './error-codes.js'
import { SystempromptError } from './errors.js'

/**
 * The one trimming rule for password files: trailing line breaks (`\n`, `\r\n`, any number) are dropped,
 * nothing else. This is what the postgres image does with POSTGRES_PASSWORD_FILE (`$(< file)` drops
 * trailing newlines), so a file saved by a text editor still matches the server; spaces and tabs are part
 * of the password.
 */
export function passwordFromFileText(text: string): string {
  return text.replace(/[\r\n]+$/, '')
}

/** The password in `file` (trimming rule above); undefined when the file does not exist or cannot be read. */
export async function readPasswordFile(file: string): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined)
  return text === undefined ? undefined : passwordFromFileText(text)
}

/**
 * Like readPasswordFile, but the password must be there: a missing, unreadable or empty file is an error
 * (PASSWORD_FILE_MISSING, CONFIG_UNREADABLE, PASSWORD_FILE_EMPTY) that says how to restore it.
 */
export async function requirePasswordFile(file: string): Promise<string> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const errno = errnoOf(error)
    const missing = errno === 'ENOENT'
    throw new SystempromptError({
      code: missing ? ErrorCode.PASSWORD_FILE_MISSING : ErrorCode.CONFIG_UNREADABLE,
      category: 'user',
      file,
      message: missing
        ? `The admin password file ${file} does not exist`
        : `Cannot read the admin password file ${file} (${errno ?? 'error'})`,
      fix: missing
        ? 'Run `systemprompt db up` to recreate it from shared_config.json, or restore the file'
        : `Give your user read permission on ${file} (mode 0600)`,
      cause: error,
    })
  }
  const password = passwordFromFileText(text)
  if (!password) {
    throw new SystempromptError({
      code: ErrorCode.PASSWORD_FILE_EMPTY,
      category: 'user',
      file,
      message: `The admin password file ${file} is empty`,
      fix: 'Restore the password from shared_config.json (admin_password) into the file',
    })
  }
  return password
}

/** Admin passwords: 24 random bytes, URL-safe, so they can sit in a DATABASE_URL unescaped. */
export function newPassword(): string {
  return randomBytes(24).toString('base64url')
}
