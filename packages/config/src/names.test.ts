import { describe, expect, it } from 'vitest'
import { ErrorCode } from './error-codes.js'
import { SystempromptError } from './errors.js'
import { assertProfileName, assertTenantName, isValidTenantName, TENANT_NAME_RULE } from './names.js'

describe('tenant names', () => {
  it.each(['a', 'my-project', 'x1', 'a-b-c-1', 'a'.repeat(40)])('accepts %j', (name) => {
    expect(isValidTenantName(name)).toBe(true)
  })

  it.each([
    '',
    'My-project',
    '1abc',
    '-abc',
    'my_project',
    'my project',
    'a'.repeat(41),
    'ünï',
    '../x',
    'a\n',
  ])('rejects %j', (name) => {
    expect(isValidTenantName(name)).toBe(false)
  })

  it('throws TENANT_NAME_INVALID with the rule as fix and the name quoted safely', () => {
    const error = (() => {
      try {
        assertTenantName('Bad\u001bName')
      } catch (e) {
        return e
      }
    })() as SystempromptError
    expect(error).toBeInstanceOf(SystempromptError)
    expect(error.code).toBe(ErrorCode.TENANT_NAME_INVALID)
    expect(error.message).toContain('"Bad\\u001bName"')
    expect(error.message).not.toContain('\u001b')
    expect(error.fix).toContain(TENANT_NAME_RULE)
  })

  it('names the length when too long and the first-letter rule', () => {
    expect(() => assertTenantName('a'.repeat(41))).toThrow(/41 characters/)
    expect(() => assertTenantName('9lives')).toThrow(/start with a lowercase letter/)
  })

  it('uses its own code for profile names', () => {
    expect(() => assertProfileName('Prod')).toThrow(
      expect.objectContaining({ code: ErrorCode.PROFILE_NAME_INVALID }),
    )
    expect(() => assertProfileName('production')).not.toThrow()
  })
})
