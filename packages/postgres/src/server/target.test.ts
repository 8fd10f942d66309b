import { describe, expect, it } from 'vitest'
import { tenantFromArgs } from './target.js'

describe('tenantFromArgs', () => {
  it.each([
    [undefined, undefined, undefined],
    ['my-project', undefined, 'my-project'],
    ['TENANT=my-project', undefined, 'my-project'],
    ['TENANT="my-project"', undefined, 'my-project'],
    ['TENANT=', undefined, undefined],
    [undefined, 'my-project', 'my-project'],
    ['my-project', 'my-project', 'my-project'],
  ])('%j + --tenant %j -> %j', (positional, flag, expected) => {
    expect(tenantFromArgs(positional, flag)).toBe(expected)
  })

  it('rejects two different tenants and bad names', () => {
    expect(() => tenantFromArgs('a', 'b')).toThrowError(
      expect.objectContaining({ code: 'USAGE', category: 'usage' }),
    )
    expect(() => tenantFromArgs('TENANT=../x', undefined)).toThrowError(
      expect.objectContaining({ code: 'TENANT_NAME_INVALID' }),
    )
  })
})
