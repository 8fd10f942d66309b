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
})
