import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { BuildOptions } from 'esbuild'
import { ARTIFACT_BANNER, ARTIFACT_DEFINE } from './banner.js'

/**
 * The bundler's options for every MCP server: one CommonJS file for Node 20 with everything bundled, so it
 * runs with no node_modules and no Node installed (under the release binary, `infra services run-mcp`).
 * Part of every artifact's hash: changing them rebuilds all.
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'bundle',
  legalComments: 'none',
  charset: 'utf8',
} as const satisfies BuildOptions

/** sha256 over the options, the banner and each input's path and content; undefined when one is unreadable. */
export function sourceHash(root: string, inputs: readonly string[]): string | undefined {
  const hash = createHash('sha256')
  hash.update(JSON.stringify({ options: BUNDLE_OPTIONS, banner: ARTIFACT_BANNER, define: ARTIFACT_DEFINE }))
  for (const input of [...inputs].sort()) {
    let content: Buffer
    try {
      content = readFileSync(resolve(root, input))
    } catch {
      return undefined
    }
    hash.update(`\0${input}\0${content.length}\0`)
    hash.update(content)
  }
  return hash.digest('hex')
}
