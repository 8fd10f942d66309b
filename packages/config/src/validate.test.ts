import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { removeDir, snapshotTree, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErrorCode } from './error-codes.js'
import { projectLayout } from './layout.js'
import { validateProject } from './validate.js'

let root: string
beforeEach(async () => {
  root = tempDir('sp-config-').path
})
afterEach(async () => {
  removeDir(root)
})

const NOW = '2026-02-01T12:00:00.000Z'

async function goodProject() {
  const l = projectLayout(root)
  await mkdir(l.profileDockerDir('local'), { recursive: true })
  await mkdir(l.secretsDir, { recursive: true })
  await writeFile(l.profileYaml('local'), 'name: local\ntenant: demo\n')
  await writeFile(
    l.profileSecrets('local'),
    JSON.stringify({ jwt_secret: 'j'.repeat(64), database_url: 'postgres://demo:pw@127.0.0.1:5432/demo' }),
    { mode: 0o600 },
  )
  await writeFile(
    l.tenantsFile,
    JSON.stringify({
      project_id: 'abcd1234',
      tenants: [
        {
          name: 'demo',
          database: 'shared',
          state: 'ready',
          profile: 'local',
          created_at: NOW,
          updated_at: NOW,
        },
      ],
    }),
    { mode: 0o600 },
  )
  await writeFile(
    l.sharedConfig,
    JSON.stringify({ admin_password: 'pw', port: 5432, tenant_databases: [] }),
    { mode: 0o600 },
  )
  await writeFile(l.sharedCompose, 'services:\n  postgres:\n    image: postgres:17-alpine\n')
  await writeFile(l.sharedPasswordFile, 'pw', { mode: 0o600 })
  return l
}

describe('validateProject', () => {
  it('finds nothing wrong in a good project', async () => {
    await goodProject()
    expect(await validateProject(root)).toEqual([])
  })

  it('reports every problem of every file, with lines, and writes nothing', async () => {
    const l = await goodProject()
    await writeFile(l.profileYaml('local'), 'name: local\nserver:\n  port: 0\n')
    await writeFile(l.tenantsFile, '{"project_id": "abcd1234",}', { mode: 0o600 })
    await writeFile(l.tenantCompose('demo'), 'services:\n  postgres: [\n')
    await chmod(l.profileSecrets('local'), 0o644)
    await mkdir(l.profileDir('broken'))
    await writeFile(l.profileYaml('broken'), 'name: other\n')
    const before = snapshotTree(root)

    const issues = await validateProject(root)
    const summary = issues.map((i) => [i.code, i.file?.slice(root.length + 1), i.line, i.severity ?? 'error'])
    expect(summary).toEqual(
      expect.arrayContaining([
        [ErrorCode.CONFIG_JSON_SYNTAX, '.systemprompt/tenants.json', 1, 'error'],
        [ErrorCode.CONFIG_YAML_SYNTAX, '.systemprompt/docker/demo.yaml', 3, 'error'],
        [ErrorCode.CONFIG_INVALID, '.systemprompt/profiles/local/profile.yaml', 3, 'error'],
        [ErrorCode.CONFIG_INSECURE_MODE, '.systemprompt/profiles/local/secrets.json', undefined, 'warning'],
        [ErrorCode.CONFIG_INVALID, '.systemprompt/profiles/broken/profile.yaml', undefined, 'error'],
      ]),
    )
    expect(issues).toHaveLength(5)
    expect(snapshotTree(root)).toEqual(before)
  })

  it('reports a file where a directory should be', async () => {
    const l = projectLayout(root)
    await mkdir(l.dir)
    await writeFile(l.profilesDir, 'not a directory')
    await mkdir(l.dockerDir)
    await writeFile(l.secretsDir, 'nope')
    const issues = await validateProject(root)
    expect(issues.map((i) => [i.code, i.file])).toEqual([
      [ErrorCode.CONFIG_NOT_A_DIRECTORY, l.secretsDir],
      [ErrorCode.CONFIG_NOT_A_DIRECTORY, l.profilesDir],
    ])
    expect(issues[0]?.fix).toContain(l.secretsDir)
  })

  it('reports a project that is not initialised', async () => {
    expect((await validateProject(join(root, 'none')))[0]?.code).toBe(ErrorCode.PROJECT_NOT_FOUND)
  })
})
