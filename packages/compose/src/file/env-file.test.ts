import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeComposeProjectEnv } from './env-file.js'

describe('writeComposeProjectEnv', () => {
  let dockerDir: string
  beforeEach(async () => {
    dockerDir = join(await mkdtemp(join(tmpdir(), 'sp-compose-env-')), 'docker')
  })
  afterEach(async () => {
    await rm(join(dockerDir, '..'), { recursive: true, force: true })
  })
  const envFile = () => join(dockerDir, '.env')

  it('creates .env (0644) with the compose project, once', async () => {
    expect(await writeComposeProjectEnv(dockerDir, 'systemprompt-a1b2c3d4')).toBe(true)
    expect(await readFile(envFile(), 'utf8')).toBe('COMPOSE_PROJECT_NAME=systemprompt-a1b2c3d4\n')
    expect((await stat(envFile())).mode & 0o777).toBe(0o644)
    expect(await writeComposeProjectEnv(dockerDir, 'systemprompt-a1b2c3d4')).toBe(false)
    expect(await readdir(dockerDir)).toEqual(['.env'])
  })

  it('keeps every line a user added and replaces only our key', async () => {
    await writeComposeProjectEnv(dockerDir, 'x')
    await writeFile(
      envFile(),
      '# mine\nFOO=1\nexport COMPOSE_PROJECT_NAME=docker\nBAR="two words"\nCOMPOSE_PROJECT_NAME=again\n',
    )
    expect(await writeComposeProjectEnv(dockerDir, 'systemprompt-a1b2c3d4')).toBe(true)
    expect(await readFile(envFile(), 'utf8')).toBe(
      '# mine\nFOO=1\nCOMPOSE_PROJECT_NAME=systemprompt-a1b2c3d4\nBAR="two words"\n',
    )
  })

  it('appends our key to a file without it', async () => {
    await writeComposeProjectEnv(dockerDir, 'x')
    await writeFile(envFile(), 'FOO=1')
    await writeComposeProjectEnv(dockerDir, 'systemprompt-a1b2c3d4')
    expect(await readFile(envFile(), 'utf8')).toBe('FOO=1\nCOMPOSE_PROJECT_NAME=systemprompt-a1b2c3d4\n')
  })

  it('rejects a relative directory', async () => {
    await expect(writeComposeProjectEnv('docker', 'x')).rejects.toMatchObject({
      code: 'INTERNAL_RELATIVE_PATH',
    })
  })
})
