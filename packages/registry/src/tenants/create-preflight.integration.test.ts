/**
 * `createTenant` refuses before its first write or server call (issue 8): a profile path that cannot be
 * written, a broken secrets.json of a resumed profile, a --database-url that breaks the rule. And a wrong
 * password in an external URL gets a fix about that URL, not about our admin role.
 */
import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { projectLayout } from '@systemprompt/config'
import { withClient } from '@systemprompt/pg'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { listServerDatabases, listServerRoles } from '../server/inventory.js'
import { startTestPostgres, type TestPostgres } from '../test-support/postgres.js'
import { makeTestProject, type TestProject } from '../test-support/project.js'
import { createTenant } from './create.js'
import type { ServerProvider } from './servers.js'

let server: TestPostgres
let project: TestProject
let projects = 0
/** Calls the create made to its server provider: none may happen before a refusal. */
let providerCalls: string[]
let servers: ServerProvider

beforeAll(async () => {
  server = await startTestPostgres('preflight')
})

beforeEach(async () => {
  projects += 1
  project = await makeTestProject(server, `pre${String(projects).padStart(5, '0')}`)
  providerCalls = []
  servers = {
    shared: async (request) => {
      providerCalls.push('shared')
      return project.servers.shared(request)
    },
    dedicated: async () => {
      providerCalls.push('dedicated')
      throw new Error('not reached')
    },
    removeDedicated: async () => {
      providerCalls.push('removeDedicated')
    },
  }
})

afterEach(async () => {
  await project?.remove()
})

afterAll(async () => {
  await server?.stop()
})

/** What a create could change: the two record files and the server's databases and roles. */
async function state(): Promise<Record<string, unknown>> {
  const layout = projectLayout(project.root)
  const server = await withClient(project.admin, async (c) => ({
    databases: (await listServerDatabases(c)).map((d) => d.name).sort(),
    roles: (await listServerRoles(c, 'sp_')).map((r) => r.name).sort(),
  }))
  return {
    tenants: readFileSync(layout.tenantsFile, 'utf8'),
    sharedConfig: readFileSync(layout.sharedConfig, 'utf8'),
    ...server,
  }
}

async function refusal(
  options: Partial<Parameters<typeof createTenant>[0]>,
): Promise<Record<string, unknown>> {
  const error = await createTenant({
    root: project.root,
    name: 'acme',
    database: 'shared',
    servers,
    ...options,
  }).then(
    () => {
      throw new Error('the create succeeded')
    },
    (e: unknown) => e as Record<string, unknown>,
  )
  return error
}

describe('createTenant pre-flight: nothing changes before a refusal', () => {
  it.each(['shared', 'dedicated'] as const)(
    '%s: the profile path is a regular file → CONFIG_NOT_A_DIRECTORY, no record, no database',
    async (database) => {
      const layout = projectLayout(project.root)
      await mkdir(layout.profilesDir, { recursive: true })
      await writeFile(layout.profileDir('acme'), 'not a directory\n')
      const before = await state()

      const error = await refusal({ database })
      expect(error).toMatchObject({ code: 'CONFIG_NOT_A_DIRECTORY', file: layout.profileDir('acme') })
      expect(String(error.message)).toContain('nothing was created')
      expect(String(error.fix)).toContain('--profile')
      expect(providerCalls).toEqual([])
      expect(await state()).toEqual(before)
    },
  )

  it('profiles/ itself is a file → refused the same way', async () => {
    const layout = projectLayout(project.root)
    await writeFile(layout.profilesDir, 'x')
    const before = await state()
    expect(await refusal({})).toMatchObject({ code: 'CONFIG_NOT_A_DIRECTORY', file: layout.profilesDir })
    expect(await state()).toEqual(before)
  })

  it("the profile's secrets.json is a directory → CONFIG_NOT_A_FILE", async () => {
    const layout = projectLayout(project.root)
    await mkdir(layout.profileSecrets('acme'), { recursive: true })
    const before = await state()
    expect(await refusal({})).toMatchObject({
      code: 'CONFIG_NOT_A_FILE',
      file: layout.profileSecrets('acme'),
    })
    expect(await state()).toEqual(before)
  })

  it('a resumed profile whose secrets.json is broken → its parse error, before the database exists', async () => {
    const layout = projectLayout(project.root)
    await mkdir(layout.profileDir('acme'), { recursive: true })
    await writeFile(layout.profileYaml('acme'), 'name: acme\ntenant: acme\n')
    await writeFile(layout.profileSecrets('acme'), '{"jwt_secret": ', { mode: 0o600 })
    const before = await state()
    expect(await refusal({})).toMatchObject({
      code: 'CONFIG_JSON_SYNTAX',
      file: layout.profileSecrets('acme'),
    })
    expect(providerCalls).toEqual([])
    expect(await state()).toEqual(before)
  })

  it('a broken shared_config.json → refused before the database exists', async () => {
    const layout = projectLayout(project.root)
    await writeFile(layout.sharedConfig, '{"admin_password": 1}', { mode: 0o600 })
    const before = await state()
    expect(await refusal({})).toMatchObject({ code: 'CONFIG_INVALID', file: layout.sharedConfig })
    expect(await state()).toEqual(before)
  })

  it('--database-url without a user → DATABASE_URL_INVALID naming the rule', async () => {
    const before = await state()
    const error = await refusal({ database: 'external', databaseUrl: 'postgres://' })
    expect(error).toMatchObject({ code: 'DATABASE_URL_INVALID', category: 'user' })
    expect(String(error.message)).toContain('it names no host')
    expect(await state()).toEqual(before)
    const noUser = await refusal({
      database: 'external',
      databaseUrl: `postgres://127.0.0.1:${server.port}/x`,
    })
    expect(String(noUser.message)).toBe('--database-url is invalid: it names no user')
  })
})

describe('an external URL with a wrong password', () => {
  it('DATABASE_AUTH_FAILED with a fix about that URL, nothing written', async () => {
    const before = await state()
    // The issue's own example: a user of the user's, a wrong password, on a server that answers.
    const url = `postgres://u:wrong-password-x9@127.0.0.1:${server.port}/db`
    const error = await refusal({ database: 'external', databaseUrl: url })
    expect(error).toMatchObject({ code: 'DATABASE_AUTH_FAILED', category: 'database' })
    expect(String(error.fix)).toContain('database URL you gave')
    expect(String(error.fix)).toContain('"u"')
    expect(String(error.fix)).not.toMatch(/admin/i)
    expect(String(error.fix)).not.toContain('db doctor')
    expect(String(error.message)).not.toContain('wrong-password-x9')
    expect(await state()).toEqual(before)
  })
})
