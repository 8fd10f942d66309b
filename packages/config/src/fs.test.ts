import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { removeDir, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErrorCode } from './error-codes.js'
import { SECRET_FILE_MODE, writeFileAtomic } from './fs.js'

let dir: string
beforeEach(async () => {
  dir = tempDir('sp-config-').path
})
afterEach(async () => {
  removeDir(dir)
})

const modeOf = async (path: string) => (await stat(path)).mode & 0o777

describe('writeFileAtomic', () => {
  it('creates parent directories (0700 for .secrets) and writes the exact mode despite the umask', async () => {
    const file = join(dir, 'docker', '.secrets', 'shared.password')
    const previous = process.umask(0o000)
    try {
      await writeFileAtomic(file, 'pw', { mode: SECRET_FILE_MODE })
    } finally {
      process.umask(previous)
    }
    expect(await readFile(file, 'utf8')).toBe('pw')
    expect(await modeOf(file)).toBe(0o600)
    expect(await modeOf(join(dir, 'docker', '.secrets'))).toBe(0o700)
    expect(await modeOf(join(dir, 'docker'))).toBe(0o755)
  })

  it('replaces an existing file, resets its mode and leaves no temp file', async () => {
    const file = join(dir, 'tenants.json')
    await writeFile(file, 'old', { mode: 0o644 })
    await writeFileAtomic(file, new TextEncoder().encode('new'), { mode: 0o600 })
    expect(await readFile(file, 'utf8')).toBe('new')
    expect(await modeOf(file)).toBe(0o600)
    expect(await readdir(dir)).toEqual(['tenants.json'])
  })

  it('refuses a directory in place of the file and writes nothing', async () => {
    const file = join(dir, 'shared_config.json')
    await mkdir(file)
    await expect(writeFileAtomic(file, '{}')).rejects.toMatchObject({
      code: ErrorCode.CONFIG_NOT_A_FILE,
      file,
    })
    expect(await readdir(dir)).toEqual(['shared_config.json'])
    expect(await readdir(file)).toEqual([])
  })

  it('names the file that blocks a parent directory', async () => {
    await writeFile(join(dir, 'profiles'), 'oops')
    await expect(
      writeFileAtomic(join(dir, 'profiles', 'local', 'profile.yaml'), 'name: local\n'),
    ).rejects.toMatchObject({
      code: ErrorCode.CONFIG_NOT_A_DIRECTORY,
      file: join(dir, 'profiles'),
    })
    expect(await readFile(join(dir, 'profiles'), 'utf8')).toBe('oops')
  })

  it('readers never see a partial file while many writers race', async () => {
    const file = join(dir, 'big.json')
    const bodies = Array.from({ length: 8 }, (_, i) =>
      JSON.stringify({ writer: i, fill: 'x'.repeat(200_000) }),
    )
    await writeFileAtomic(file, bodies[0] as string)
    const reads: Promise<string>[] = []
    await Promise.all(
      bodies.map(async (body) => {
        reads.push(readFile(file, 'utf8'))
        await writeFileAtomic(file, body)
        reads.push(readFile(file, 'utf8'))
      }),
    )
    for (const text of await Promise.all(reads)) expect(bodies).toContain(text)
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([])
  })
})
