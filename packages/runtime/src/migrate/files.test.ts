import { createHash } from 'node:crypto'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type TempDir, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readMigrationFiles } from './files.js'

let dir: TempDir
beforeEach(() => {
  dir = tempDir('sp-migrations-')
})
afterEach(() => dir.remove())

const write = (name: string, text: string): void => writeFileSync(join(dir.path, name), text)

async function errorOf(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise
  } catch (error) {
    return error as Record<string, unknown>
  }
  throw new Error('expected a rejection')
}

describe('readMigrationFiles', () => {
  it('reads NNNN_name.sql in numeric version order with sha256 of the bytes; other files are ignored', async () => {
    write('0010_later.sql', 'SELECT 10;')
    write('0002_users.sql', '\ufeffCREATE TABLE users (id int);')
    write('1_first.sql', '-- systemprompt:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);')
    write('README.md', '# notes')
    write('.gitkeep', '')
    mkdirSync(join(dir.path, '0003_dir.sql'))
    symlinkSync(join(dir.path, '0010_later.sql'), join(dir.path, 'notes.txt'))
    const { missing, files } = await readMigrationFiles(dir.path)
    expect(missing).toBe(false)
    expect(files.map((f) => [f.version, f.name, f.file, f.noTransaction])).toEqual([
      [1, 'first', '1_first.sql', true],
      [2, 'users', '0002_users.sql', false],
      [10, 'later', '0010_later.sql', false],
    ])
    const users = files[1] as (typeof files)[number]
    expect(users.sql).toBe('CREATE TABLE users (id int);')
    expect(users.checksum).toBe(
      createHash('sha256').update('\ufeffCREATE TABLE users (id int);').digest('hex'),
    )
    expect(users.path).toBe(join(dir.path, '0002_users.sql'))
  })

  it('a missing directory is reported as missing, not as an error', async () => {
    expect(await readMigrationFiles(join(dir.path, 'nope'))).toEqual({ missing: true, files: [] })
  })

  it('a path that is a file is MIGRATIONS_PATH_INVALID', async () => {
    write('file', 'x')
    const error = await errorOf(readMigrationFiles(join(dir.path, 'file')))
    expect(error.code).toBe('MIGRATIONS_PATH_INVALID')
    expect(error.message).toContain(join(dir.path, 'file'))
  })

  it('a .sql file of another shape is MIGRATION_NAME_INVALID naming it and the expected shape', async () => {
    write('0001_ok.sql', 'SELECT 1;')
    write('add_users.sql', 'SELECT 2;')
    write('0002_Upper.SQL', 'SELECT 2;')
    const error = await errorOf(readMigrationFiles(dir.path))
    expect(error.code).toBe('MIGRATION_NAME_INVALID')
    expect(error.message).toContain('add_users.sql')
    expect(error.message).toContain('0002_Upper.SQL')
    expect(error.message).toContain('NNNN_name.sql')
    expect(error.issues).toHaveLength(2)
  })

  it('0001 and 1 are one version: MIGRATION_DUPLICATE_VERSION naming both files', async () => {
    write('0001_a.sql', 'SELECT 1;')
    write('1_b.sql', 'SELECT 1;')
    write('0002_c.sql', 'SELECT 1;')
    const error = await errorOf(readMigrationFiles(dir.path))
    expect(error.code).toBe('MIGRATION_DUPLICATE_VERSION')
    expect(error.message).toContain('0001_a.sql')
    expect(error.message).toContain('1_b.sql')
  })
})
