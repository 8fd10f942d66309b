import { SystempromptError } from '@systemprompt/config'
import { describe, expect, it } from 'vitest'
import { isTransientPgError, mapPgError } from './pg-errors.js'

const ctx = { action: 'testing', host: '127.0.0.1', port: 5432, user: 'u', database: 'd' }

describe('mapPgError', () => {
  it.each([
    ['28P01', 'DATABASE_AUTH_FAILED', 'database'],
    ['3D000', 'DATABASE_NOT_FOUND', 'database'],
    ['42501', 'DATABASE_PERMISSION_DENIED', 'database'],
    ['42P04', 'DATABASE_OBJECT_EXISTS', 'conflict'],
    ['42710', 'DATABASE_OBJECT_EXISTS', 'conflict'],
    ['23505', 'DATABASE_OBJECT_EXISTS', 'conflict'],
    ['55006', 'DATABASE_IN_USE', 'conflict'],
    ['57P03', 'DATABASE_STARTING', 'database'],
    ['53300', 'DATABASE_TOO_MANY_CONNECTIONS', 'database'],
    ['2BP01', 'DATABASE_OBJECT_IN_USE', 'conflict'],
    ['XX000', 'DATABASE_ERROR', 'database'],
    ['ECONNREFUSED', 'DATABASE_UNREACHABLE', 'database'],
  ])('maps %s to %s', (sqlstate, code, category) => {
    const err = mapPgError(Object.assign(new Error('boom'), { code: sqlstate }), ctx)
    expect(err).toBeInstanceOf(SystempromptError)
    expect(err.code).toBe(code)
    expect(err.category).toBe(category)
    expect(err.fix).toBeTruthy()
    expect(err.details?.sqlstate).toBe(sqlstate)
  })
  it('chooses the fix of a refused login by whose credentials they were', () => {
    const refused = Object.assign(new Error('password authentication failed for user "u"'), { code: '28P01' })
    const url = mapPgError(refused, { ...ctx, login: 'url' })
    expect(url.code).toBe('DATABASE_AUTH_FAILED')
    expect(url.fix).toContain('database URL you gave')
    expect(url.fix).toContain('"u"')
    expect(url.fix).not.toMatch(/admin/i)
    expect(mapPgError(refused, { ...ctx, login: 'admin' }).fix).toMatch(/admin password recorded/)
    expect(mapPgError(refused, ctx).fix).toContain('secrets.json')
  })
  it('maps a dropped connection to DATABASE_UNREACHABLE', () => {
    expect(mapPgError(new Error('Connection terminated unexpectedly'), ctx).code).toBe('DATABASE_UNREACHABLE')
  })
  it('passes our own errors through', () => {
    const own = new SystempromptError({ code: 'INTERNAL', message: 'y' })
    expect(mapPgError(own, ctx)).toBe(own)
  })
  it('knows transient errors', () => {
    expect(isTransientPgError({ code: '57P03' })).toBe(true)
    expect(isTransientPgError({ code: '55006' })).toBe(true)
    expect(isTransientPgError({ code: '42501' })).toBe(false)
  })
})
