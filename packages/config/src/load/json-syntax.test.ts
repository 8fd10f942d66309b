import { describe, expect, it } from 'vitest'
import { checkJsonSyntax } from './json-syntax.js'

describe('checkJsonSyntax', () => {
  it('locates keys (members at the key, items at the value, missing keys at the parent)', () => {
    const text = '{\n  "a": {\n    "b": [1, 2]\n  }\n}'
    const scan = checkJsonSyntax(text)
    expect(scan.error).toBeUndefined()
    expect(scan.locate(['a', 'b'])).toBe(text.indexOf('"b"'))
    expect(scan.locate(['a', 'b', 1])).toBe(text.indexOf('2'))
    expect(scan.locate(['a', 'nope'])).toBe(text.indexOf('"a"'))
    expect(scan.locate([])).toBe(0)
  })

  it('tolerates a UTF-8 BOM but not comments', () => {
    expect(checkJsonSyntax('\ufeff{"a": 1}').error).toBeUndefined()
    expect(checkJsonSyntax('{"a": 1 // note\n}').error?.message).toBe('comments are not allowed in JSON')
  })

  it('reports duplicate keys at the second one and never quotes the text', () => {
    const text = '{"pw": "hunter2", "pw": "x"}'
    expect(checkJsonSyntax(text).error).toEqual({
      offset: text.lastIndexOf('"pw"'),
      message: 'duplicate key "pw"',
    })
    const broken = checkJsonSyntax('{"pw": "hunter2\n}')
    expect(broken.error?.message).not.toContain('hunter2')
  })

  it('finds a duplicate key at any depth, and none where strings only look like keys', () => {
    const deep = '{"tenants": [{"name": "a", "x": {"k": 1}}, {"name": "b", "name": "c"}]}'
    expect(checkJsonSyntax(deep).error).toEqual({
      offset: deep.lastIndexOf('"name"'),
      message: 'duplicate key "name"',
    })
    // An escape spells the same key.
    const escaped = '{"ab": 1, "a\\u0062": 2}'
    expect(checkJsonSyntax(escaped).error?.message).toBe('duplicate key "ab"')
    // The same key in sibling objects, keys in strings, braces, commas and quotes inside values: no duplicate.
    const clean =
      '{"a": {"k": 1}, "b": {"k": 2}, "s": "{\\"a\\": 1, \\"a\\": 2}", "t": [",", "}", {"a": 1}], "u": "\\\\", "a2": "a"}'
    expect(JSON.parse(clean)).toBeTruthy()
    const scan = checkJsonSyntax(clean)
    expect(scan.error).toBeUndefined()
    expect(scan.value).toEqual(JSON.parse(clean))
  })
})
