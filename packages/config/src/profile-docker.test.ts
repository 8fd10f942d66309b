import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { activeProfileFile } from './active-profile.js'
import { projectLayout } from './layout.js'
import { readProfileImageSettings, readProfileServerSettings } from './profile-docker.js'

const dirs: string[] = []
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

async function profileFile(content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sp-profile-docker-'))
  dirs.push(dir)
  await mkdir(join(dir, 'local'))
  const file = join(dir, 'local', 'profile.yaml')
  await writeFile(file, content)
  return file
}

describe('readProfileServerSettings', () => {
  it('returns only what the profile writes down, not the schema defaults', async () => {
    const file = await profileFile(
      'name: local\ndocker:\n  postgres_image: postgres:16-alpine\n  shared_port: 5442\n',
    )
    expect(await readProfileServerSettings(file)).toEqual({
      postgres_image: 'postgres:16-alpine',
      shared_port: 5442,
    })
    const all = await profileFile(
      'name: local\ndocker:\n  dedicated_port_start: 6000\n  ready_timeout_seconds: 5\n  variant: production\n',
    )
    expect(await readProfileServerSettings(all)).toEqual({
      dedicated_port_start: 6000,
      ready_timeout_seconds: 5,
    })
    expect(await readProfileServerSettings(await profileFile('name: local\n'))).toEqual({})
  })

  it('is empty for a missing file and refuses an invalid one with its key path', async () => {
    expect(await readProfileServerSettings('/nonexistent/profile.yaml')).toEqual({})
    const file = await profileFile('name: local\ndocker:\n  shared_port: 0\n')
    await expect(readProfileServerSettings(file)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      keyPath: ['docker', 'shared_port'],
    })
  })
})

describe('readProfileImageSettings', () => {
  it('returns only what the profile writes down (the schema says variant local for every profile)', async () => {
    expect(await readProfileImageSettings(await profileFile('name: local\n'))).toEqual({})
    const file = await profileFile(
      'name: local\ndocker:\n  variant: production\n  base_image: debian:bookworm-20250101-slim\nruntime:\n  log_level: trace\n',
    )
    expect(await readProfileImageSettings(file)).toEqual({
      variant: 'production',
      baseImage: 'debian:bookworm-20250101-slim',
      logLevel: 'trace',
    })
  })

  it('is undefined for a missing file and refuses an invalid one with its key path', async () => {
    expect(await readProfileImageSettings('/nonexistent/profile.yaml')).toBeUndefined()
    const file = await profileFile('name: local\ndocker:\n  variant: tiny\n')
    await expect(readProfileImageSettings(file)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      keyPath: ['docker', 'variant'],
    })
  })
})

describe('activeProfileFile', () => {
  const layout = projectLayout('/p')
  it('SYSTEMPROMPT_PROFILE (directory or file, relative to cwd) wins over the fallback profile', () => {
    expect(activeProfileFile(layout, '/x/prod', 'dedi', '/cwd')).toBe('/x/prod/profile.yaml')
    expect(activeProfileFile(layout, 'profiles/prod/profile.yaml', 'dedi', '/cwd')).toBe(
      '/cwd/profiles/prod/profile.yaml',
    )
    expect(activeProfileFile(layout, undefined, 'dedi', '/cwd')).toBe(
      '/p/.systemprompt/profiles/dedi/profile.yaml',
    )
    expect(activeProfileFile(layout, undefined, undefined, '/cwd')).toBeUndefined()
  })
})
