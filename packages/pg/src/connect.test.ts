import { describe, expect, it } from 'vitest'
import { formatDatabaseUrl, maskDatabaseUrl, parseDatabaseUrl } from './connect.js'

describe('database URLs', () => {
  it('round-trips with encoding', () => {
    const target = {
      host: '127.0.0.1',
      port: 5433,
      user: 'sp_a_b',
      password: 'p@ss:/word',
      database: 'sp_a_b',
    }
    const url = formatDatabaseUrl(target)
    expect(url).toBe('postgresql://sp_a_b:p%40ss%3A%2Fword@127.0.0.1:5433/sp_a_b')
    expect(parseDatabaseUrl(url)).toEqual(target)
  })
  it('defaults port and database', () => {
    expect(parseDatabaseUrl('postgres://u:p@db.example')).toMatchObject({ port: 5432, database: 'postgres' })
  })
  it('rejects other schemes', () => {
    expect(() => parseDatabaseUrl('mysql://u:p@h/d')).toThrow(/postgres/)
  })
  it('masks the password', () => {
    expect(maskDatabaseUrl('postgresql://u:secret@127.0.0.1:5432/d')).toBe(
      'postgresql://u:***@127.0.0.1:5432/d',
    )
    expect(maskDatabaseUrl('postgresql://u@h/d')).toBe('postgresql://u@h/d')
  })
})
