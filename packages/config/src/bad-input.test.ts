// Table of malformed inputs (issue: "bad input"). Each must give a clear error that names the file and the
// fix, carries no stack trace, never echoes a secret, and writes nothing.
import { spawnSync } from 'node:child_process'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { removeDir, snapshotTree, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { ErrorCode } from './error-codes.js'
import type { SystempromptError } from './errors.js'
import { parseJsonFile, parseYamlFile } from './load.js'
import { ProfileSchema } from './schema/profile.js'
import { SecretsSchema } from './schema/secrets.js'
import { SharedConfigSchema } from './schema/shared-config.js'
import { TenantsFileSchema } from './schema/tenants.js'
import { updateJsonFile } from './update-json.js'

const SECRET = 'hunter2-do-not-print'
const NOW = '2026-02-01T12:00:00.000Z'
const goodSecrets = { jwt_secret: 'j'.repeat(64), database_url: `postgres://t:${SECRET}@127.0.0.1:5432/t` }
const tenant = { name: 'demo', database: 'shared', profile: 'demo', created_at: NOW, updated_at: NOW }
const json = (value: unknown) => JSON.stringify(value, null, 2)

type Kind = 'profile' | 'secrets' | 'shared' | 'tenants'
const schemas: Record<Kind, { schema: z.ZodType; format: 'yaml' | 'json'; name: string }> = {
  profile: { schema: ProfileSchema, format: 'yaml', name: 'profile.yaml' },
  secrets: { schema: SecretsSchema, format: 'json', name: 'secrets.json' },
  shared: { schema: SharedConfigSchema, format: 'json', name: 'shared_config.json' },
  tenants: { schema: TenantsFileSchema, format: 'json', name: 'tenants.json' },
}

interface BadCase {
  title: string
  kind: Kind
  /** File content; `{ directory: true }` puts a directory where the file should be. */
  content: string | Buffer | { directory: true }
  code: string
  keyPath?: (string | number)[]
  line?: number
  /** Path of the file relative to the temp dir when it differs from the default. */
  at?: string
}

const cases: BadCase[] = [
  {
    title: 'YAML: bad indentation',
    kind: 'profile',
    content: 'name: local\nserver:\n  port: 1\n    host: x\n',
    code: ErrorCode.CONFIG_YAML_SYNTAX,
    line: 3,
  },
  {
    title: 'YAML: unclosed quote',
    kind: 'profile',
    content: 'name: "local\ntarget: local\n',
    code: ErrorCode.CONFIG_YAML_SYNTAX,
  },
  {
    title: 'YAML: duplicate key',
    kind: 'profile',
    content: 'name: local\nname: other\n',
    code: ErrorCode.CONFIG_YAML_SYNTAX,
    line: 2,
  },
  {
    title: 'YAML: tab indentation',
    kind: 'profile',
    content: 'name: local\nserver:\n\tport: 1\n',
    code: ErrorCode.CONFIG_YAML_SYNTAX,
    line: 3,
  },
  { title: 'YAML: empty file', kind: 'profile', content: '', code: ErrorCode.CONFIG_INVALID },
  {
    title: 'YAML: list at top level',
    kind: 'profile',
    content: '- name: local\n',
    code: ErrorCode.CONFIG_INVALID,
  },
  {
    title: 'unknown key (typo)',
    kind: 'profile',
    content: 'name: local\nservr:\n  port: 8080\n',
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['servr'],
    line: 2,
  },
  {
    title: 'nested unknown key',
    kind: 'profile',
    content: 'name: local\ndocker:\n  postgres_img: postgres:16\n',
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['docker', 'postgres_img'],
    line: 3,
  },
  {
    title: 'port of the wrong type',
    kind: 'profile',
    content: 'name: local\nserver:\n  port: "80x"\n',
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['server', 'port'],
    line: 3,
  },
  {
    title: 'port too large',
    kind: 'profile',
    content: 'name: local\nserver:\n  port: 70000\n',
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['server', 'port'],
    line: 3,
  },
  {
    title: 'port zero',
    kind: 'profile',
    content: 'name: local\ndocker:\n  shared_port: 0\n',
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['docker', 'shared_port'],
    line: 3,
  },
  {
    title: 'fractional port',
    kind: 'profile',
    content: 'name: local\ndocker:\n  dedicated_port_start: 5433.5\n',
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['docker', 'dedicated_port_start'],
  },
  {
    title: 'enum value out of set',
    kind: 'profile',
    content: 'name: local\ntarget: remote\n',
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['target'],
    line: 2,
  },
  {
    title: 'bad log level',
    kind: 'profile',
    content: 'name: local\nruntime:\n  log_level: verbose\n',
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['runtime', 'log_level'],
    line: 3,
  },
  {
    title: 'bad image reference',
    kind: 'profile',
    content: 'name: local\ndocker:\n  postgres_image: "Postgres 17"\n',
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['docker', 'postgres_image'],
    line: 3,
  },
  {
    title: 'registry given as URL',
    kind: 'profile',
    content: 'name: local\ndeploy:\n  registry: https://registry.example.com\n',
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['deploy', 'registry'],
    line: 3,
  },
  {
    title: 'deploy URL with wrong scheme',
    kind: 'profile',
    content: 'name: local\ndeploy:\n  url: ftp://example.com\n',
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['deploy', 'url'],
    line: 3,
  },
  {
    title: 'invalid profile name',
    kind: 'profile',
    content: 'name: Local_Dev\n',
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['name'],
    line: 1,
  },
  {
    title: 'missing required key',
    kind: 'profile',
    content: 'target: local\n',
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['name'],
  },
  {
    title: 'JSON: trailing comma',
    kind: 'secrets',
    content: '{\n  "jwt_secret": "x",\n}\n',
    code: ErrorCode.CONFIG_JSON_SYNTAX,
    line: 3,
  },
  {
    title: 'JSON: single quotes',
    kind: 'secrets',
    content: `{\n  'database_url': '${goodSecrets.database_url}'\n}`,
    code: ErrorCode.CONFIG_JSON_SYNTAX,
    line: 2,
  },
  {
    title: 'JSON: unterminated string with a secret',
    kind: 'secrets',
    content: `{\n  "jwt_secret": "${SECRET}\n}`,
    code: ErrorCode.CONFIG_JSON_SYNTAX,
    line: 2,
  },
  { title: 'JSON: empty file', kind: 'secrets', content: '', code: ErrorCode.CONFIG_JSON_SYNTAX },
  {
    title: 'JSON: garbage after the value',
    kind: 'shared',
    content: '{"admin_password":"x"} trailing',
    code: ErrorCode.CONFIG_JSON_SYNTAX,
    line: 1,
  },
  {
    title: 'JSON: duplicate key',
    kind: 'shared',
    content: '{\n"admin_password": "a",\n"admin_password": "b"\n}',
    code: ErrorCode.CONFIG_JSON_SYNTAX,
    line: 3,
  },
  {
    title: 'JWT secret too short',
    kind: 'secrets',
    content: json({ ...goodSecrets, jwt_secret: 'short' }),
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['jwt_secret'],
    line: 2,
  },
  {
    title: 'database URL of another engine',
    kind: 'secrets',
    content: json({ ...goodSecrets, database_url: `mysql://root:${SECRET}@db/x` }),
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['database_url'],
    line: 3,
  },
  {
    title: 'database URL with port out of range',
    kind: 'secrets',
    content: json({ ...goodSecrets, database_url: `postgres://u:${SECRET}@h:99999/d` }),
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['database_url'],
  },
  {
    title: 'custom secret that is not text',
    kind: 'secrets',
    content: json({ ...goodSecrets, openai_key: { value: SECRET } }),
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['openai_key'],
    line: 4,
  },
  {
    title: 'shared port as string',
    kind: 'shared',
    content: json({ admin_password: SECRET, port: '5432' }),
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['port'],
    line: 3,
  },
  {
    title: 'tenant_databases not a list',
    kind: 'shared',
    content: json({ admin_password: SECRET, tenant_databases: {} }),
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['tenant_databases'],
  },
  {
    title: 'missing admin password',
    kind: 'shared',
    content: json({ port: 5432 }),
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['admin_password'],
  },
  {
    title: 'database name longer than PostgreSQL allows',
    kind: 'shared',
    content: json({
      admin_password: 'x',
      tenant_databases: [{ tenant_id: 't', database_name: 'd'.repeat(64) }],
    }),
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['tenant_databases', 0, 'database_name'],
  },
  {
    title: 'duplicate tenant',
    kind: 'tenants',
    content: json({ project_id: 'abcd1234', tenants: [tenant, tenant] }),
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['tenants', 1, 'name'],
  },
  {
    title: 'tenant name breaks the rule',
    kind: 'tenants',
    content: json({ project_id: 'abcd1234', tenants: [{ ...tenant, name: 'My_Tenant' }] }),
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['tenants', 0, 'name'],
    line: 5,
  },
  {
    title: 'unknown database mode',
    kind: 'tenants',
    content: json({ project_id: 'abcd1234', tenants: [{ ...tenant, database: 'sqlite' }] }),
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['tenants', 0, 'database'],
  },
  {
    title: 'project id with capitals',
    kind: 'tenants',
    content: json({ project_id: 'ABC!', tenants: [] }),
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['project_id'],
    line: 2,
  },
  {
    title: 'timestamp not ISO 8601',
    kind: 'tenants',
    content: json({ project_id: 'abcd1234', tenants: [{ ...tenant, created_at: 'yesterday' }] }),
    code: ErrorCode.CONFIG_INVALID,
    keyPath: ['tenants', 0, 'created_at'],
  },
  {
    title: 'a directory where the file should be',
    kind: 'tenants',
    content: { directory: true },
    code: ErrorCode.CONFIG_NOT_A_FILE,
  },
  {
    title: 'a file where a directory should be',
    kind: 'secrets',
    content: 'x',
    at: 'profiles',
    code: ErrorCode.CONFIG_NOT_A_DIRECTORY,
  },
  {
    title: 'not UTF-8',
    kind: 'profile',
    content: Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0x0a]),
    code: ErrorCode.CONFIG_UNREADABLE,
  },
]

let dir: string
beforeEach(async () => {
  dir = tempDir('sp-config-').path
})
afterEach(async () => {
  removeDir(dir)
})

/** Writes the case's input; returns the path the loader is pointed at. */
async function prepare(c: BadCase): Promise<string> {
  const name = schemas[c.kind].name
  if (c.at) {
    // The blocker is a file named like a directory on the path: <dir>/profiles/local/<name>
    await writeFile(join(dir, c.at), c.content as string)
    return join(dir, c.at, 'local', name)
  }
  const file = join(dir, name)
  if (typeof c.content === 'object' && !Buffer.isBuffer(c.content)) await mkdir(file)
  else await writeFile(file, c.content, { mode: 0o600 })
  return file
}

async function load(c: BadCase, file: string): Promise<SystempromptError> {
  const { schema, format } = schemas[c.kind]
  const run = format === 'yaml' ? parseYamlFile(file, schema) : parseJsonFile(file, schema)
  return run.then(
    () => {
      throw new Error(`${c.title}: expected the load to fail`)
    },
    (error: SystempromptError) => error,
  )
}

function expectClearError(error: SystempromptError, c: BadCase, file: string) {
  expect(error.name).toBe('SystempromptError')
  expect(error.code).toBe(c.code)
  const text = [error.message, error.fix, ...error.issues.flatMap((i) => [i.message, i.fix])].join('\n')
  // names the file (or, for a blocked path, the file in the way)
  expect(error.message).toContain(c.at ? join(dir, c.at) : file)
  expect(error.fix ?? '').not.toBe('')
  expect(text).not.toMatch(/\n\s+at /)
  expect(text).not.toContain(SECRET)
  if (c.keyPath) expect(error.keyPath).toEqual(c.keyPath)
  if (c.line !== undefined) expect(error.line).toBe(c.line)
}

describe('bad input', () => {
  it('covers at least 20 malformed inputs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20)
  })

  it.each(cases.map((c) => [c.title, c] as const))('%s', async (_title, c) => {
    const file = await prepare(c)
    const before = snapshotTree(dir)
    const error = await load(c, file)
    expectClearError(error, c, file)

    // The read-modify-write path refuses the same input and leaves every file as it was.
    if (schemas[c.kind].format === 'json') {
      let mutated = false
      const update = updateJsonFile(
        file,
        schemas[c.kind].schema,
        (current) => {
          mutated = true
          return current
        },
        { lockPath: join(dir, '..', `${dir.split('/').pop()}.lock`), timeoutMs: 2000 },
      )
      await expect(update).rejects.toMatchObject({
        code: c.code === ErrorCode.CONFIG_NOT_A_FILE ? expect.any(String) : c.code,
      })
      expect(mutated).toBe(false)
    }
    expect(snapshotTree(dir)).toEqual(before)
  })

  it('reports an unreadable file with a permission fix', async () => {
    const file = join(dir, 'secrets.json')
    await writeFile(file, json(goodSecrets), { mode: 0o000 })
    await chmod(file, 0o000)
    let error: { code: string; message: string; fix: string }
    if (process.getuid?.() === 0) {
      // root reads anything: check from an unprivileged child process (uid "nobody") instead.
      await chmod(dir, 0o755)
      const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url))
      const script = `import { loadSecrets } from ${JSON.stringify(dist)}
        try { await loadSecrets(${JSON.stringify(file)}); console.log('{}') }
        catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, fix: e.fix })) }`
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        uid: 65534,
        gid: 65534,
        encoding: 'utf8',
      })
      error = JSON.parse(child.stdout)
    } else {
      error = (await load({ title: 'unreadable', kind: 'secrets', content: '', code: '' }, file)) as never
    }
    expect(error.code).toBe(ErrorCode.CONFIG_UNREADABLE)
    expect(error.message).toContain(file)
    expect(error.message).toContain('permission denied')
    expect(error.fix).toMatch(/permission/)
  })

  it('refuses a FIFO instead of blocking on it', async () => {
    const file = join(dir, 'profile.yaml')
    expect(spawnSync('mkfifo', [file]).status).toBe(0)
    await expect(parseYamlFile(file, ProfileSchema)).rejects.toMatchObject({
      code: ErrorCode.CONFIG_NOT_A_FILE,
      file,
    })
  })

  it('reports a missing file with CONFIG_MISSING', async () => {
    const file = join(dir, 'profile.yaml')
    await expect(parseYamlFile(file, ProfileSchema)).rejects.toMatchObject({ code: ErrorCode.CONFIG_MISSING })
  })
})
