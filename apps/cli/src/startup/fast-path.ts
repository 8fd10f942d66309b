/**
 * Startup fast paths. Loading @oclif/core and reading every plugin's manifest costs more than a bare
 * `node` start; for the two invocations people type most (`--version`, top-level `--help`) that is
 * all overhead. This module imports node builtins only.
 *
 * - `--version` prints the same line oclif prints (its `config.userAgent`) straight from package.json.
 *   Skipped when the user installed plugins (their init hooks may want to run).
 * - Top-level `--help` (or `-h`, the same thing: see argv.ts) is served from a cache that oclif's own
 *   rendering filled the first time. The cache key covers everything the text depends on: CLI version, the
 *   built manifest, installed user plugins, terminal width, color settings and the argv itself, so a stale
 *   text is never shown.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
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

function mtimeOf(path: string): string {
  try {
    const s = statSync(path)
    return `${s.size}:${s.mtimeMs}`
  } catch {
    return 'none'
  }
}

/** Whether the user installed or linked plugins (`systemprompt plugins install ...`). */
function userPluginsFile(pkg: CliPackage, env: NodeJS.ProcessEnv): string {
  return join(xdgDir(pkg, 'data', env), 'package.json')
}

/** Cache file for this exact help invocation, or undefined when help can't be cached. */
function helpCacheFile(ctx: FastPathContext, pkg: CliPackage): string | undefined {
  const env = ctx.env ?? process.env
  const stdout = ctx.stdout ?? process.stdout
  if (platform() === 'darwin' || platform() === 'win32') return undefined // other cache dirs; keep it simple
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        pkg.version,
        process.version,
        ctx.argv,
        mtimeOf(join(ctx.root, 'oclif.manifest.json')),
        mtimeOf(join(ctx.root, 'package.json')),
        mtimeOf(userPluginsFile(pkg, env)),
        stdout.isTTY === true,
        stdout.columns,
        env.COLUMNS,
        env.OCLIF_COLUMNS,
        env.NO_COLOR,
        env.FORCE_COLOR,
        env.TERM,
        scopedEnv(pkg, 'CONTENT_TYPE', env),
      ]),
    )
    .digest('hex')
    .slice(0, 24)
  return join(xdgDir(pkg, 'cache', env), 'help', `${key}.txt`)
}

export type FastPathOutcome =
  | { handled: true }
  | {
      handled: false /** Call with oclif's help output after a successful run to fill the cache. */
      remember?: (text: string) => void
    }

/** Serves `--version` / top-level `--help` without loading oclif when it safely can. */
export function tryFastPath(input: FastPathContext): FastPathOutcome {
  // `-h` and `--help` are one invocation: one cache entry, one text.
  const ctx = { ...input, argv: normalizeArgv(input.argv) }
  const env = ctx.env ?? process.env
  const stdout = ctx.stdout ?? process.stdout
  if (ctx.argv.length !== 1) return { handled: false }
  const [arg] = ctx.argv as [string]
  if (arg !== '--version' && arg !== '--help') return { handled: false }
  let pkg: CliPackage
  try {
    pkg = readPackage(ctx.root)
  } catch {
    return { handled: false }
  }
  // Debugging oclif itself: always take the real path.
  if (env.DEBUG || scopedEnv(pkg, 'DEBUG', env)) return { handled: false }

  if (arg === '--version') {
    if (mtimeOf(userPluginsFile(pkg, env)) !== 'none') return { handled: false }
    stdout.write(`${versionLine(pkg)}\n`)
    return { handled: true }
  }

  const file = helpCacheFile(ctx, pkg)
  if (file === undefined) return { handled: false }
  try {
    stdout.write(readFileSync(file, 'utf8'))
    return { handled: true }
  } catch {
    return {
      handled: false,
      remember: (text: string) => {
        try {
          mkdirSync(join(file, '..'), { recursive: true })
          const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`
          writeFileSync(temp, text)
          renameSync(temp, file) // atomic: a concurrent reader sees the whole text or none
        } catch {
          // A read-only or missing cache directory only costs speed.
        }
      },
    }
  }
}
