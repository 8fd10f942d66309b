// The migration files on disk: `<migrations>/NNNN_name.sql`, their versions, checksums and the opt-out marker.
import { createHash } from 'node:crypto'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ErrorCode, type ErrorLocationIssue, SystempromptError } from '@systemprompt/config/core'

/** One migration file, read. */
export interface MigrationFile {
  /** The leading digits as a number (`0001` and `1` are the same version). */
  version: number
  /** What follows the underscore, without `.sql`. */
  name: string
  /** The file name (`0002_users.sql`). */
  file: string
  /** Absolute path. */
  path: string
  /** sha256 (hex) of the file's bytes, as recorded in the history. */
  checksum: string
  /** The SQL as sent (a leading byte-order mark dropped). */
  sql: string
  /** First line `-- systemprompt:no-transaction`: run statement by statement, outside a transaction. */
  noTransaction: boolean
}

export interface MigrationFiles {
  /** The directory does not exist (an app without migrations): nothing to apply. */
  missing: boolean
  /** Sorted by version. */
  files: MigrationFile[]
}

/** `NNNN_name.sql`: digits, an underscore, a name of letters, digits, `_`, `-`, `.` (not first). */
const NAME = /^([0-9]+)_([A-Za-z0-9][A-Za-z0-9_.-]*)\.sql$/
const SHAPE = 'NNNN_name.sql (leading digits, an underscore, then letters, digits, _ - or .)'
const NO_TRANSACTION = /^--[ \t]*systemprompt:no-transaction[ \t]*\r?$/i

/**
 * Reads every `.sql` file of `dir` (other files, such as README.md or .gitkeep, and directories are ignored).
 * A missing directory is `{missing: true}`; a path that is a file or unreadable is MIGRATIONS_PATH_INVALID;
 * a `.sql` file of another shape is MIGRATION_NAME_INVALID; two files of one version are
 * MIGRATION_DUPLICATE_VERSION. All of these before any database is touched.
 */
export async function readMigrationFiles(dir: string): Promise<MigrationFiles> {
  const names = await listDirectory(dir)
  if (names === undefined) return { missing: true, files: [] }

  const bad: ErrorLocationIssue[] = []
  const found: { version: number; name: string; file: string; path: string }[] = []
  for (const entry of names) {
    if (!/\.sql$/i.test(entry.name)) continue
    const path = join(dir, entry.name)
    if (!(await isFile(path, entry.isFile()))) continue
    const match = NAME.exec(entry.name)
    const version = match ? Number(match[1]) : Number.NaN
    if (!match || !Number.isSafeInteger(version)) {
      bad.push({
        code: ErrorCode.MIGRATION_NAME_INVALID,
        message: match
          ? `${entry.name}: the version ${match[1]} is too large`
          : `${entry.name} is not named ${SHAPE}`,
        file: path,
      })
      continue
    }
    found.push({ version, name: match[2] as string, file: entry.name, path })
  }
  if (bad.length > 0) {
    const first = bad[0] as ErrorLocationIssue
    throw new SystempromptError({
      code: ErrorCode.MIGRATION_NAME_INVALID,
      category: 'user',
      message:
        bad.length === 1
          ? `Migration file ${first.message}; nothing was applied`
          : `${bad.length} migration files are misnamed (expected ${SHAPE}): ${bad.map((b) => b.message).join('; ')}; nothing was applied`,
      fix: `Rename it to ${SHAPE}, e.g. 0003_add_orders.sql (files not ending in .sql are ignored)`,
      file: first.file,
      issues: bad,
    })
  }

  found.sort((a, b) => a.version - b.version || a.file.localeCompare(b.file))
  const duplicates: ErrorLocationIssue[] = []
  for (let i = 1; i < found.length; i++) {
    const a = found[i - 1] as (typeof found)[number]
    const b = found[i] as (typeof found)[number]
    if (a.version === b.version)
      duplicates.push({
        code: ErrorCode.MIGRATION_DUPLICATE_VERSION,
        message: `${a.file} and ${b.file} share version ${a.version}`,
        file: b.path,
      })
  }
  if (duplicates.length > 0) {
    const first = duplicates[0] as ErrorLocationIssue
    throw new SystempromptError({
      code: ErrorCode.MIGRATION_DUPLICATE_VERSION,
      category: 'user',
      message: `Two migration files share a version: ${duplicates.map((d) => d.message).join('; ')}; nothing was applied`,
      fix: 'Give each file its own version number (renumber the one not yet applied anywhere)',
      file: first.file,
      issues: duplicates,
      details: { directory: dir },
    })
  }

  const files = await Promise.all(
    found.map(async (f): Promise<MigrationFile> => {
      const bytes = await readFile(f.path).catch((error: NodeJS.ErrnoException) => {
        throw pathInvalid(f.path, `cannot be read (${error.code ?? 'unreadable'})`)
      })
      let sql = bytes.toString('utf8')
      if (sql.charCodeAt(0) === 0xfeff) sql = sql.slice(1)
      const firstLine = sql.slice(0, sql.indexOf('\n') === -1 ? sql.length : sql.indexOf('\n'))
      return {
        ...f,
        checksum: createHash('sha256').update(bytes).digest('hex'),
        sql,
        noTransaction: NO_TRANSACTION.test(firstLine),
      }
    }),
  )
  return { missing: false, files }
}

/** The entries of `dir`, or undefined when it does not exist. */
async function listDirectory(dir: string): Promise<import('node:fs').Dirent[] | undefined> {
  try {
    return await readdir(dir, { withFileTypes: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'ENOTDIR') throw pathInvalid(dir, 'is not a directory (a file is in the way)')
    throw pathInvalid(dir, `cannot be read (${code ?? 'unreadable'})`)
  }
}

/** Regular files (and symlinks to them) count; directories named `*.sql` do not. */
async function isFile(path: string, direct: boolean): Promise<boolean> {
  if (direct) return true
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

function pathInvalid(path: string, what: string): SystempromptError {
  return new SystempromptError({
    code: ErrorCode.MIGRATIONS_PATH_INVALID,
    category: 'user',
    message: `The migrations path ${path} ${what}`,
    fix: 'Point SYSTEMPROMPT_SERVICES_PATH at the services directory; its database/migrations/ must be a directory of NNNN_name.sql files',
    file: path,
  })
}
