// The installed `systemprompt` (bin/run.cjs): the bundle under a V8 code cache, its --version shortcut, and
// user plugins loaded from disk next to the bundle.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

let dir: ReturnType<typeof tempDir>
let env: Record<string, string>
const cacheDir = () => join(dir.path, 'cache', 'systemprompt', 'code-cache')
const cacheFiles = (suffix: string) => readdirSync(cacheDir()).filter((name) => name.endsWith(suffix))

beforeEach(() => {
  dir = tempDir()
  env = { XDG_CACHE_HOME: join(dir.path, 'cache'), XDG_DATA_HOME: join(dir.path, 'data') }
})
afterEach(() => dir.remove())

describe('the installed CLI', () => {
  it('answers --version as oclif does', () => {
    const fast = runCli(['--version'], { cwd: dir.path, env })
    // DEBUG makes every --version shortcut step aside: this is oclif's own line.
    const oclif = runCli(['--version'], { cwd: dir.path, env: { ...env, DEBUG: 'oclif:nothing' } })
    expect(fast.status).toBe(0)
    expect(oclif.status).toBe(0)
    expect(fast.stdout).toMatch(/^systemprompt\/\d+\.\d+\.\d+ \S+-\S+ node-v\d+/)
    expect(fast.stdout).toBe(oclif.stdout)
  })

  it('keeps a code cache that grows with each new command, and survives a broken one', () => {
    const help = runCli(['--help'], { cwd: dir.path, env })
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('USAGE')
    const [keys] = cacheFiles('.keys')
    const [data] = cacheFiles('.bin')
    // One key per command, hashed (no command line in plain text).
    expect(readFileSync(join(cacheDir(), keys as string), 'utf8')).toMatch(/^[0-9a-f]{8}$/)
    const size = readFileSync(join(cacheDir(), data as string)).byteLength
    expect(size).toBeGreaterThan(100_000)

    expect(runCli(['db', 'up', '--help'], { cwd: dir.path, env }).stdout).toContain('USAGE')
    expect(readFileSync(join(cacheDir(), keys as string), 'utf8').split('\n')).toHaveLength(2)
    expect(readFileSync(join(cacheDir(), data as string)).byteLength).toBeGreaterThan(size)
    // A command already in the cache does not write it again.
    expect(runCli(['--help'], { cwd: dir.path, env }).status).toBe(0)
    expect(readFileSync(join(cacheDir(), keys as string), 'utf8').split('\n')).toHaveLength(2)

    // Garbage where the cache was: V8 refuses it, the command runs as it would without, the cache is made anew.
    writeFileSync(join(cacheDir(), data as string), 'not a code cache')
    const again = runCli(['--help'], { cwd: dir.path, env })
    expect(again.status).toBe(0)
    expect(again.stdout).toBe(help.stdout)
    expect(readFileSync(join(cacheDir(), keys as string), 'utf8')).toMatch(/^[0-9a-f]{8}$/)
    expect(readFileSync(join(cacheDir(), data as string)).byteLength).toBeGreaterThan(100_000)
    expect(statSync(join(cacheDir(), data as string)).mode & 0o077).toBe(0)
    expect(runCli(['db', 'url', 'secret-looking-name'], { cwd: dir.path, env }).status).not.toBe(0)
    expect(readFileSync(join(cacheDir(), keys as string), 'utf8')).not.toContain('secret')
    expect(cacheFiles('.tmp')).toEqual([])
  })

  it('runs a command of an ESM plugin the user linked (loaded from disk by the bundled oclif)', () => {
    const plugin = join(dir.path, 'sp-hello')
    mkdirSync(join(plugin, 'commands'), { recursive: true })
    writeFileSync(
      join(plugin, 'package.json'),
      JSON.stringify({
        name: 'sp-hello',
        version: '1.0.0',
        type: 'module',
        oclif: { commands: './commands' },
      }),
    )
    writeFileSync(
      join(plugin, 'commands', 'hello.js'),
      [
        'export default class Hello {',
        "  static description = 'Say hello'",
        '  static flags = {}',
        '  static args = {}',
        "  static async run() { process.stdout.write('hello from sp-hello\\n') }",
        '}',
      ].join('\n'),
    )
    mkdirSync(join(dir.path, 'data', 'systemprompt'), { recursive: true })
    writeFileSync(
      join(dir.path, 'data', 'systemprompt', 'package.json'),
      JSON.stringify({
        private: true,
        oclif: { schema: 1, plugins: [{ type: 'link', name: 'sp-hello', root: plugin }] },
      }),
    )
    const quiet = { ...env, OCLIF_DISABLE_LINKED_ESM_WARNING: '1' }
    for (let i = 0; i < 2; i++) {
      // The second run compiles the bundle from the code cache the first one wrote.
      const run = runCli(['hello'], { cwd: dir.path, env: quiet })
      expect(run.stderr).toBe('')
      expect(run.stdout).toBe('hello from sp-hello\n')
    }
    expect(runCli(['plugins'], { cwd: dir.path, env: quiet }).stdout).toContain('sp-hello 1.0.0 (link)')
  })
})
