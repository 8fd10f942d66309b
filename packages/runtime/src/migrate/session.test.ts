import { describe, expect, it } from 'vitest'
import { isNotResolvableYet } from './session.js'

const errno = (code: string) => Object.assign(new Error(`getaddrinfo ${code} db`), { code })

describe('isNotResolvableYet', () => {
  it('a database host that does not resolve or route yet is waited for (compose, Swarm start order)', () => {
    for (const code of ['ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH'])
      expect(isNotResolvableYet(errno(code))).toBe(true)
    for (const code of ['EACCES', 'ERR_INVALID_URL', '28P01'])
      expect(isNotResolvableYet(errno(code))).toBe(false)
    expect(isNotResolvableYet(new Error('no code'))).toBe(false)
  })
})
