import { describe, expect, it } from 'vitest'
import { tenantFromObjectName, tenantObjectName } from './names.js'

describe('tenant object names', () => {
  it('carries the project id and maps - to _', () => {
    expect(tenantObjectName('my-project', 'a1b2c3')).toBe('sp_my_project_a1b2c3')
  })
  it('is reversible for our names only', () => {
    expect(tenantFromObjectName('sp_my_project_a1b2c3', 'a1b2c3')).toBe('my-project')
    expect(tenantFromObjectName('sp_my_project_ffffff', 'a1b2c3')).toBeUndefined()
    expect(tenantFromObjectName('postgres', 'a1b2c3')).toBeUndefined()
    expect(tenantFromObjectName('sp__a1b2c3', 'a1b2c3')).toBeUndefined()
  })
  it('fits the 63-byte identifier limit for the longest tenant name', () => {
    expect(tenantObjectName('a'.repeat(40), 'abcdef0123').length).toBeLessThanOrEqual(63)
  })
})
