import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { SECRET_DIR_MODE, SECRET_FILE_MODE, writeFileAtomic } from '@systemprompt/config/core'

/** Admin passwords: 24 random bytes, URL-safe, so they can sit in a DATABASE_URL unescaped. */
export function newPassword(): string {
  return randomBytes(24).toString('base64url')
}

/** The content of a password file as the postgres image reads it (trailing newlines dropped). */
export async function readPasswordText(file: string): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined)
  return text?.replace(/[\r\n]+$/, '')
}

/**
 * The 0600 password file the compose secret points at (directories it creates get 0700); rewritten only
 * when it does not hold the password.
 */
export async function ensurePasswordFile(file: string, password: string): Promise<void> {
  if ((await readPasswordText(file)) === password) return
  await writeFileAtomic(file, password, { mode: SECRET_FILE_MODE, dirMode: SECRET_DIR_MODE })
}
