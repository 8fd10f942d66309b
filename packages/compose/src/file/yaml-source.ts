import { locateYamlPath, SystempromptError } from '@systemprompt/config/core'
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
  const { LineCounter, parseDocument } = yaml()
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
  // A mapping entry is located at its key (`image:`), which is where a reader looks; a list item at itself.
  const locate = (path: KeyPath): Position | undefined => locateYamlPath(doc, lineCounter, path)
  return { data: doc.toJS({ maxAliasCount: 50 }), locate }
}
