// The generated entry of the CLI bundle, from a fixture CLI package: its manifest's commands, the bundled
// plugins' commands, @oclif/plugin-plugins left out, and the package.json oclif gets (explicit strategy).
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { type TempDir, tempDir } from '@systemprompt/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { COMMANDS_TARGET, cliEntry } from './cli-entry.js'

const dirs: TempDir[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove()
})

function fixture(plugin: { hooks?: Record<string, string>; ids?: string[] } = {}): string {
  const dir = tempDir('sp-cli-entry-')
  dirs.push(dir)
  const write = (path: string, value: unknown) => {
    mkdirSync(dirname(join(dir.path, path)), { recursive: true })
    writeFileSync(join(dir.path, path), JSON.stringify(value))
  }
  write('package.json', {
    name: 'fixture-cli',
    version: '1.2.3',
    description: 'A fixture',
    dependencies: { 'fx-plugin': '1.0.0' },
    scripts: { build: 'tsc' },
    oclif: {
      bin: 'fx',
      commands: { strategy: 'pattern', target: './dist/commands' },
      plugins: ['@oclif/plugin-plugins', 'fx-plugin'],
      topicSeparator: ' ',
      topics: { db: { description: 'Databases' } },
    },
  })
  write('oclif.manifest.json', {
    version: '1.2.3',
    commands: {
      hello: { id: 'hello', relativePath: ['dist', 'commands', 'hello.js'] },
      'db:up': { id: 'db:up', relativePath: ['dist', 'commands', 'db', 'up.js'] },
    },
  })
  write('node_modules/fx-plugin/package.json', {
    name: 'fx-plugin',
    version: '1.0.0',
    oclif: { commands: './lib/commands', ...(plugin.hooks ? { hooks: plugin.hooks } : {}) },
  })
  write('node_modules/fx-plugin/oclif.manifest.json', {
    version: '1.0.0',
    commands: Object.fromEntries(
      (plugin.ids ?? ['help']).map((id) => [id, { id, relativePath: ['lib', 'commands', `${id}.js`] }]),
    ),
  })
  return dir.path
}

describe('cliEntry', () => {
  it('holds every command of the CLI and of its bundled plugins, but not plugin-plugins', () => {
    const root = fixture({ hooks: { 'plugins:postinstall': './lib/hooks/refresh.js' } })
    const entry = cliEntry(root, '/x/dist/startup/bundle-entry.js')
    expect(entry.commands).toEqual({
      hello: join(root, 'dist', 'commands', 'hello.js'),
      'db:up': join(root, 'dist', 'commands', 'db', 'up.js'),
      help: join(root, 'node_modules', 'fx-plugin', 'lib', 'commands', 'help.js'),
    })
    expect(entry.bundledPlugins).toEqual(['fx-plugin'])
    expect(entry.skippedPlugins).toEqual(['@oclif/plugin-plugins'])
    for (const file of Object.values(entry.commands)) expect(entry.source).toContain(JSON.stringify(file))
    expect(entry.source).toContain(
      'import { requireShim, runBundled } from "/x/dist/startup/bundle-entry.js"',
    )
    expect(entry.source).toContain(`require = requireShim(require, "${COMMANDS_TARGET}", COMMANDS)`)
  })

  it('gives oclif the explicit strategy, no plugins, and only what it reads of package.json', () => {
    const entry = cliEntry(fixture(), '/x/entry.js')
    expect(entry.pjson).toEqual({
      name: 'fixture-cli',
      version: '1.2.3',
      description: 'A fixture',
      oclif: {
        bin: 'fx',
        commands: { strategy: 'explicit', target: `./${COMMANDS_TARGET}`, identifier: 'COMMANDS' },
        plugins: [],
        topicSeparator: ' ',
        topics: { db: { description: 'Databases' } },
      },
    })
    expect(entry.source).toContain(
      `runBundled({ commands: COMMANDS, pjson: ${JSON.stringify(entry.pjson)}, diskPlugins: ["@oclif/plugin-plugins"] })`,
    )
  })

  it("writes one manifest for all bundled commands, each the CLI's own, without file paths", () => {
    const entry = cliEntry(fixture(), '/x/entry.js')
    expect(entry.manifest.version).toBe('1.2.3')
    expect(Object.keys(entry.manifest.commands).sort()).toEqual(['db:up', 'hello', 'help'])
    for (const command of Object.values(entry.manifest.commands)) {
      expect(command).toMatchObject({
        pluginName: 'fixture-cli',
        pluginAlias: 'fixture-cli',
        pluginType: 'core',
      })
      expect(command).not.toHaveProperty('relativePath')
      expect(command).not.toHaveProperty('isESM')
    }
  })

  it('refuses a plugin with hooks the bundle cannot run, a command id twice, and a missing manifest', () => {
    expect(() => cliEntry(fixture({ hooks: { init: './lib/hooks/init.js' } }), '/x/entry.js')).toThrow(
      expect.objectContaining({
        code: 'RELEASE_BUILD_FAILED',
        message: 'The oclif plugin fx-plugin has hooks (init) that the bundle cannot run',
      }),
    )
    expect(() => cliEntry(fixture({ ids: ['hello'] }), '/x/entry.js')).toThrow(
      expect.objectContaining({
        code: 'RELEASE_BUILD_FAILED',
        message: 'Command hello exists in the CLI and in fx-plugin',
      }),
    )
    const empty = tempDir('sp-cli-entry-')
    dirs.push(empty)
    writeFileSync(
      join(empty.path, 'package.json'),
      JSON.stringify({ name: 'x', version: '1.0.0', oclif: {} }),
    )
    expect(() => cliEntry(empty.path, '/x/entry.js')).toThrow(
      expect.objectContaining({
        code: 'RELEASE_BUILD_FAILED',
        file: join(empty.path, 'oclif.manifest.json'),
        fix: 'Build the CLI first: tsc -p tsconfig.build.json && oclif manifest',
      }),
    )
  })
})
