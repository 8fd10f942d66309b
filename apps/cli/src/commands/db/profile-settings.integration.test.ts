import { mkdirSync, writeFileSync } from 'node:fs'
import { projectLayout, TenantsFileSchema, updateJsonFile } from '@systemprompt/config'
import { cliTestEnv, freePort, newRunId, removeRun, runCli, tempDir, testImage } from '@systemprompt/testkit'
import { afterAll, describe, expect, it } from 'vitest'

// The profile's docker settings reach the servers (they had schemas and defaults but nothing read them):
// env wins over the profile, the profile over what the project recorded and the built-in defaults.
const run = newRunId()
const dataDir = tempDir('sp-profile-settings-data-')
const projects: { remove(): void }[] = []
// No SYSTEMPROMPT_POSTGRES_IMAGE: the profile has to name the image (empty counts as unset).
const env = { ...cliTestEnv(run), SYSTEMPROMPT_DATA_DIR: dataDir.path, SYSTEMPROMPT_POSTGRES_IMAGE: '' }

afterAll(() => {
  removeRun(run)
  for (const p of projects) p.remove()
  dataDir.remove()
})

function project(): string {
  const dir = tempDir('sp-profile-settings-')
  projects.push(dir)
  mkdirSync(projectLayout(dir.path).dir)
  return dir.path
}

function writeProfile(root: string, name: string, docker: Record<string, string | number>): string {
  const layout = projectLayout(root)
  mkdirSync(layout.profileDir(name), { recursive: true })
  const lines = Object.entries(docker).map(([key, value]) => `  ${key}: ${value}`)
  writeFileSync(layout.profileYaml(name), `name: ${name}\ndocker:\n${lines.join('\n')}\n`)
  return layout.profileDir(name)
}

describe('profile docker settings (real binary)', () => {
  it('db up uses the active profile’s postgres_image and shared_port; SYSTEMPROMPT_POSTGRES_IMAGE wins', async () => {
    const root = project()
    const port = await freePort()
    const profile = writeProfile(root, 'local', { postgres_image: testImage(), shared_port: port })
    const cli = (args: string[], extra: Record<string, string> = {}) =>
      runCli(args, { cwd: root, env: { ...env, SYSTEMPROMPT_PROFILE: profile, ...extra } })

    const up = cli(['db', 'up', '--json'])
    expect(up.status, up.stderr).toBe(0)
    expect(up.json?.result).toMatchObject({ action: 'created', port, image: testImage() })

    // The environment wins over the profile: this image does not exist, so the attempt is refused.
    const missing = `sp-test-missing/${run}:nope`
    const refused = cli(['db', 'up', '--json'], { SYSTEMPROMPT_POSTGRES_IMAGE: missing })
    expect(refused.json?.error?.code).toBe('IMAGE_MISSING')

    // The profile's port shapes a new server only: changed later, it does not move the machine-wide server.
    writeProfile(root, 'local', { postgres_image: testImage(), shared_port: port + 1 })
    const kept = cli(['db', 'up', '--json'])
    expect(kept.json?.result).toMatchObject({ action: 'unchanged', port })

    // Without a profile, the recorded image and port stay: the built-in defaults do not move the server.
    const plain = runCli(['db', 'up', '--json'], { cwd: root, env })
    expect(plain.json?.result).toMatchObject({ action: 'unchanged', port, image: testImage() })
  })

  it('a dedicated server starts its port search at the tenant profile’s dedicated_port_start', async () => {
    const root = project()
    const start = await freePort()
    const tenant = `p${run}`
    writeProfile(root, tenant, { postgres_image: testImage(), dedicated_port_start: start })
    const now = new Date().toISOString()
    await updateJsonFile(projectLayout(root).tenantsFile, TenantsFileSchema, (current) => ({
      ...(current ?? TenantsFileSchema.parse({ project_id: 'abcd1234' })),
      tenants: [
        {
          name: tenant,
          database: 'dedicated' as const,
          state: 'pending' as const,
          profile: tenant,
          created_at: now,
          updated_at: now,
        },
      ],
    }))
    const up = runCli(['db', 'up', tenant, '--json'], { cwd: root, env })
    expect(up.status, up.stderr).toBe(0)
    expect(up.json?.result).toMatchObject({ action: 'created', port: start, image: testImage() })
  })
})
