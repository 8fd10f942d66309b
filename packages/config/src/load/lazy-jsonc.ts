import { createRequire } from 'node:module'

type JsoncParser = typeof import('jsonc-parser')

let jsonc: JsoncParser | undefined

/**
 * jsonc-parser, loaded on first use: its module builds ~250 KB of cached indentation strings as it loads
 * (bench: the heap of every command that imported config), and only an error's location in a JSON file or an
 * edit that keeps a file's formatting needs it.
 */
export function jsoncParser(): JsoncParser {
  jsonc ??= createRequire(import.meta.url)('jsonc-parser') as JsoncParser
  return jsonc
}
