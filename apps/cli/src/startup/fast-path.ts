/**
 * What bin/run.js decides before anything heavy loads (node builtins only):
 *
 * - `--version` prints the same line oclif prints (its `config.userAgent`) from package.json, the data oclif
 *   reads. Skipped when the user installed plugins (their init hooks may want to run).
 * - Which program runs: the bundle (dist/bundle/systemprompt.cjs, every command in one file: no module
 *   resolution, no manifest reading) unless the user installed plugins or runs `plugins ...`, which need
 *   oclif's plugin loader and node_modules (the unbundled dist/ with oclif.manifest.json), or
 *   SYSTEMPROMPT_CLI_UNBUNDLED=1 asks for that path. Nothing here reads a cache of rendered output.
 */
import { existsSync, readFileSync } from 'node:fs'
import { arch, homedir, platform, release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { normalizeArgv } from './argv.js'

interface CliPackage {
  name: string
  version: string
  oclif?: { bin?: string; dirname?: string }
}

export interface FastPathContext {
  /** Directory of the CLI package (holds package.json and oclif.manifest.json). */
  root: string
  argv: string[]
  env?: NodeJS.ProcessEnv
  stdout?: NodeJS.WriteStream
}

function readPackage(root: string): CliPackage {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as CliPackage
}

function oclifPlatform(): string {
  // oclif reports WSL as its own platform.
  return platform() === 'linux' && release().toLowerCase().includes('microsoft') ? 'wsl' : platform()
}

/** The line oclif prints for --version. */
export function versionLine(pkg: CliPackage): string {
  const cpu = arch() === 'ia32' ? 'x86' : arch()
  return `${pkg.name}/${pkg.version} ${oclifPlatform()}-${cpu} node-${process.version}`
}

function scopedEnv(pkg: CliPackage, key: string, env: NodeJS.ProcessEnv): string | undefined {
  const bin = pkg.oclif?.bin ?? pkg.name
  const name = `${bin.replaceAll('@', '').replaceAll(/[/-]/g, '_')}_${key}`.toUpperCase()
  return env[name] || undefined
}

function xdgDir(pkg: CliPackage, category: 'cache' | 'data', env: NodeJS.ProcessEnv): string {
  const dirname = pkg.oclif?.dirname ?? pkg.name
  const scoped = scopedEnv(pkg, category === 'cache' ? 'CACHE_DIR' : 'DATA_DIR', env)
  if (scoped) return scoped
  const home = env.HOME || homedir() || tmpdir()
  const base =
    env[`XDG_${category.toUpperCase()}_HOME`] || join(home, category === 'data' ? '.local/share' : '.cache')
  return join(base, dirname)
}

/** Whether the user installed or linked plugins (`systemprompt plugins install ...`). */
function userPluginsFile(pkg: CliPackage, env: NodeJS.ProcessEnv): string {
  return join(xdgDir(pkg, 'data', env), 'package.json')
}

function hasUserPlugins(pkg: CliPackage, env: NodeJS.ProcessEnv): boolean {
  try {
    const file = JSON.parse(readFileSync(userPluginsFile(pkg, env), 'utf8')) as { oclif?: { plugins?: unknown[] } }
    return (file.oclif?.plugins?.length ?? 0) > 0
  } catch {
    return false
  }
}

export type StartPlan = { kind: 'version'; line: string } | { kind: 'bundle'; file: string } | { kind: 'oclif' }

/** How this invocation starts: the `--version` line, the bundle, or oclif over dist/ (see the top). */
export function startPlan(input: FastPathContext): StartPlan {
  const ctx = { ...input, argv: normalizeArgv(input.argv) }
  const env = ctx.env ?? process.env
  let pkg: CliPackage
  try {
    pkg = readPackage(ctx.root)
  } catch {
    return { kind: 'oclif' }
  }
  // Debugging oclif itself: always take the real path.
  if (env.DEBUG || scopedEnv(pkg, 'DEBUG', env)) return { kind: 'oclif' }
  const plugins = hasUserPlugins(pkg, env)
  if (ctx.argv.length === 1 && ctx.argv[0] === '--version' && !plugins)
    return { kind: 'version', line: versionLine(pkg) }
  const bundle = join(ctx.root, 'dist', 'bundle', 'systemprompt.cjs')
  if (plugins || ctx.argv[0] === 'plugins' || env.SYSTEMPROMPT_CLI_UNBUNDLED === '1' || !existsSync(bundle))
    return { kind: 'oclif' }
  return { kind: 'bundle', file: bundle }
}
