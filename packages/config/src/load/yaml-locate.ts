import type { Document, LineCounter, Node } from 'yaml'
import { yamlModule } from './lazy-modules.js'

type Location = { line: number; column: number }
/**
 * Line of the deepest YAML node on `path`: the key of a map entry (that is where a reader looks), an item
 * of a sequence, or the nearest existing parent when the key is missing. The one YAML key-path locator:
 * config's loaders and compose's parser both use it.
 */
export function locateYamlPath(
  doc: Document.Parsed | Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
): Location | undefined {
  const { isMap, isPair, isScalar, isSeq } = yamlModule()
  let node: unknown = doc.contents
  let offset = rangeStart(node)
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      )
      if (!pair) break
      offset = rangeStart(pair.key) ?? offset
      node = pair.value
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment]
      if (item === undefined) break
      offset = rangeStart(item) ?? offset
      node = item
    } else {
      break
    }
  }
  if (offset === undefined) return undefined
  const pos = lineCounter.linePos(offset)
  return { line: pos.line, column: pos.col }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range
  return range ? range[0] : undefined
}
