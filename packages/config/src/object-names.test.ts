import { describe, expect, it } from 'vitest'
import { projectIdOfObjectName, tenantFromObjectName, tenantObjectName } from './object-names.js'

describe('project id of a tenant object name', () => {
  it('reads the id of any project, also for tenants with dashes', () => {
    expect(projectIdOfObjectName(tenantObjectName('my-project', 'a1b2c3d4'))).toBe('a1b2c3d4')
    expect(projectIdOfObjectName(tenantObjectName('a', 'ffff'))).toBe('ffff')
    expect(tenantFromObjectName(tenantObjectName('x-y-z', '0badc0de'), '0badc0de')).toBe('x-y-z')
  })
  it('is undefined for names that are not ours', () => {
    for (const name of ['postgres', 'template1', 'sp__a1b2c3', 'sp_app_AB12', 'sp_app', 'app_a1b2c3d4'])
      expect(projectIdOfObjectName(name)).toBeUndefined()
  })
})
