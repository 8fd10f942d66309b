import { readFile } from 'node:fs/promises'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { SystempromptError } from '@systemprompt/config/core'

/**
 * The admin password from the spec's password file. Trailing newlines are dropped, as the postgres image's
 * `file_env` does (`$(< file)`), so a file edited with a text editor still matches.
 */
export async function readPasswordFile(spec: PostgresServerSpec): Promise<string> {
  let text: string
  try {
    text = await readFile(spec.passwordFile, 'utf8')
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code
    throw new SystempromptError({
      code: errno === 'ENOENT' ? 'PASSWORD_FILE_MISSING' : 'CONFIG_UNREADABLE',
      category: 'user',
      file: spec.passwordFile,
      message:
        errno === 'ENOENT'
          ? `The admin password file ${spec.passwordFile} does not exist`
          : `Cannot read the admin password file ${spec.passwordFile} (${errno ?? 'error'})`,
      fix:
        errno === 'ENOENT'
          ? 'Run `systemprompt db up` to recreate it from shared_config.json, or restore the file'
          : `Give your user read permission on ${spec.passwordFile} (mode 0600)`,
      cause: error,
    })
  }
  const password = text.replace(/[\r\n]+$/, '')
  if (!password) {
    throw new SystempromptError({
      code: 'PASSWORD_FILE_EMPTY',
      category: 'user',
      file: spec.passwordFile,
      message: `The admin password file ${spec.passwordFile} is empty`,
      fix: 'Restore the password from shared_config.json (admin_password) into the file',
    })
  }
  return password
}
