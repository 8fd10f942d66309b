import type { z } from 'zod'
import { SECRET_FILE_MODE, writeFileAtomic } from './fs.js'
import { readOptionalJsonFile, validateConfigValue } from './load.js'
import { type FileLockOptions, withFileLock } from './lock.js'

export interface UpdateJsonFileOptions extends FileLockOptions {
  /** Mode of the written file. Default 0o600: the files updated this way (tenants.json, shared_config.json) hold secrets. */
  mode?: number
  /** Lock file. Default `<file>.lock`; pass `layout.locksDir`-based paths to keep lock files out of sight. */
  lockPath?: string
}

/**
 * Read-modify-write of a JSON file that several processes may update at once (e.g. concurrent
 * `tenant create`): takes the lock, reads and validates the current content (undefined when the file does
 * not exist), lets `mutate` compute the next value, validates it and writes it atomically. Nothing is written
 * if reading, `mutate` or validation fails. Returns the value written.
 */
export async function updateJsonFile<T>(
  file: string,
  schema: z.ZodType<T>,
  mutate: (current: T | undefined) => T | Promise<T>,
  options: UpdateJsonFileOptions = {},
): Promise<T> {
  const lockPath = options.lockPath ?? `${file}.lock`
  return withFileLock(
    lockPath,
    async () => {
      const current = await readOptionalJsonFile(file, schema)
      const next = validateConfigValue(schema, await mutate(current), file)
      await writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`, {
        mode: options.mode ?? SECRET_FILE_MODE,
      })
      return next
    },
    options,
  )
}
