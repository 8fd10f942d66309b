// The installed `systemprompt` (bin/run.cjs): the bundle under a V8 code cache, its --version shortcut, and
// user plugins loaded from disk next to the bundle.
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
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

  it('keeps a code cache per command and bundle build, bounded, and survives a broken one', () => {
    const help = runCli(['--help'], { cwd: dir.path, env })
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('USAGE')
    const [helpFile] = cacheFiles('.bin') as [string]
    // <bundle path hash>-<bundle id><size and mtime hash>-<node>-<arch>-<command hash>.bin: nothing of the
    // command line in it.
    expect(helpFile).toMatch(
      new RegExp(`^[0-9a-f]{8}-[0-9a-f]{24}-${process.version}-${process.arch}-[0-9a-f]{8}\\.bin$`),
    )
    const build = helpFile.slice(0, helpFile.lastIndexOf('-') + 1)
    const helpBytes = readFileSync(join(cacheDir(), helpFile))
    expect(helpBytes.byteLength).toBeGreaterThan(100_000)
    expect(statSync(join(cacheDir(), helpFile)).mode & 0o077).toBe(0)
    expect(statSync(cacheDir()).mode & 0o077).toBe(0)

    // A new command starts from the smallest file and writes its own; a command that has one writes nothing.
    expect(runCli(['db', 'up', '--help'], { cwd: dir.path, env }).stdout).toContain('USAGE')
    expect(cacheFiles('.bin')).toHaveLength(2)
    expect(runCli(['--help'], { cwd: dir.path, env }).status).toBe(0)
    expect(readFileSync(join(cacheDir(), helpFile)).equals(helpBytes)).toBe(true)
    // Arguments are not part of the key (the command is: its oclif id, however it is written).
    expect(runCli(['db', 'url', 'secret-looking-name'], { cwd: dir.path, env }).status).not.toBe(0)
    expect(runCli(['db:url', 'another-name'], { cwd: dir.path, env }).status).not.toBe(0)
    expect(cacheFiles('.bin')).toHaveLength(3)

    // Garbage where the cache was: V8 refuses it, the command runs as it would without, the file is made anew.
    writeFileSync(join(cacheDir(), helpFile), 'not a code cache')
    const again = runCli(['--help'], { cwd: dir.path, env })
    expect(again.status).toBe(0)
    expect(again.stdout).toBe(help.stdout)
    expect(readFileSync(join(cacheDir(), helpFile)).byteLength).toBeGreaterThan(100_000)

    // Files of an earlier build of this bundle go with the next write; another Node version's stay; another
    // install's (path) stay until unused for a month.
    const [bundlePart, , , arch] = helpFile.split('-')
    const earlier = `${bundlePart}-${'0'.repeat(24)}-${process.version}-${arch}-00000000.bin`
    const otherNode = `${bundlePart}-${'0'.repeat(24)}-v18.0.0-${arch}-00000000.bin`
    const otherInstall = `00000000-${'0'.repeat(24)}-${process.version}-${arch}-00000000.bin`
    const oldInstall = `11111111-${'0'.repeat(24)}-${process.version}-${arch}-00000000.bin`
    for (const name of [earlier, otherNode, otherInstall, oldInstall])
      writeFileSync(join(cacheDir(), name), 'old')
    const monthsAgo = new Date(Date.now() - 40 * 24 * 3600 * 1000)
    utimesSync(join(cacheDir(), oldInstall), monthsAgo, monthsAgo)
    expect(runCli(['cloud', 'profile', 'list', '--help'], { cwd: dir.path, env }).status).toBe(0)
    expect(cacheFiles('.bin')).toEqual(expect.arrayContaining([otherNode, otherInstall]))
    expect(cacheFiles('.bin')).not.toContain(earlier)
    expect(cacheFiles('.bin')).not.toContain(oldInstall)
    expect(cacheFiles('.bin').filter((name) => name.startsWith(build))).toHaveLength(4)

    // At most 24 files per build: then a new command runs from the smallest one (here garbage) and writes none.
    for (let i = 0; i < 20; i++) writeFileSync(join(cacheDir(), `${build}f${i}.bin`), 'x')
    expect(runCli(['config', 'validate', '--help'], { cwd: dir.path, env }).status).toBe(0)
    expect(cacheFiles('.bin').filter((name) => name.startsWith(build))).toHaveLength(24)
    expect(cacheFiles('.tmp')).toEqual([])
  })

  it('uses no code cache others can write in, and a bundle changed in place gets a cache of its own', () => {
    expect(runCli(['--help'], { cwd: dir.path, env }).status).toBe(0)
    const [helpFile] = cacheFiles('.bin') as [string]
    expect(runCli(['db', 'up', '--help'], { cwd: dir.path, env }).status).toBe(0)
    const [otherFile] = cacheFiles('.bin').filter((name) => name !== helpFile) as [string]
    // A cache V8 accepts (another command's, of the same bundle) where --help's was, in a directory others can
    // write in: not read (it would run), so --help writes its own, and the directory is private again.
    const planted = readFileSync(join(cacheDir(), otherFile))
    writeFileSync(join(cacheDir(), helpFile), planted)
    chmodSync(cacheDir(), 0o777)
    expect(runCli(['--help'], { cwd: dir.path, env }).status).toBe(0)
    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700)
    expect(readFileSync(join(cacheDir(), helpFile)).equals(planted)).toBe(false)
    // Whatever else was in it may have been put there by someone else: gone.
    expect(cacheFiles('.bin')).toEqual([helpFile])
    // The same in a private directory is read and accepted: nothing is written.
    writeFileSync(join(cacheDir(), helpFile), planted)
    expect(runCli(['--help'], { cwd: dir.path, env }).status).toBe(0)
    expect(readFileSync(join(cacheDir(), helpFile)).equals(planted)).toBe(true)

    // A cache home that belongs to someone else (root with a user's HOME, as under sudo): no directory is made
    // there that its owner then could not write.
    if (process.getuid?.() === 0) {
      const theirs = join(dir.path, 'theirs')
      mkdirSync(theirs)
      chownSync(theirs, 4321, 4321)
      expect(runCli(['--help'], { cwd: dir.path, env: { ...env, XDG_CACHE_HOME: theirs } }).status).toBe(0)
      expect(readdirSync(theirs)).toEqual([])
    }

    // Same build id and length, another mtime (an edit by hand that kept the length): another build, so --help
    // writes a file of its own and the earlier build's go.
    const bundle = fileURLToPath(new URL('../../dist/bundle/systemprompt.cjs', import.meta.url))
    const { atime, mtime } = statSync(bundle)
    try {
      utimesSync(bundle, atime, new Date(mtime.getTime() + 60_000))
      expect(runCli(['--help'], { cwd: dir.path, env }).status).toBe(0)
      expect(cacheFiles('.bin')).toHaveLength(1)
      expect(cacheFiles('.bin')).not.toContain(helpFile)
    } finally {
      utimesSync(bundle, atime, mtime)
    }
  })

  it('starts without its chunks: help, init and config validate read none (they hold what few commands run)', () => {
    const cli = join(fileURLToPath(import.meta.url), '..', '..', '..')
    const copy = join(dir.path, 'cli')
    cpSync(join(cli, 'bin'), join(copy, 'bin'), { recursive: true })
    cpSync(join(cli, 'package.json'), join(copy, 'package.json'))
    cpSync(join(cli, 'dist', 'bundle'), join(copy, 'dist', 'bundle'), {
      recursive: true,
      filter: (source) => !source.includes(`${join('dist', 'bundle', 'chunks')}`),
    })
    symlinkSync(join(cli, 'node_modules'), join(copy, 'node_modules'))
    expect(existsSync(join(cli, 'dist', 'bundle', 'chunks'))).toBe(true)
    expect(existsSync(join(copy, 'dist', 'bundle', 'chunks'))).toBe(false)
    const project = join(dir.path, 'project')
    mkdirSync(project)
    for (const args of [['--help'], ['db', 'up', '--help'], ['init'], ['config', 'validate']]) {
      const ran = spawnSync(process.execPath, [join(copy, 'bin', 'run.cjs'), ...args], {
        cwd: project,
        encoding: 'utf8',
        env: { ...process.env, ...env, NO_COLOR: '1', SYSTEMPROMPT_DATA_DIR: join(dir.path, 'data', 'sp') },
      })
      expect({ args, status: ran.status, stderr: ran.stderr }).toEqual({ args, status: 0, stderr: '' })
    }
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
