import { describe, expect, it } from 'vitest'
import { generatePassword, scramSha256Verifier } from './scram.js'

describe('scramSha256Verifier', () => {
  it('has PostgreSQL form and depends on password and salt', () => {
    const salt = Buffer.alloc(16, 7)
    const v = scramSha256Verifier('pencil', { salt })
    expect(v).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/)
    expect(v).toContain(salt.toString('base64'))
    expect(scramSha256Verifier('pencil', { salt })).toBe(v)
    expect(scramSha256Verifier('pencil2', { salt })).not.toBe(v)
    expect(scramSha256Verifier('pencil')).not.toBe(v)
    expect(v).not.toContain('pencil')
  })
})

describe('generatePassword', () => {
  it('is 64 hex chars and random', () => {
    const a = generatePassword()
    expect(a).toMatch(/^[0-9a-f]{64}$/)
    expect(generatePassword()).not.toBe(a)
  })
})
