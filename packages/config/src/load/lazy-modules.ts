import { createRequire } from 'node:module'

// Parsers this package loads on first use, synchronously: importing @systemprompt/config stays cheap for the
// commands that never read YAML (tenant list, db list) or never need a JSON parse tree.
const require = createRequire(import.meta.url)

type YamlModule = typeof import('yaml')
type JsoncParser = typeof import('jsonc-parser')

let yaml: YamlModule | undefined
let jsonc: JsoncParser | undefined

/** The yaml package (profiles, compose files' locations). */
export function yamlModule(): YamlModule {
  yaml ??= require('yaml') as YamlModule
  return yaml
}

/**
 * jsonc-parser: its module builds ~250 KB of cached indentation strings as it loads, and only an error's
 * location in a JSON file or an edit that keeps a file's formatting needs it.
 */
export function jsoncParser(): JsoncParser {
  jsonc ??= require('jsonc-parser') as JsoncParser
  return jsonc
}
