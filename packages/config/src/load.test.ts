import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { removeDir, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErrorCode } from './error-codes.js'
import type { SystempromptError } from './errors.js'
import { loadProfile, loadSecrets, loadSharedConfig, loadTenantsFile, readOptionalJsonFile } from './load.js'
import { SharedConfigSchema } from './schema/shared-config.js'

let dir: string
beforeEach(async () => {
  dir = tempDir('sp-config-').path
})
afterEach(async () => {
  removeDir(dir)
})

async function put(name: string, text: string): Promise<string> {
  const file = join(dir, name)
  await writeFile(file, text)
  return file
}

async function failure(promise: Promise<unknown>): Promise<SystempromptError> {
  return promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (error: SystempromptError) => error,
  )
}

describe('loaders', () => {
  it('fills every default of a minimal profile', async () => {
    const profile = await loadProfile(await put('profile.yaml', 'name: local\n'))
    expect(profile).toMatchObject({
      name: 'local',
      target: 'local',
      server: { host: '0.0.0.0', port: 8080 },
      runtime: { log_level: 'info' },
      paths: { services: 'services', web: 'web' },
      docker: { postgres_image: 'postgres:17-alpine', shared_port: 5432, dedicated_port_start: 5433 },
      deploy: { target: 'docker', replicas: 1, health_path: '/api/v1/health' },
    })
  })

  it('loads a shared_config.json written by the original tool and keeps its unknown keys', async () => {
    const original = {
      admin_password: 'V3ry-s3cret',
      port: 5432,
      created_at: '2026-01-30T10:11:12.123456789+00:00',
      tenant_databases: [
        { tenant_id: 'ten_01HZX', database_name: 'systemprompt_ten_01hzx', legacy_flag: true },
      ],
      some_future_field: { a: 1 },
    }
    const config = await loadSharedConfig(await put('shared_config.json', JSON.stringify(original, null, 2)))
    expect(config.admin_password).toBe('V3ry-s3cret')
    expect(config.version).toBe(1)
    expect(config.tenant_databases[0]).toMatchObject({ tenant_id: 'ten_01HZX', legacy_flag: true })
    expect(config).toMatchObject({ some_future_field: { a: 1 } })
  })

  it('loads secrets with null provider keys by default', async () => {
    const secrets = await loadSecrets(
      await put(
        'secrets.json',
        JSON.stringify({ jwt_secret: 'x'.repeat(64), database_url: 'postgres://a:b@127.0.0.1:5432/d' }),
      ),
    )
    expect(secrets.anthropic_api_key).toBeNull()
    expect(secrets.gemini_api_key).toBeNull()
  })

  it('loads tenants.json', async () => {
    const now = new Date().toISOString()
    const file = await put(
      'tenants.json',
      JSON.stringify({
        project_id: 'a1b2c3d4',
        tenants: [{ name: 'demo', database: 'shared', profile: 'demo', created_at: now, updated_at: now }],
      }),
    )
    const tenants = await loadTenantsFile(file)
    expect(tenants.tenants[0]?.state).toBe('pending')
    expect(tenants.version).toBe(1)
  })

  it('returns undefined for a missing optional file', async () => {
    expect(await readOptionalJsonFile(join(dir, 'nope.json'), SharedConfigSchema)).toBeUndefined()
  })

  it('reports every schema problem of a YAML file with its line', async () => {
    const file = await put(
      'profile.yaml',
      ['name: local', 'server:', '  port: 0', 'runtime:', '  log_level: loud', 'extra: 1', ''].join('\n'),
    )
    const error = await failure(loadProfile(file))
    expect(error.code).toBe(ErrorCode.CONFIG_INVALID)
    expect(error.issues.map((i) => [i.keyPath?.join('.'), i.line])).toEqual([
      ['server.port', 3],
      ['runtime.log_level', 5],
      ['extra', 6],
    ])
    expect(error.line).toBe(3)
    expect(error.message).toContain(`${file} at line 3`)
    expect(error.message).toContain('2 more problems')
  })

  it('gives JSON schema problems a line too', async () => {
    const file = await put(
      'secrets.json',
      '{\n  "jwt_secret": "' +
        'x'.repeat(40) +
        '",\n  "database_url": "postgres://u:p@h/d",\n  "openai_api_key": 42\n}\n',
    )
    const error = await failure(loadSecrets(file))
    expect(error.keyPath).toEqual(['openai_api_key'])
    expect(error.line).toBe(4)
  })
})
