import { mkdir, realpath, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { removeDir, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErrorCode } from './error-codes.js'
import { findProjectRoot, PROJECT_DIR, projectLayout, requireProjectRoot } from './layout.js'

let dir: string
beforeEach(async () => {
  dir = await realpath(tempDir('sp-config-').path)
})
afterEach(async () => {
  removeDir(dir)
})

describe('findProjectRoot', () => {
  it('finds the nearest ancestor with a .systemprompt directory', async () => {
    await mkdir(join(dir, 'outer', PROJECT_DIR), { recursive: true })
    await mkdir(join(dir, 'outer', 'inner', PROJECT_DIR), { recursive: true })
    await mkdir(join(dir, 'outer', 'inner', 'src', 'deep'), { recursive: true })
    expect(findProjectRoot(join(dir, 'outer', 'inner', 'src', 'deep'))).toBe(join(dir, 'outer', 'inner'))
    expect(findProjectRoot(join(dir, 'outer'))).toBe(join(dir, 'outer'))
  })

  it('skips a plain file named .systemprompt and keeps looking upward', async () => {
    await mkdir(join(dir, PROJECT_DIR))
    await mkdir(join(dir, 'sub'))
    await writeFile(join(dir, 'sub', PROJECT_DIR), 'not a directory')
    expect(findProjectRoot(join(dir, 'sub'))).toBe(dir)
  })

  it('returns undefined without a project and requireProjectRoot points to init', async () => {
    await mkdir(join(dir, 'empty'))
    // tmpdir has no .systemprompt above it on these machines; the assertion below would reveal one.
    expect(findProjectRoot(join(dir, 'empty'))).toBeUndefined()
    expect(() => requireProjectRoot(join(dir, 'empty'))).toThrow(
      expect.objectContaining({
        code: ErrorCode.PROJECT_NOT_FOUND,
        fix: expect.stringContaining('systemprompt init'),
      }),
    )
  })
})

describe('projectLayout', () => {
  it('gives the absolute paths of the seed layout', () => {
    const l = projectLayout('/p')
    expect(l.dir).toBe('/p/.systemprompt')
    expect(l.tenantsFile).toBe('/p/.systemprompt/tenants.json')
    expect(l.sharedCompose).toBe('/p/.systemprompt/docker/shared.yaml')
    expect(l.sharedConfig).toBe('/p/.systemprompt/docker/shared_config.json')
    expect(l.sharedPasswordFile).toBe('/p/.systemprompt/docker/.secrets/shared.password')
    expect(l.locksDir).toBe('/p/.systemprompt/.locks')
    expect(l.justfile).toBe('/p/justfile')
    expect(l.tenantCompose('my-project')).toBe('/p/.systemprompt/docker/my-project.yaml')
    expect(l.tenantPasswordFile('t1')).toBe('/p/.systemprompt/docker/.secrets/t1.password')
    expect(l.profileYaml('local')).toBe('/p/.systemprompt/profiles/local/profile.yaml')
    expect(l.profileSecrets('local')).toBe('/p/.systemprompt/profiles/local/secrets.json')
    expect(l.profileDockerfile('production')).toBe('/p/.systemprompt/profiles/production/docker/Dockerfile')
    expect(l.profileDockerignore('local')).toBe(
      '/p/.systemprompt/profiles/local/docker/Dockerfile.dockerignore',
    )
    expect(l.profileEntrypoint('local')).toBe('/p/.systemprompt/profiles/local/docker/entrypoint.sh')
  })

  it('refuses names that would leave the layout', () => {
    const l = projectLayout('/p')
    expect(() => l.tenantCompose('../../etc/passwd')).toThrow(
      expect.objectContaining({ code: ErrorCode.TENANT_NAME_INVALID }),
    )
    expect(() => l.profileDir('..')).toThrow(
      expect.objectContaining({ code: ErrorCode.PROFILE_NAME_INVALID }),
    )
  })
})
