/**
 * `--version` without oclif: the line oclif prints (its `config.userAgent`), from the package.json the bundle
 * embeds. Only when no user plugins are installed (their init hooks may want to run) and nobody debugs oclif.
 */
import { existsSync, readFileSync } from 'node:fs'
import { arch, homedir, platform, release, tmpdir } from 'node:os'
import { join } from 'node:path'

interface CliPackage {
  name: string
  version: string
  oclif?: { bin?: string; dirname?: string }
}

/**
 * Any sign of WSL, which oclif reports as a platform of its own (is-wsl, which also tells WSL from a container
 * inside it): then oclif answers --version itself.
 */
function maybeWsl(): boolean {
  if (platform() !== 'linux') return false
  if (release().toLowerCase().includes('microsoft')) return true
  if (existsSync('/proc/sys/fs/binfmt_misc/WSLInterop') || existsSync('/run/WSL')) return true
  try {
    return readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft')
  } catch {
    return false
  }
}

/** The line oclif prints for --version (not on WSL: see canAnswerVersion). */
export function versionLine(pkg: CliPackage): string {
  const cpu = arch() === 'ia32' ? 'x86' : arch()
  return `${pkg.name}/${pkg.version} ${platform()}-${cpu} node-${process.version}`
}

/** oclif's `<BIN>_<KEY>` environment variable (e.g. SYSTEMPROMPT_DATA_DIR). */
function scopedEnv(pkg: CliPackage, key: string, env: NodeJS.ProcessEnv): string | undefined {
  const bin = pkg.oclif?.bin ?? pkg.name
  const name = `${bin.replaceAll('@', '').replaceAll(/[/-]/g, '_')}_${key}`.toUpperCase()
  return env[name] || undefined
}

/** oclif's data directory (where `plugins install` keeps a package.json of the user's plugins). */
export function dataDir(pkg: CliPackage, env: NodeJS.ProcessEnv): string {
  const scoped = scopedEnv(pkg, 'DATA_DIR', env)
  if (scoped) return scoped
  const home = env.HOME || homedir() || tmpdir()
  return join(env.XDG_DATA_HOME || join(home, '.local/share'), pkg.oclif?.dirname ?? pkg.name)
}

/** Whether `--version` can be answered here, or must go through oclif (user plugins, debugging, WSL). */
export function canAnswerVersion(pkg: CliPackage, env: NodeJS.ProcessEnv, userPlugins: boolean): boolean {
  if (env.DEBUG || scopedEnv(pkg, 'DEBUG', env) || maybeWsl()) return false
  return !userPlugins || !existsSync(join(dataDir(pkg, env), 'package.json'))
}
