import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadProfile, loadSecrets, projectLayout, writeProfileFiles } from '@systemprompt/config'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { listProfiles, showProfile } from './profile-files.js'
import { createProfile, deleteProfile } from './service.js'

let root: string
const URL = 'postgresql://sp_a_x:pw0123456789@127.0.0.1:5432/sp_a_x'
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sp-registry-profile-'))
  await mkdir(join(root, '.systemprompt'), { recursive: true })
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('profiles', () => {
  it('create writes the image files too: Dockerfile, Dockerfile.dockerignore, entrypoint.sh (0755)', async () => {
    const layout = projectLayout(root)
    const made = await createProfile({ root, name: 'production', databaseUrl: URL, target: 'cloud' })
    expect(made.dockerFiles).toEqual([
      '.systemprompt/profiles/production/docker/Dockerfile',
      '.systemprompt/profiles/production/docker/entrypoint.sh',
      '.systemprompt/profiles/production/docker/Dockerfile.dockerignore',
    ])
    expect(await readFile(layout.profileDockerfile('production'), 'utf8')).toMatch(/^USER 10001:10001$/m)
    expect((await stat(layout.profileEntrypoint('production'))).mode & 0o777).toBe(0o755)
    expect(await readFile(layout.profileDockerignore('production'), 'utf8')).toContain('**/secrets.json')
  })

  it('create refuses an MCP server the image cannot copy before writing the profile', async () => {
    const layout = projectLayout(root)
    await mkdir(join(layout.mcpSourcesDir, 'bad name'), { recursive: true })
    await writeFile(join(layout.mcpSourcesDir, 'bad name', 'package.json'), '{}')
    await expect(createProfile({ root, name: 'production', databaseUrl: URL })).rejects.toMatchObject({
      code: 'DOCKERFILE_INPUT_INVALID',
    })
    await expect(stat(layout.profileDir('production'))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('writes profile.yaml and a 0600 secrets.json with a 64-char jwt_secret', async () => {
    const layout = projectLayout(root)
    await writeProfileFiles(layout, { name: 'alpha', tenant: 'alpha', databaseUrl: URL })
    expect(await loadProfile(layout.profileYaml('alpha'))).toMatchObject({
      name: 'alpha',
      tenant: 'alpha',
      target: 'local',
    })
    const secrets = await loadSecrets(layout.profileSecrets('alpha'))
    expect(secrets).toMatchObject({ database_url: URL, openai_api_key: null })
    expect(secrets.jwt_secret).toMatch(/^[0-9a-f]{64}$/)
    expect((await stat(layout.profileSecrets('alpha'))).mode & 0o777).toBe(0o600)
  })

  it('keepSecrets keeps jwt_secret and API keys but takes the new URL', async () => {
    const layout = projectLayout(root)
    await writeProfileFiles(layout, { name: 'alpha', databaseUrl: URL })
    const first = JSON.parse(await readFile(layout.profileSecrets('alpha'), 'utf8'))
    first.openai_api_key = 'sk-kept'
    await writeFile(layout.profileSecrets('alpha'), JSON.stringify(first), { mode: 0o600 })
    const other = URL.replace('pw0123456789', 'new')
    await writeProfileFiles(layout, { name: 'alpha', databaseUrl: other, keepSecrets: true })
    const second = await loadSecrets(layout.profileSecrets('alpha'))
    expect(second).toMatchObject({
      jwt_secret: first.jwt_secret,
      openai_api_key: 'sk-kept',
      database_url: other,
    })
  })

  it('show, create and list return the real values (the CLI masks them)', async () => {
    expect(
      (await createProfile({ root, name: 'staging', databaseUrl: URL, target: 'cloud' })).databaseUrl,
    ).toBe(URL)
    const shown = await showProfile(root, 'staging')
    expect(shown.secrets?.database_url).toBe(URL)
    expect(shown.secrets?.jwt_secret).toMatch(/^[0-9a-f]{64}$/)
    expect(shown.secrets?.anthropic_api_key).toBeNull()
    expect(await listProfiles(root)).toEqual([
      expect.objectContaining({
        name: 'staging',
        target: 'cloud',
        databaseUrl: URL,
      }),
    ])
  })

  it('refuses duplicates, bad names, bad URLs and a missing database', async () => {
    await createProfile({ root, name: 'staging', databaseUrl: URL })
    await expect(createProfile({ root, name: 'staging', databaseUrl: URL })).rejects.toMatchObject({
      code: 'PROFILE_EXISTS',
    })
    await expect(createProfile({ root, name: '../x', databaseUrl: URL })).rejects.toMatchObject({
      code: 'PROFILE_NAME_INVALID',
    })
    await expect(createProfile({ root, name: 'p2', databaseUrl: 'mysql://x' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    })
    await expect(createProfile({ root, name: 'p3' })).rejects.toMatchObject({ code: 'USAGE' })
    await expect(createProfile({ root, name: 'p4', tenant: 'nobody' })).rejects.toMatchObject({
      code: 'TENANT_NOT_FOUND',
    })
  })

  it('list reads the profiles at once but reports the first broken one in name order', async () => {
    const layout = projectLayout(root)
    for (const name of ['alpha', 'beta', 'gamma']) await createProfile({ root, name, databaseUrl: URL })
    // gamma's profile.yaml and beta's secrets.json are broken: beta comes first by name.
    await writeFile(layout.profileYaml('gamma'), 'name: [unclosed\n')
    await writeFile(layout.profileSecrets('beta'), '{"database_url": 5}', { mode: 0o600 })
    await expect(listProfiles(root)).rejects.toMatchObject({ file: layout.profileSecrets('beta') })
    // beta's profile.yaml broken too: its profile.yaml is reported before its secrets.json.
    await writeFile(layout.profileYaml('beta'), 'name: [unclosed\n')
    await expect(listProfiles(root)).rejects.toMatchObject({ file: layout.profileYaml('beta') })
    await rm(layout.profileDir('beta'), { recursive: true })
    await expect(listProfiles(root)).rejects.toMatchObject({ file: layout.profileYaml('gamma') })
    await rm(layout.profileDir('gamma'), { recursive: true })
    expect((await listProfiles(root)).map((p) => p.name)).toEqual(['alpha'])
  })

  it('delete removes the directory; unknown profile is PROFILE_NOT_FOUND', async () => {
    await createProfile({ root, name: 'staging', databaseUrl: URL })
    await deleteProfile({ root, name: 'staging' })
    expect(await listProfiles(root)).toEqual([])
    await expect(deleteProfile({ root, name: 'staging' })).rejects.toMatchObject({
      code: 'PROFILE_NOT_FOUND',
    })
  })
})
