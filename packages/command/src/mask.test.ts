import { describe, expect, it } from 'vitest'
import { isSecretKey, MASK, maskSecrets, maskString } from './mask.js'

describe('maskString', () => {
  it.each([
    ['postgres://tenant:s3cr3t@127.0.0.1:5432/db', `postgres://tenant:${MASK}@127.0.0.1:5432/db`],
    ['postgresql://u:p%40ss@h/db?sslmode=disable', `postgresql://u:${MASK}@h/db?sslmode=disable`],
    ['url postgres://u:raw@pass@h/db end', `url postgres://u:${MASK}@h/db end`],
    ['DATABASE_URL=postgres://a:b@c/d', `DATABASE_URL=postgres://a:${MASK}@c/d`],
    ['POSTGRES_PASSWORD=hunter2 other', `POSTGRES_PASSWORD=${MASK} other`],
    ['{"jwt_secret": "abc\\"def", "x": 1}', `{"jwt_secret": "${MASK}", "x": 1}`],
  ])('masks %s', (input, expected) => {
    expect(maskString(input)).toBe(expected)
  })

  it.each([
    'postgres://127.0.0.1:5432/db',
    'postgres://user@127.0.0.1/db',
    'jwt_secret: Too small: expected string to have >=32 characters',
    'https://registry.example:5000/v2/',
  ])('leaves %s alone', (input) => {
    expect(maskString(input)).toBe(input)
  })
})

describe('maskSecrets', () => {
  it('masks secret keys deeply and URL passwords in any string, without mutating the input', () => {
    const input = {
      tenant: 'acme',
      admin_password: 'pw',
      nested: { jwt_secret: 'j'.repeat(64), list: [{ token: 't' }, 'postgres://r:pw@h/db'] },
      openai_api_key: null,
      'API-KEY': 'k',
      databaseUrl: 'postgresql://role:pass@127.0.0.1:5433/x',
      port: 5432,
    }
    const copy = structuredClone(input)
    const out = maskSecrets(input)
    expect(out).toEqual({
      tenant: 'acme',
      admin_password: MASK,
      nested: { jwt_secret: MASK, list: [{ token: MASK }, `postgres://r:${MASK}@h/db`] },
      openai_api_key: null,
      'API-KEY': MASK,
      databaseUrl: `postgresql://role:${MASK}@127.0.0.1:5433/x`,
      port: 5432,
    })
    expect(input).toEqual(copy)
  })

  it('uses toJSON (errors, classes) and survives cycles', () => {
    const a: Record<string, unknown> = { password: 'x' }
    a.self = a
    const out = maskSecrets(a) as Record<string, unknown>
    expect(out.password).toBe(MASK)
    expect((out.self as Record<string, unknown>).password).toBe(MASK)
    const withJson = { toJSON: () => ({ secret: 's', ok: 1 }) }
    expect(maskSecrets(withJson)).toEqual({ secret: MASK, ok: 1 })
  })

  it('recognises secret key names', () => {
    for (const key of [
      'password',
      'Secret',
      'token',
      'api_key',
      'jwt_secret',
      'admin_password',
      'db_password',
    ])
      expect(isSecretKey(key)).toBe(true)
    for (const key of ['name', 'port', 'password_file', 'token_count', 'secrets_dir'])
      expect(isSecretKey(key)).toBe(false)
  })
})

describe('secrets sections', () => {
  it('masks every value of a `secrets` object, custom and original-tool keys included', () => {
    const masked = maskSecrets({
      name: 'local',
      secrets: {
        gemini: 'AIzaSyD-real-key',
        my_custom_thing: 'custom-value-123',
        database_url: 'postgresql://u:pw-123@127.0.0.1:5432/db',
        openai: null,
      },
    })
    expect(masked.name).toBe('local')
    expect(masked.secrets.gemini).toBe(MASK)
    expect(masked.secrets.my_custom_thing).toBe(MASK)
    expect(masked.secrets.database_url).toBe(`postgresql://u:${MASK}@127.0.0.1:5432/db`)
    expect(masked.secrets.openai).toBeNull()
    expect(JSON.stringify(masked)).not.toMatch(/AIzaSyD|custom-value-123|pw-123/)
  })

  it("masks the original tool's provider keys wherever they appear", () => {
    expect(maskSecrets({ anthropic: 'sk-ant-1', github: 'ghp_1' })).toEqual({ anthropic: MASK, github: MASK })
  })
})

describe('key spellings', () => {
  it('camelCase keys count as their snake_case form', () => {
    expect(isSecretKey('adminPassword')).toBe(true)
    expect(isSecretKey('jwtSecret')).toBe(true)
    expect(maskSecrets({ adminPassword: 'pw-1', port: 5432 })).toEqual({ adminPassword: MASK, port: 5432 })
    expect(isSecretKey('passwordFile')).toBe(false)
  })
})
