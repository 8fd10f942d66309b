/**
 * The CLI's start inside the bundle (`dist/bundle/systemprompt.cjs`) and the release binary that embeds it.
 * The generated entry (@systemprompt/build's cliEntry) holds every command class in COMMANDS and the
 * package.json oclif reads; it swaps the bundle's `require` for `requireShim` and calls `runBundled`.
 * Only the same argv rules, `--version` line and top-level error rendering as bin/run.js; nothing is read
 * from disk to start (a single executable has no package files next to it).
 */
import { createRequire } from 'node:module'
import { basename, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Interfaces } from '@oclif/core'
import { normalizeArgv } from './argv.js'
import { versionLine } from './fast-path.js'

/** This file inside the bundle: the bundle itself, or the executable (esbuild defines import.meta.url so). */
function bundleFile(): string {
  return fileURLToPath(import.meta.url)
}

/**
 * oclif `require()`s the explicit strategy's target (and `require.resolve`s it first). A single executable's
 * own `require` loads Node built-ins only: answer the target with `{COMMANDS}` and send everything else to a
 * real `require` of the bundle's location (built-ins; a file such as an MCP artifact on disk).
 */
export function requireShim(original: NodeJS.Require, target: string, commands: object): NodeJS.Require {
  const disk = createRequire(bundleFile())
  const isTarget = (id: unknown): id is string => typeof id === 'string' && basename(id) === target
  const shim = ((id: string) => (isTarget(id) ? { COMMANDS: commands } : disk(id))) as NodeJS.Require
  const resolve = ((id: string, options?: { paths?: string[] }) =>
    isTarget(id) ? id : disk.resolve(id, options)) as NodeJS.RequireResolve
  resolve.paths = (request) => disk.resolve.paths(request)
  shim.resolve = resolve
  shim.cache = disk.cache
  shim.extensions = disk.extensions
  shim.main = original.main
  return shim
}

export interface BundledCli {
  commands: object
  pjson: Interfaces.PJSON & { name: string; version: string }
}

export async function runBundled(cli: BundledCli): Promise<void> {
  // `-h` is `--help`; `--json` before the command goes after it (see argv.ts).
  const argv = normalizeArgv(process.argv.slice(2))
  if (argv.length === 1 && argv[0] === '--version') {
    // No user plugins can exist here (they are never loaded from a bundle): the line needs no oclif.
    process.stdout.write(`${versionLine(cli.pjson)}\n`)
    return
  }
  // No TypeScript sources next to a bundle: never look for a tsconfig or ts-node/tsx.
  const global = globalThis as { oclif?: Record<string, unknown> }
  // oclif's settings object is this global (kept, not replaced: oclif may hold it already)
  global.oclif ??= {}
  global.oclif.enableAutoTranspile = false
  const { flush, run } = await import('@oclif/core')
  try {
    await run(argv, {
      pjson: cli.pjson,
      // No package files live next to the bundle (or the executable): oclif builds its command list from
      // COMMANDS. User and dev plugins are never loaded (they would need node_modules on disk).
      root: dirname(bundleFile()),
      userPlugins: false,
      devPlugins: false,
    })
    await flush()
  } catch (error) {
    // Errors before a command runs (unknown command) get the same rendering, --json envelope and exit codes as
    // errors inside a command.
    const { reportTopLevelError } = await import('@systemprompt/command')
    process.exitCode = reportTopLevelError(error, argv)
  }
}
