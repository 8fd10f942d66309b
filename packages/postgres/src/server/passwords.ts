import {
  readPasswordFile,
  SECRET_DIR_MODE,
  SECRET_FILE_MODE,
  writeFileAtomic,
} from '@systemprompt/config/core'

export { newPassword } from '@systemprompt/config/core'

/**
 * The 0600 password file the compose secret points at (directories it creates get 0700); rewritten only
 * when it does not hold the password (read with config's one trimming rule for password files).
 */
export async function ensurePasswordFile(file: string, password: string): Promise<void> {
  if ((await readPasswordFile(file)) === password) return
  await writeFileAtomic(file, password, { mode: SECRET_FILE_MODE, dirMode: SECRET_DIR_MODE })
}
