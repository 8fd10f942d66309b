/**
 * `--version` without oclif: the line oclif prints (its `config.userAgent`), from the package.json the bundle
 * embeds. Only when no user plugins are installed (their init hooks may want to run) and nobody debugs oclif.
 */
import { existsSync } from 'node:fs'
import { arch, homedir, platform, release, tmpdir } from 'node:os'
import { join } from 'node:path'

interface CliPackage {
  name: string
  version: string
  oclif?: { bin?: string; dirname?: string }
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

/** oclif's `<BIN>_<KEY>` environment variable (e.g. SYSTEMPROMPT_DATA_DIR). */
function scopedEnv(pkg: CliPackage, key: string, env: NodeJS.ProcessEnv): string | undefined {
  const bin = pkg.oclif?.bin ?? pkg.name
  const name = `${bin.replaceAll('@', '').replaceAll(/[/-]/g, '_')}_${key}`.toUpperCase()
  return env[name] || undefined
}

/** oclif's data directory (where `plugins install` keeps a package.json of the user's plugins). */
function dataDir(pkg: CliPackage, env: NodeJS.ProcessEnv): string {
  const scoped = scopedEnv(pkg, 'DATA_DIR', env)
  if (scoped) return scoped
  const home = env.HOME || homedir() || tmpdir()
  return join(env.XDG_DATA_HOME || join(home, '.local/share'), pkg.oclif?.dirname ?? pkg.name)
}

/** Whether `--version` can be answered here, or must go through oclif (user plugins, debugging). */
export function canAnswerVersion(pkg: CliPackage, env: NodeJS.ProcessEnv, userPlugins: boolean): boolean {
  if (env.DEBUG || scopedEnv(pkg, 'DEBUG', env)) return false
  return !userPlugins || !existsSync(join(dataDir(pkg, env), 'package.json'))
}
