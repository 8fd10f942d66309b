// The generated entry of the CLI bundle: every command class (the CLI's own and the bundled plugins') behind
// oclif's explicit command strategy, and the package.json oclif reads, embedded (nothing is read from disk).
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ErrorCode, SystempromptError } from '@systemprompt/config/core'

/**
 * The explicit strategy's target (`oclif.commands.target`): oclif `require()`s it; the entry's require shim
 * answers this file name with `{COMMANDS}`. No such file exists anywhere.
 */
export const COMMANDS_TARGET = 'systemprompt-bundled-commands.cjs'

/**
 * oclif plugins that cannot work inside the single executable, with the reason. Their commands are left out
 * of COMMANDS (every other plugin of `oclif.plugins` has its commands bundled); the bundle run from an
 * installed CLI (`node dist/bundle/systemprompt.cjs`, node_modules next to it) loads them from disk
 * (`diskPlugins`).
 */
const UNBUNDLED_PLUGINS: Readonly<Record<string, string>> = {
  '@oclif/plugin-plugins':
    'it installs npm packages and loads them from disk at run time; a single executable loads only what it embeds',
}

/** Hooks of a bundled plugin that only @oclif/plugin-plugins fires: safe to drop with it. */
const PLUGIN_MANAGER_HOOKS = /^plugins:/

interface ManifestCommand {
  relativePath?: string[]
  pluginName?: string
  pluginAlias?: string
  pluginType?: string
  [key: string]: unknown
}

interface Manifest {
  version?: string
  commands: Record<string, ManifestCommand>
}

interface PackageJson {
  name: string
  version: string
  description?: string
  license?: string
  engines?: Record<string, string>
  oclif?: Record<string, unknown> & { plugins?: string[]; hooks?: Record<string, unknown> }
}

export interface CliEntry {
  /** JavaScript source of the esbuild entry (ESM; `require` calls are resolved by esbuild). */
  source: string
  /** Command id → module file, in the order of the manifests. */
  commands: Record<string, string>
  /** The package.json the entry passes to oclif. */
  pjson: Record<string, unknown>
  /** Plugins of `oclif.plugins` whose commands are bundled / left out. */
  bundledPlugins: string[]
  skippedPlugins: string[]
  /**
   * The oclif manifest of every bundled command, all of them the CLI's own (the bundle is one plugin). oclif
   * reads it from the bundle's directory: help and command lookup then need no command module loaded.
   */
  manifest: { version: string; commands: Record<string, ManifestCommand> }
}

function failed(message: string, fix: string, file?: string): SystempromptError {
  return new SystempromptError({ code: ErrorCode.RELEASE_BUILD_FAILED, category: 'user', message, fix, file })
}

function readJson<T>(file: string, what: string, fix: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T
  } catch (error) {
    throw failed(`Cannot read ${what} ${file}: ${(error as Error).message}`, fix, file)
  }
}

/** A package's directory as Node would find it from `from` (node_modules upward), symlinks resolved. */
function packageDir(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate)
    if (dirname(dir) === dir)
      throw failed(
        `The oclif plugin ${name} is not installed next to ${from}`,
        'Install the CLI dependencies (pnpm install), then build again',
      )
  }
}

/** Every command in `root`'s oclif.manifest.json: its absolute module file and its manifest entry. */
function manifestCommands(
  root: string,
  fix: string,
): Record<string, { file: string; entry: ManifestCommand }> {
  const file = join(root, 'oclif.manifest.json')
  const manifest = readJson<Manifest>(file, 'the oclif manifest', fix)
  const out: Record<string, { file: string; entry: ManifestCommand }> = {}
  for (const [id, command] of Object.entries(manifest.commands ?? {})) {
    if (!command.relativePath?.length) throw failed(`${file}: command ${id} has no relativePath`, fix, file)
    out[id] = { file: join(root, ...command.relativePath), entry: command }
  }
  return out
}

/**
 * The entry for the CLI package at `cliRoot` (its package.json and an up-to-date oclif.manifest.json: run
 * `oclif manifest` first). `runtime` is the module exporting `requireShim` and `runBundled` (the CLI's
 * dist/startup/bundle-entry.js).
 */
export function cliEntry(cliRoot: string, runtime: string): CliEntry {
  const pkg = readJson<PackageJson>(
    join(cliRoot, 'package.json'),
    'the CLI package.json',
    'Check apps/cli/package.json',
  )
  const ownFix = 'Build the CLI first: tsc -p tsconfig.build.json && oclif manifest'
  const commands: Record<string, string> = {}
  const entries: Record<string, ManifestCommand> = {}
  const add = (id: string, found: { file: string; entry: ManifestCommand }) => {
    commands[id] = found.file
    // One plugin: the bundle. Where a command came from is of no use to oclif (no file paths are read).
    const { relativePath: _path, isESM: _esm, pluginName: _name, pluginAlias: _alias, ...rest } = found.entry
    entries[id] = { ...rest, pluginName: pkg.name, pluginAlias: pkg.name, pluginType: 'core' }
  }
  for (const [id, found] of Object.entries(manifestCommands(cliRoot, ownFix))) add(id, found)
  const bundledPlugins: string[] = []
  const skippedPlugins: string[] = []
  for (const plugin of pkg.oclif?.plugins ?? []) {
    if (UNBUNDLED_PLUGINS[plugin] !== undefined) {
      skippedPlugins.push(plugin)
      continue
    }
    const dir = packageDir(plugin, cliRoot)
    const pluginPkg = readJson<PackageJson>(
      join(dir, 'package.json'),
      `${plugin}'s package.json`,
      'Reinstall it',
    )
    const hooks = Object.keys(pluginPkg.oclif?.hooks ?? {}).filter((hook) => !PLUGIN_MANAGER_HOOKS.test(hook))
    if (hooks.length > 0)
      throw failed(
        `The oclif plugin ${plugin} has hooks (${hooks.join(', ')}) that the bundle cannot run`,
        `Leave ${plugin} out of the bundle (UNBUNDLED_PLUGINS) or register its hooks in the CLI`,
      )
    for (const [id, found] of Object.entries(manifestCommands(dir, `Reinstall ${plugin}`))) {
      if (commands[id] !== undefined)
        throw failed(`Command ${id} exists in the CLI and in ${plugin}`, 'Rename one of them')
      add(id, found)
    }
    bundledPlugins.push(plugin)
  }

  const { plugins: _plugins, ...oclif } = pkg.oclif ?? {}
  const pjson = {
    name: pkg.name,
    version: pkg.version,
    ...(pkg.description === undefined ? {} : { description: pkg.description }),
    ...(pkg.license === undefined ? {} : { license: pkg.license }),
    ...(pkg.engines === undefined ? {} : { engines: pkg.engines }),
    oclif: {
      ...oclif,
      commands: { strategy: 'explicit', target: `./${COMMANDS_TARGET}`, identifier: 'COMMANDS' },
      plugins: [],
    },
  }

  // Each class is loaded on first access: `--version` never initialises a command module, and oclif reads
  // them all only when it builds its command list.
  const lines = [
    `import { requireShim, runBundled } from ${JSON.stringify(runtime)}`,
    'const COMMANDS = {}',
    'function commandClass(m) {',
    "  if (m && typeof m.run === 'function') return m",
    "  if (m && m.default && typeof m.default.run === 'function') return m.default",
    "  return Object.values(m || {}).find((v) => v && typeof v.run === 'function')",
    '}',
    'function define(id, load) {',
    '  Object.defineProperty(COMMANDS, id, {',
    '    enumerable: true,',
    '    configurable: true,',
    '    get() {',
    '      const value = commandClass(load())',
    '      Object.defineProperty(COMMANDS, id, { enumerable: true, value })',
    '      return value',
    '    },',
    '  })',
    '}',
    ...Object.entries(commands).map(
      ([id, file]) => `define(${JSON.stringify(id)}, () => require(${JSON.stringify(file)}))`,
    ),
    // The bundle's own `require` (the CJS wrapper's): oclif's loader calls it for the explicit target.
    `require = requireShim(require, ${JSON.stringify(COMMANDS_TARGET)}, COMMANDS)`,
    `runBundled({ commands: COMMANDS, pjson: ${JSON.stringify(pjson)}, diskPlugins: ${JSON.stringify(skippedPlugins)} })`,
    '',
  ]
  return {
    source: lines.join('\n'),
    commands,
    pjson,
    bundledPlugins,
    skippedPlugins,
    manifest: { version: pkg.version, commands: entries },
  }
}
