import { mkdir, writeFile } from 'node:fs/promises'
import { projectLayout, readCliEnv } from '@systemprompt/config'
import { tempDir } from '@systemprompt/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { dbSettings, dedicatedProfileOf } from './settings.js'

const dirs: { remove(): void }[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove()
})

async function projectWithProfile(name: string, yaml: string) {
  const dir = tempDir('sp-settings-')
  dirs.push(dir)
  const layout = projectLayout(dir.path)
  await mkdir(layout.profileDir(name), { recursive: true })
  await writeFile(layout.profileYaml(name), yaml)
  return layout
}

const PROFILE = `name: local
docker:
  postgres_image: postgres:16-alpine
  shared_port: 5442
  dedicated_port_start: 6000
  ready_timeout_seconds: 7
`

describe('dbSettings: env wins over profile, profile over default', () => {
  it('takes the active profile’s docker settings (SYSTEMPROMPT_PROFILE)', async () => {
    const layout = await projectWithProfile('local', PROFILE)
    const env = readCliEnv({ HOME: '/home/u', SYSTEMPROMPT_PROFILE: layout.profileDir('local') })
    const { server, timeoutMs } = await dbSettings(layout, { env })
    expect(server).toEqual({
      dataDir: '/home/u/.local/share/systemprompt',
      dockerEnv: { HOME: '/home/u' },
      image: 'postgres:16-alpine',
      sharedPort: 5442,
      dedicatedPortStart: 6000,
    })
    expect(timeoutMs).toBe(7000)
  })

  it('SYSTEMPROMPT_POSTGRES_IMAGE and --timeout win over the profile; instance and labels pass through', async () => {
    const layout = await projectWithProfile('local', PROFILE)
    const env = readCliEnv({
      HOME: '/home/u',
      SYSTEMPROMPT_PROFILE: layout.profileYaml('local'),
      SYSTEMPROMPT_POSTGRES_IMAGE: 'postgres:15',
      SYSTEMPROMPT_INSTANCE: 'bench-1',
      SYSTEMPROMPT_LABELS: 'a=1',
    })
    const { server, timeoutMs } = await dbSettings(layout, { env, timeoutFlag: 3 })
    expect(server).toMatchObject({
      postgresImage: 'postgres:15',
      image: 'postgres:16-alpine',
      instance: 'bench-1',
    })
    expect(server.labels).toEqual({ a: '1' })
    expect(timeoutMs).toBe(3000)
  })

  it('a tenant’s own profile applies to its server; with no profile only the built-in default timeout', async () => {
    const layout = await projectWithProfile('dedi', PROFILE.replace('name: local', 'name: dedi'))
    const env = readCliEnv({ HOME: '/home/u' })
    const fallbackProfile = await dedicatedProfileOf(layout, 'dedi')
    expect((await dbSettings(layout, { env, fallbackProfile })).server.dedicatedPortStart).toBe(6000)
    // A bad tenant name is the registry's to refuse (with the naming rule), not a profile lookup error here.
    expect(await dedicatedProfileOf(layout, '../etc')).toBeUndefined()
    expect((await dbSettings(layout, { env, fallbackProfile: '' })).server).not.toHaveProperty(
      'dedicatedPortStart',
    )
    expect((await dbSettings(layout, { env, fallbackProfile: '../etc' })).server).not.toHaveProperty('image')
    const shared = await dbSettings(layout, { env })
    expect(shared.server).toEqual({
      dataDir: '/home/u/.local/share/systemprompt',
      dockerEnv: { HOME: '/home/u' },
    })
    expect(shared.timeoutMs).toBe(60_000)
  })

  it('a broken profile blocks nothing that tolerates it (delete), and is an error elsewhere', async () => {
    const layout = await projectWithProfile('dedi', 'name: dedi\ndocker:\n  shared_port: nope\n')
    const env = readCliEnv({ HOME: '/home/u' })
    await expect(dbSettings(layout, { env, fallbackProfile: 'dedi' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    })
    const tolerated = await dbSettings(layout, { env, fallbackProfile: 'dedi', tolerateBadProfile: true })
    expect(tolerated.server).not.toHaveProperty('sharedPort')
    expect(tolerated.warnings[0]).toMatch(/Ignored the docker settings of .*profile\.yaml/)
  })

  it('schema defaults in a profile are not counted as the profile’s wish', async () => {
    const layout = await projectWithProfile('local', 'name: local\ndocker:\n  variant: production\n')
    const env = readCliEnv({ HOME: '/home/u', SYSTEMPROMPT_PROFILE: layout.profileDir('local') })
    const { server } = await dbSettings(layout, { env })
    expect(server).not.toHaveProperty('image')
    expect(server).not.toHaveProperty('sharedPort')
  })
})
