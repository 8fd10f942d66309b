import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { removeDir, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErrorCode } from './error-codes.js'
import { passwordFromFileText, readPasswordFile, requirePasswordFile } from './password-file.js'

let dir: string
beforeEach(async () => {
  dir = tempDir('sp-config-').path
})
afterEach(async () => {
  removeDir(dir)
})

describe('password files', () => {
  it('drop trailing line breaks and nothing else (as the postgres image does)', () => {
    expect(passwordFromFileText('pw\n')).toBe('pw')
    expect(passwordFromFileText('pw\r\n\n')).toBe('pw')
    expect(passwordFromFileText(' pw \t')).toBe(' pw \t')
    expect(passwordFromFileText('p\nw\n')).toBe('p\nw')
  })

  it('readPasswordFile gives undefined for a missing file', async () => {
    expect(await readPasswordFile(join(dir, 'none.password'))).toBeUndefined()
    await writeFile(join(dir, 'a.password'), 'secret\n', { mode: 0o600 })
    expect(await readPasswordFile(join(dir, 'a.password'))).toBe('secret')
  })

  it('requirePasswordFile names what is wrong', async () => {
    const missing = join(dir, 'none.password')
    await expect(requirePasswordFile(missing)).rejects.toMatchObject({
      code: ErrorCode.PASSWORD_FILE_MISSING,
      file: missing,
    })
    const empty = join(dir, 'empty.password')
    await writeFile(empty, '\n', { mode: 0o600 })
    await expect(requirePasswordFile(empty)).rejects.toMatchObject({ code: ErrorCode.PASSWORD_FILE_EMPTY })
    const directory = join(dir)
    await expect(requirePasswordFile(directory)).rejects.toMatchObject({ code: ErrorCode.CONFIG_UNREADABLE })
  })
})
