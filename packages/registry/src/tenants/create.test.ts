import type { TenantRecord } from '@systemprompt/config'
import { describe, expect, it } from 'vitest'
import { existingRefusal, pendingRecord, planCreate, profileRefusal } from './create.js'

const URL = 'postgres://app:secret@db.example:5432/app'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return (error as { code?: string }).code
  }
  return undefined
}

function record(overrides: Partial<TenantRecord> = {}): TenantRecord {
  return {
    name: 'acme',
    database: 'shared',
    state: 'pending',
    profile: 'acme',
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    ...overrides,
  }
}

describe('planCreate: where the database goes, decided from the request alone', () => {
  it('names the rule a --database-url breaks, never the URL', () => {
    let error: { message: string; fix: string } | undefined
    try {
      planCreate({ name: 'acme', database: 'external', databaseUrl: 'postgres://:s3cret@127.0.0.1/db' })
    } catch (e) {
      error = e as typeof error
    }
    expect(error?.message).toBe('--database-url is invalid: it names no user')
    expect(error?.fix).toContain('postgres://user:password@host:port/database')
    expect(JSON.stringify(error)).not.toContain('s3cret')
  })

  it('classifies each kind, with what that kind needs', () => {
    expect(planCreate({ name: 'acme', database: 'shared' })).toEqual({
      profile: 'acme',
      target: { kind: 'shared' },
    })
    expect(planCreate({ name: 'acme', database: 'dedicated', port: 6543, profile: 'p1' })).toEqual({
      profile: 'p1',
      target: { kind: 'dedicated', port: 6543 },
    })
    expect(planCreate({ name: 'acme', database: 'dedicated' }).target).toEqual({
      kind: 'dedicated',
      port: undefined,
    })
    expect(planCreate({ name: 'acme', database: 'external', databaseUrl: URL }).target).toEqual({
      kind: 'external',
      url: URL,
    })
  })

  it('refuses what does not fit, with a code', () => {
    const cases: [Parameters<typeof planCreate>[0], string][] = [
      [{ name: 'Bad Name', database: 'shared' }, 'TENANT_NAME_INVALID'],
      [{ name: 'acme', database: 'nosql' as 'shared' }, 'USAGE'],
      [{ name: 'acme', database: 'shared', port: 6543 }, 'USAGE'],
      [{ name: 'acme', database: 'dedicated', port: 0 }, 'USAGE'],
      [{ name: 'acme', database: 'dedicated', port: 1.5 }, 'USAGE'],
      [{ name: 'acme', database: 'external' }, 'USAGE'],
      [{ name: 'acme', database: 'external', databaseUrl: 'mysql://x' }, 'DATABASE_URL_INVALID'],
      [{ name: 'acme', database: 'external', databaseUrl: 'postgres://' }, 'DATABASE_URL_INVALID'],
      [
        { name: 'acme', database: 'external', databaseUrl: 'postgres://127.0.0.1/db' },
        'DATABASE_URL_INVALID',
      ],
      [{ name: 'acme', database: 'shared', databaseUrl: URL }, 'USAGE'],
    ]
    for (const [request, code] of cases)
      expect(
        codeOf(() => planCreate(request)),
        JSON.stringify(request),
      ).toBe(code)
  })
})

describe('existingRefusal: what tenants.json says against a create', () => {
  it('nothing there, or an interrupted create of the same kind: go ahead (resume)', () => {
    expect(existingRefusal(undefined, 'acme', 'shared')).toBeUndefined()
    expect(existingRefusal(record({ state: 'pending' }), 'acme', 'shared')).toBeUndefined()
  })

  it('a ready tenant, a half-deleted one, an interrupted create of another kind: refused', () => {
    expect(existingRefusal(record({ state: 'ready' }), 'acme', 'shared')?.code).toBe('TENANT_EXISTS')
    expect(existingRefusal(record({ state: 'deleting' }), 'acme', 'shared')?.code).toBe('TENANT_BUSY')
    const other = existingRefusal(record({ database: 'dedicated' }), 'acme', 'shared')
    expect(other?.code).toBe('TENANT_EXISTS')
    expect(other?.fix).toContain('--database dedicated')
  })
})

describe('profileRefusal', () => {
  it('no profile, or the tenant own profile: go ahead; any other owner: PROFILE_EXISTS', () => {
    expect(profileRefusal(undefined, 'acme', 'acme', '/p/profile.yaml')).toBeUndefined()
    expect(profileRefusal({ tenant: 'acme' }, 'acme', 'acme', '/p/profile.yaml')).toBeUndefined()
    const taken = profileRefusal({ tenant: 'other' }, 'acme', 'acme', '/p/profile.yaml')
    expect(taken).toMatchObject({ code: 'PROFILE_EXISTS', file: '/p/profile.yaml' })
    expect(profileRefusal({}, 'acme', 'acme', '/p/profile.yaml')?.code).toBe('PROFILE_EXISTS')
  })
})

describe('pendingRecord: the trail written before the database exists', () => {
  const job = { profile: 'acme', createdAt: '2026-01-01T00:00:00.000Z', now: '2026-02-02T00:00:00.000Z' }

  it('a local server: names its role and database with the project id', () => {
    expect(pendingRecord({ ...job, options: { name: 'my-app', database: 'shared' } }, 'ab12cd', {})).toEqual({
      name: 'my-app',
      database: 'shared',
      state: 'pending',
      database_name: 'sp_my_app_ab12cd',
      role_name: 'sp_my_app_ab12cd',
      profile: 'acme',
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-02-02T00:00:00.000Z',
    })
    expect(
      pendingRecord({ ...job, options: { name: 'acme', database: 'dedicated' } }, 'ab12cd', { port: 6000 })
        .port,
    ).toBe(6000)
  })

  it('external: no object names', () => {
    const made = pendingRecord({ ...job, options: { name: 'acme', database: 'external' } }, 'ab12cd', {})
    expect(made.database_name).toBeUndefined()
    expect(made.role_name).toBeUndefined()
  })
})
