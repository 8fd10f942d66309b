import { describe, expect, it } from 'vitest'
import { encodeRegistryAuth } from './swarm.js'

describe('encodeRegistryAuth', () => {
  it('is URL-alphabet base64 with its padding, as the engine decodes X-Registry-Auth', () => {
    // Every length mod 3: the engine's padded decoder drops credentials it cannot decode, silently.
    for (const password of ['a', 'ab', 'abc', 'p+/=?ä']) {
      const auth = { serveraddress: 'reg:5000', username: 'bob', password }
      const header = encodeRegistryAuth(auth)
      expect(header).toMatch(/^[A-Za-z0-9_-]+={0,2}$/)
      expect(header.length % 4).toBe(0)
      const standard = header.replace(/-/g, '+').replace(/_/g, '/')
      expect(JSON.parse(Buffer.from(standard, 'base64').toString('utf8'))).toEqual(auth)
    }
  })
})
