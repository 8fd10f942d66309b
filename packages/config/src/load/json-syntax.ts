/**
 * Strict JSON (RFC 8259) syntax check and key locations, on top of `jsonc-parser` (comments and trailing
 * commas disallowed). JSON.parse alone is not enough: its messages quote the file's text (which may hold a
 * password) and give no line. jsonc-parser reports offsets; we add the one check it lacks (duplicate keys,
 * which JSON.parse silently resolves to the last one) and our own messages, which name at most one character.
 */
import { type Node, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser'

export interface JsonSyntax {
  /** Offset and reason of the first syntax error, if any. */
  error?: { offset: number; message: string }
  /** Offset of the deepest existing node on `path`: the key of an object member, else the value. */
  locate(path: readonly PropertyKey[]): number | undefined
}

function describe(text: string, error: ParseError): string {
  const ch = text[error.offset]
  const here =
    error.offset >= text.length || ch === undefined
      ? 'unexpected end of file'
      : `unexpected character ${JSON.stringify(ch)}`
  switch (printParseErrorCode(error.error)) {
    case 'InvalidSymbol':
      if (ch === "'") return 'strings must use double quotes (") in JSON, not single quotes (\')'
      return `${here} (expected a value)`
    case 'PropertyNameExpected':
      return ch === '}' ? 'trailing comma before "}"' : `${here} (expected a key in double quotes)`
    case 'ValueExpected':
      if (ch === ']') return 'trailing comma before "]"'
      return error.offset === 0 && text.trim() === ''
        ? 'the file is empty (expected a JSON object)'
        : `${here} (expected a value)`
    case 'ColonExpected':
      return `${here} (expected ":" after the key)`
    case 'CommaExpected':
      return `${here} (expected "," or a closing bracket)`
    case 'CloseBraceExpected':
      return `${here} (expected "," or "}")`
    case 'CloseBracketExpected':
      return `${here} (expected "," or "]")`
    case 'EndOfFileExpected':
      return `${here} after the end of the JSON value`
    case 'UnexpectedEndOfString':
      return 'unterminated string (missing closing quote)'
    case 'InvalidCharacter':
      return 'control character or line break inside a string (missing closing quote?)'
    case 'InvalidUnicode':
      return 'invalid \\u escape in string'
    case 'InvalidEscapeCharacter':
      return 'invalid escape in string'
    case 'InvalidNumberFormat':
    case 'UnexpectedEndOfNumber':
      return 'invalid number'
    case 'InvalidCommentToken':
    case 'UnexpectedEndOfComment':
      return 'comments are not allowed in JSON'
    default:
      return here
  }
}

/** The first duplicate key (offset of its second occurrence), depth first. */
function duplicateKey(node: Node | undefined): { offset: number; key: string } | undefined {
  if (!node?.children) return undefined
  if (node.type === 'object') {
    const seen = new Set<string>()
    for (const property of node.children) {
      const key = property.children?.[0]
      if (key && typeof key.value === 'string') {
        if (seen.has(key.value)) return { offset: key.offset, key: key.value }
        seen.add(key.value)
      }
    }
  }
  for (const child of node.children) {
    const found = duplicateKey(child)
    if (found) return found
  }
  return undefined
}

function child(node: Node, segment: PropertyKey): Node | undefined {
  if (node.type === 'object') {
    return node.children?.find((p) => p.children?.[0]?.value === String(segment))
  }
  if (node.type === 'array' && typeof segment === 'number') return node.children?.[segment]
  return undefined
}

export function checkJsonSyntax(input: string): JsonSyntax {
  // A UTF-8 BOM is tolerated: editors on Windows add it. Blanked, not cut, so offsets stay the file's.
  const text = input.charCodeAt(0) === 0xfeff ? ` ${input.slice(1)}` : input
  const errors: ParseError[] = []
  const tree = parseTree(text, errors, {
    disallowComments: true,
    allowTrailingComma: false,
    allowEmptyContent: false,
  })
  const locate = (path: readonly PropertyKey[]): number | undefined => {
    if (!tree) return undefined
    let node: Node = tree
    let offset = tree.offset
    for (const segment of path) {
      const next = child(node, segment)
      if (!next) break
      if (next.type === 'property') {
        offset = next.children?.[0]?.offset ?? next.offset
        const value = next.children?.[1]
        if (!value) break
        node = value
      } else {
        offset = next.offset
        node = next
      }
    }
    return offset
  }
  const first = errors[0]
  if (first) return { error: { offset: first.offset, message: describe(text, first) }, locate }
  const duplicate = duplicateKey(tree)
  if (duplicate)
    return {
      error: { offset: duplicate.offset, message: `duplicate key ${JSON.stringify(duplicate.key)}` },
      locate,
    }
  return { locate }
}
