import { describe, expect, it } from 'vitest'
import { quoteIdent, quoteLiteral } from './sql.js'

describe('quoteIdent', () => {
  it.each([
    ['plain', '"plain"'],
    ['with"quote', '"with""quote"'],
    ['"; DROP DATABASE x; --', '"""; DROP DATABASE x; --"'],
    ['Üñí', '"Üñí"'],
  ])('quotes %j', (input, expected) => {
    expect(quoteIdent(input)).toBe(expected)
  })
  it('rejects empty and NUL', () => {
    expect(() => quoteIdent('')).toThrow(/empty/)
    expect(() => quoteIdent('a\u0000b')).toThrow(/NUL/)
  })
})

describe('quoteLiteral', () => {
  it.each([
    ['abc', "'abc'"],
    ["it's", "'it''s'"],
    ['back\\slash', "E'back\\\\slash'"],
    ["'; DROP ROLE x; --", "'''; DROP ROLE x; --'"],
  ])('quotes %j', (input, expected) => {
    expect(quoteLiteral(input)).toBe(expected)
  })
})
