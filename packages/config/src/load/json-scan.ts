/**
 * A strict JSON scanner (RFC 8259) that reports where a syntax error is and where each key sits.
 * JSON.parse is not enough: its messages quote the file's text (which may hold a password) and do not give a
 * line. Also rejects duplicate keys, which JSON.parse silently resolves to the last one.
 */

export interface JsonScanResult {
  /** Offset and reason of the first syntax error, if any. */
  error?: { offset: number; message: string }
  /** JSON.stringify(path) -> offset of the key (for object members) or of the value (array items, root). */
  locations: Map<string, number>
}

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message)
  }
}

export function scanJson(text: string): JsonScanResult {
  const locations = new Map<string, number>()
  let pos = 0

  const fail = (message: string, at = pos): never => {
    throw new JsonSyntaxError(at, message)
  }
  const describeHere = (): string => {
    if (pos >= text.length) return 'unexpected end of file'
    const ch = text[pos] ?? ''
    // Only the offending character is named, never surrounding text: the file may contain secrets.
    return `unexpected character ${JSON.stringify(ch)}`
  }
  const skipWhitespace = () => {
    while (pos < text.length) {
      const ch = text[pos]
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') pos++
      else break
    }
  }
  const expectLiteral = (word: string) => {
    if (text.startsWith(word, pos)) pos += word.length
    else fail(`${describeHere()} (expected a value)`)
  }
  const readString = (): string => {
    const start = pos
    pos++ // opening quote
    while (pos < text.length) {
      const ch = text[pos] as string
      if (ch === '"') {
        pos++
        return JSON.parse(text.slice(start, pos)) as string
      }
      if (ch === '\\') {
        const next = text[pos + 1]
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) fail('invalid \\u escape in string')
          pos += 6
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) pos += 2
        else fail('invalid escape in string')
        continue
      }
      if (ch.charCodeAt(0) < 0x20)
        fail('control character or line break inside a string (missing closing quote?)')
      pos++
    }
    return fail('unterminated string (missing closing quote)', start)
  }
  const readNumber = () => {
    const match = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(pos, pos + 400))
    if (!match || match[0] === '-') fail(`${describeHere()} (expected a value)`)
    pos += (match as RegExpExecArray)[0].length
  }
  const readValue = (path: (string | number)[], depth: number): void => {
    if (depth > 200) fail('nesting too deep')
    skipWhitespace()
    const ch = text[pos]
    if (ch === '{') readObject(path, depth)
    else if (ch === '[') readArray(path, depth)
    else if (ch === '"') readString()
    else if (ch === 't') expectLiteral('true')
    else if (ch === 'f') expectLiteral('false')
    else if (ch === 'n') expectLiteral('null')
    else if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) readNumber()
    else if (ch === "'") fail('strings must use double quotes (") in JSON, not single quotes (\')')
    else fail(`${describeHere()} (expected a value)`)
  }
  const readObject = (path: (string | number)[], depth: number) => {
    pos++
    const seen = new Set<string>()
    skipWhitespace()
    if (text[pos] === '}') {
      pos++
      return
    }
    for (;;) {
      skipWhitespace()
      if (text[pos] !== '"') {
        if (text[pos] === '}') fail('trailing comma before "}"')
        fail(`${describeHere()} (expected a key in double quotes)`)
      }
      const keyOffset = pos
      const key = readString()
      if (seen.has(key)) fail(`duplicate key ${JSON.stringify(key)}`, keyOffset)
      seen.add(key)
      const keyPath = [...path, key]
      locations.set(JSON.stringify(keyPath), keyOffset)
      skipWhitespace()
      if (text[pos] !== ':') fail(`${describeHere()} (expected ":" after the key)`)
      pos++
      readValue(keyPath, depth + 1)
      skipWhitespace()
      if (text[pos] === ',') {
        pos++
        continue
      }
      if (text[pos] === '}') {
        pos++
        return
      }
      fail(`${describeHere()} (expected "," or "}")`)
    }
  }
  const readArray = (path: (string | number)[], depth: number) => {
    pos++
    skipWhitespace()
    if (text[pos] === ']') {
      pos++
      return
    }
    for (let index = 0; ; index++) {
      skipWhitespace()
      if (text[pos] === ']') fail('trailing comma before "]"')
      const itemPath = [...path, index]
      locations.set(JSON.stringify(itemPath), pos)
      readValue(itemPath, depth + 1)
      skipWhitespace()
      if (text[pos] === ',') {
        pos++
        continue
      }
      if (text[pos] === ']') {
        pos++
        return
      }
      fail(`${describeHere()} (expected "," or "]")`)
    }
  }

  try {
    // A UTF-8 BOM is tolerated: editors on Windows add it.
    if (text.charCodeAt(0) === 0xfeff) pos = 1
    skipWhitespace()
    if (pos >= text.length) fail('the file is empty (expected a JSON object)')
    locations.set('[]', pos)
    readValue([], 0)
    skipWhitespace()
    if (pos < text.length) fail(`${describeHere()} after the end of the JSON value`)
    return { locations }
  } catch (error) {
    if (error instanceof JsonSyntaxError)
      return { error: { offset: error.offset, message: error.message }, locations }
    throw error
  }
}
