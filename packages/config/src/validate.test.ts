import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { removeDir, snapshotTree, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErrorCode } from './error-codes.js'
import { SystempromptError } from './errors.js'
import { projectLayout } from './layout.js'
import { loadSecrets, loadSharedConfig, loadTenantsFile } from './load.js'
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
    // In the report's fixed order (the files are read at once): tenants.json, docker/, then profiles by name.
    expect(summary).toEqual([
      [ErrorCode.CONFIG_JSON_SYNTAX, '.systemprompt/tenants.json', 1, 'error'],
      [ErrorCode.CONFIG_YAML_SYNTAX, '.systemprompt/docker/demo.yaml', 3, 'error'],
      [ErrorCode.CONFIG_INVALID, '.systemprompt/profiles/broken/profile.yaml', undefined, 'error'],
      [ErrorCode.CONFIG_INVALID, '.systemprompt/profiles/local/profile.yaml', 3, 'error'],
      [ErrorCode.CONFIG_INSECURE_MODE, '.systemprompt/profiles/local/secrets.json', undefined, 'warning'],
    ])
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

  it('reports a profile whose tenant tenants.json does not list, at the tenant: line', async () => {
    const l = await goodProject()
    await writeFile(l.profileYaml('local'), 'name: local\ntenant: ghost\n')
    const issues = await validateProject(root)
    expect(issues).toEqual([
      expect.objectContaining({
        code: ErrorCode.TENANT_NOT_FOUND,
        file: l.profileYaml('local'),
        keyPath: ['tenant'],
        line: 2,
        fix: expect.stringContaining('systemprompt cloud tenant create --name ghost'),
      }),
    ])
  })

  it('refuses database and role names with quotes, as every command loading the file does', async () => {
    const l = await goodProject()
    const tenants = {
      project_id: 'abcd1234',
      tenants: [
        {
          name: 'demo',
          database: 'shared',
          state: 'ready',
          database_name: 'sp_demo"; DROP DATABASE x; --',
          role_name: "sp_'demo",
          profile: 'local',
          created_at: NOW,
          updated_at: NOW,
        },
      ],
    }
    await writeFile(l.tenantsFile, JSON.stringify(tenants, null, 2), { mode: 0o600 })
    const shared = { admin_password: 'pw', tenant_databases: [{ tenant_id: 'demo', database_name: 'a"b' }] }
    await writeFile(l.sharedConfig, JSON.stringify(shared, null, 2), { mode: 0o600 })
    const issues = await validateProject(root)
    expect(issues.map((i) => [i.code, i.file, i.keyPath?.join('.')])).toEqual([
      [ErrorCode.CONFIG_INVALID, l.tenantsFile, 'tenants.0.database_name'],
      [ErrorCode.CONFIG_INVALID, l.tenantsFile, 'tenants.0.role_name'],
      [ErrorCode.CONFIG_INVALID, l.sharedConfig, 'tenant_databases.0.database_name'],
    ])
    expect(issues[0]?.line).toBe(8)
    // The same schema is what the stores (and so every command) load with.
    await expect(loadTenantsFile(l.tenantsFile)).rejects.toMatchObject({ code: ErrorCode.CONFIG_INVALID })
    await expect(loadSharedConfig(l.sharedConfig)).rejects.toMatchObject({ code: ErrorCode.CONFIG_INVALID })
  })

  it.each([
    [
      'a 20 MB database_url',
      `postgres://demo:${'p'.repeat(20 * 1024 * 1024)}@127.0.0.1:5432/demo`,
      'at most 4096',
    ],
    ['a database_url without a user', 'postgres://127.0.0.1:5432/demo', 'it names no user'],
    ['a database_url without a database', 'postgres://demo:pw@127.0.0.1:5432', 'it names no database'],
  ])(
    'refuses %s in secrets.json (commands load it with the same schema)',
    async (_what, url, rule) => {
      const l = await goodProject()
      const secrets = { jwt_secret: 'j'.repeat(64), database_url: url }
      await writeFile(l.profileSecrets('local'), JSON.stringify(secrets, null, 2), { mode: 0o600 })
      const issues = await validateProject(root)
      expect(issues).toHaveLength(1)
      expect(issues[0]).toMatchObject({
        code: ErrorCode.CONFIG_INVALID,
        file: l.profileSecrets('local'),
        keyPath: ['database_url'],
        line: 3,
      })
      expect(issues[0]?.message).toContain(rule)
      expect(issues[0]?.message.length).toBeLessThan(300)
      expect(issues[0]?.fix).toBeTruthy()
      const loaded = await loadSecrets(l.profileSecrets('local')).catch((e: unknown) => e)
      expect(loaded).toMatchObject({ code: ErrorCode.CONFIG_INVALID })
      expect((loaded as Error).message).toContain(rule)
    },
    60_000,
  ) // 20 MB through JSON, zod and the position finder: ~1.2 s alone, over 10 s on a loaded CI machine

  it('reads compose files with the checker it is given, after their YAML syntax', async () => {
    const l = await goodProject()
    await writeFile(l.tenantCompose('demo'), 'services: [\n')
    const seen: string[] = []
    const issues = await validateProject(root, {
      checkComposeFile: (_text, file) => {
        seen.push(file)
        throw new SystempromptError({
          code: ErrorCode.COMPOSE_INVALID,
          file,
          message: 'two problems',
          fix: 'Fix the file by hand',
          issues: [
            {
              code: ErrorCode.COMPOSE_INVALID,
              file,
              line: 3,
              message: 'ports.0: must publish on 127.0.0.1 only',
            },
            { code: ErrorCode.COMPOSE_INVALID, file, line: 4, message: 'image is missing' },
          ],
        })
      },
    })
    expect(seen).toEqual([l.sharedCompose])
    expect(issues.map((i) => [i.code, i.file, i.line, i.fix])).toEqual([
      [ErrorCode.CONFIG_YAML_SYNTAX, l.tenantCompose('demo'), 2, expect.any(String)],
      [ErrorCode.COMPOSE_INVALID, l.sharedCompose, 3, 'Fix the file by hand'],
      [ErrorCode.COMPOSE_INVALID, l.sharedCompose, 4, 'Fix the file by hand'],
    ])
  })

  it('reports a project that is not initialised', async () => {
    expect((await validateProject(join(root, 'none')))[0]?.code).toBe(ErrorCode.PROJECT_NOT_FOUND)
  })
})
