/**
 * The CLI's start inside the bundle (`dist/bundle/systemprompt.cjs`), which is what the installed
 * `systemprompt` runs (bin/run.cjs) and what the release binary embeds. The generated entry
 * (@systemprompt/build's cliEntry) holds every command class in COMMANDS and the package.json oclif reads; it
 * swaps the bundle's `require` for `requireShim` and calls `runBundled`.
 * - Installed (node_modules next to the bundle): oclif reads the manifest the build wrote next to the bundle
 *   (help and command lookup load no command module), and loads `diskPlugins` and the user's plugins from disk.
 * - Single executable: no package files next to it; no plugins but the bundled ones.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { isSea } from 'node:sea'
import { fileURLToPath } from 'node:url'
import type { Interfaces } from '@oclif/core'
import { normalizeArgv } from './argv.js'
import { canAnswerVersion, dataDir, versionLine } from './version.js'

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
  /** Plugins of the CLI's package.json that are not bundled: loaded from node_modules, never in a single executable. */
  diskPlugins?: string[]
}

/** oclif loads a core plugin named in `oclif.plugins` only when it is also among the dependencies. */
function withDiskPlugins(pjson: BundledCli['pjson'], plugins: string[]): BundledCli['pjson'] {
  return {
    ...pjson,
    dependencies: { ...pjson.dependencies, ...Object.fromEntries(plugins.map((name) => [name, '*'])) },
    oclif: { ...pjson.oclif, plugins },
  }
}

/** Whether the user's plugins (oclif's data directory) include one linked from a directory. */
function hasLinkedPlugins(pjson: BundledCli['pjson'], env: NodeJS.ProcessEnv): boolean {
  try {
    const user = JSON.parse(readFileSync(join(dataDir(pjson, env), 'package.json'), 'utf8')) as {
      oclif?: { plugins?: { type?: string }[] }
    }
    return user.oclif?.plugins?.some((plugin) => plugin?.type === 'link') ?? false
  } catch {
    return false // none, or unreadable: oclif reports that itself
  }
}

export async function runBundled(cli: BundledCli): Promise<void> {
  // `-h` is `--help`; `--json` before the command goes after it (see argv.ts).
  const argv = normalizeArgv(process.argv.slice(2))
  const installed = !isSea()
  if (argv.length === 1 && argv[0] === '--version' && canAnswerVersion(cli.pjson, process.env, installed)) {
    process.stdout.write(`${versionLine(cli.pjson)}\n`)
    return
  }
  const global = globalThis as { oclif?: Record<string, unknown> }
  // oclif's settings object is this global (kept, not replaced: oclif may hold it already).
  global.oclif ??= {}
  // No TypeScript sources next to the bundle: never look for a tsconfig or ts-node/tsx (oclif does when NODE_ENV is
  // development or test, and warns that typescript is missing), unless the user linked a plugin (`plugins link`):
  // oclif runs a linked plugin's TypeScript sources when it can, as in any oclif CLI.
  if (!installed || !hasLinkedPlugins(cli.pjson, process.env)) global.oclif.enableAutoTranspile = false
  const { flush, run } = await import('@oclif/core')
  try {
    await run(argv, {
      pjson: installed ? withDiskPlugins(cli.pjson, cli.diskPlugins ?? []) : cli.pjson,
      // The bundle's directory (or the executable's): oclif.manifest.json lies next to an installed bundle; plugins
      // are found from there (node_modules upwards).
      root: dirname(bundleFile()),
      userPlugins: installed,
      devPlugins: false,
    })
    await flush()
  } catch (error) {
    // Errors before a command runs (unknown command, broken plugin) get the same rendering, --json envelope and
    // exit codes as errors inside a command.
    const { reportTopLevelError } = await import('@systemprompt/command')
    process.exitCode = reportTopLevelError(error, argv)
  }
}
