import { SystempromptError } from '@systemprompt/config/core'
import { yaml } from './lazy-yaml.js'

export type KeyPath = (string | number)[]

export interface Position {
  line: number
  column: number
}

/** A parsed YAML file that still knows where each value came from. */
export interface YamlSource {
  /** The document as plain JSON-like data. */
  data: unknown
  /** Line/column of the value at `path`, or of its nearest existing ancestor. */
  locate(path: KeyPath): Position | undefined
}

export function parseYamlSource(text: string, file: string): YamlSource {
  const { isMap, isNode, isScalar, LineCounter, parseDocument } = yaml()
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const error = doc.errors[0]
  if (error) {
    const pos = lineCounter.linePos(error.pos[0])
    const at = { line: pos.line, col: pos.col }
    throw new SystempromptError({
      code: 'COMPOSE_INVALID',
      message: `${file}:${at.line}:${at.col}: not valid YAML: ${error.message.split('\n')[0]}`,
      fix: `Fix the YAML syntax, or delete the file and run 'systemprompt db up' to generate it again.`,
      category: 'user',
      file,
      line: at.line,
      column: at.col,
      cause: error,
    })
  }
  const position = (offset: number): Position => {
    const pos = lineCounter.linePos(offset)
    return { line: pos.line, column: pos.col }
  }
  // A mapping entry is located at its key (`image:`), which is where a reader looks; a list item at itself.
  const locate = (path: KeyPath): Position | undefined => {
    for (let depth = path.length; depth > 0; depth--) {
      const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true)
      const last = path[depth - 1]
      if (isMap(parent)) {
        const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last)
        if (pair && isNode(pair.key) && pair.key.range) return position(pair.key.range[0])
      } else {
        const node = doc.getIn(path.slice(0, depth), true)
        if (isNode(node) && node.range) return position(node.range[0])
      }
    }
    const root = doc.contents
    return isNode(root) && root.range ? position(root.range[0]) : undefined
  }
  return { data: doc.toJS({ maxAliasCount: 50 }), locate }
}
