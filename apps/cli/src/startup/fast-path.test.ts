import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { runCli, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tryFastPath, versionLine } from './fast-path.js'

let dir: ReturnType<typeof tempDir>
let root: string
let env: NodeJS.ProcessEnv

function fakeStdout(columns?: number) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number }
  stream.isTTY = columns !== undefined
  stream.columns = columns
  let text = ''
  stream.on('data', (c) => {
    text += c.toString()
  })
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text }
}

const flushed = () => new Promise((r) => setImmediate(r))

beforeEach(() => {
  dir = tempDir()
  root = join(dir.path, 'cli')
  mkdirSync(root)
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({ name: 'systemprompt', version: '9.8.7', oclif: { bin: 'systemprompt' } }),
  )
  writeFileSync(join(root, 'oclif.manifest.json'), '{"commands":{}}')
  env = { HOME: dir.path, XDG_CACHE_HOME: join(dir.path, 'cache'), XDG_DATA_HOME: join(dir.path, 'data') }
})
afterEach(() => dir.remove())

describe('--version', () => {
  it('prints what oclif prints, without loading it', async () => {
    const out = fakeStdout()
    expect(tryFastPath({ root, argv: ['--version'], env, stdout: out.stream })).toEqual({ handled: true })
    await flushed()
    expect(out.text()).toBe(
      `systemprompt/9.8.7 ${process.platform}-${process.arch} node-${process.version}\n`,
    )
    expect(versionLine({ name: 'x', version: '1.0.0' })).toMatch(/^x\/1\.0\.0 \S+-\S+ node-v\d+/)
  })

  it('leaves it to oclif when the user installed plugins or debugs', () => {
    mkdirSync(join(dir.path, 'data', 'systemprompt'), { recursive: true })
    writeFileSync(join(dir.path, 'data', 'systemprompt', 'package.json'), '{}')
    expect(tryFastPath({ root, argv: ['--version'], env, stdout: fakeStdout().stream }).handled).toBe(false)
    const clean = { ...env, XDG_DATA_HOME: join(dir.path, 'elsewhere') }
    expect(
      tryFastPath({ root, argv: ['--version'], env: { ...clean, DEBUG: '*' }, stdout: fakeStdout().stream })
        .handled,
    ).toBe(false)
    expect(
      tryFastPath({
        root,
        argv: ['--version'],
        env: { ...clean, SYSTEMPROMPT_DEBUG: '1' },
        stdout: fakeStdout().stream,
      }).handled,
    ).toBe(false)
  })

  it('ignores anything but a lone --version / --help', () => {
    for (const argv of [[], ['init'], ['--version', '--json'], ['init', '--help'], ['-v']])
      expect(tryFastPath({ root, argv, env, stdout: fakeStdout().stream }).handled).toBe(false)
  })
})

describe('--help cache', () => {
  it('misses first, then serves exactly what was remembered', async () => {
    const first = tryFastPath({ root, argv: ['--help'], env, stdout: fakeStdout().stream })
    expect(first.handled).toBe(false)
    if (first.handled || !first.remember) throw new Error('expected a cache miss with remember()')
    first.remember('HELP TEXT\n')
    const out = fakeStdout()
    expect(tryFastPath({ root, argv: ['--help'], env, stdout: out.stream }).handled).toBe(true)
    await flushed()
    expect(out.text()).toBe('HELP TEXT\n')
  })

  it('misses again after a rebuild, a plugin install, another terminal width or other color settings', () => {
    const miss = tryFastPath({ root, argv: ['--help'], env, stdout: fakeStdout().stream })
    if (miss.handled || !miss.remember) throw new Error('expected a miss')
    miss.remember('old\n')
    expect(tryFastPath({ root, argv: ['--help'], env, stdout: fakeStdout().stream }).handled).toBe(true)

    expect(tryFastPath({ root, argv: ['--help'], env, stdout: fakeStdout(80).stream }).handled).toBe(false)
    expect(
      tryFastPath({ root, argv: ['--help'], env: { ...env, NO_COLOR: '1' }, stdout: fakeStdout().stream })
        .handled,
    ).toBe(false)
    // -h is --help: the same cache entry (the bug: -h was keyed apart, and oclif did not know it).
    expect(tryFastPath({ root, argv: ['-h'], env, stdout: fakeStdout().stream }).handled).toBe(true)

    const later = new Date(Date.now() + 5_000)
    utimesSync(join(root, 'oclif.manifest.json'), later, later)
    expect(tryFastPath({ root, argv: ['--help'], env, stdout: fakeStdout().stream }).handled).toBe(false)

    mkdirSync(join(dir.path, 'data', 'systemprompt'), { recursive: true })
    writeFileSync(join(dir.path, 'data', 'systemprompt', 'package.json'), '{}')
    expect(tryFastPath({ root, argv: ['--help'], env, stdout: fakeStdout().stream }).handled).toBe(false)
  })
})

describe('through the real binary', () => {
  it('--help from the cache is byte-identical to what oclif renders', () => {
    const cacheEnv = { XDG_CACHE_HOME: join(dir.path, 'cache'), XDG_DATA_HOME: join(dir.path, 'data') }
    const rendered = runCli(['--help'], { cwd: dir.path, env: cacheEnv })
    expect(readdirSync(join(dir.path, 'cache', 'systemprompt', 'help'))).toHaveLength(1)
    const cached = runCli(['--help'], { cwd: dir.path, env: cacheEnv })
    expect(rendered.status).toBe(0)
    expect(cached.status).toBe(0)
    expect(rendered.stdout).toContain('USAGE')
    expect(rendered.stdout).toContain('init')
    expect(cached.stdout).toBe(rendered.stdout)
  })

  it('--version from the fast path is byte-identical to oclif', () => {
    const fast = runCli(['--version'], { cwd: dir.path, env: { XDG_DATA_HOME: join(dir.path, 'data') } })
    // A (plugin-less) user plugin manifest sends --version through oclif.
    mkdirSync(join(dir.path, 'data', 'systemprompt'), { recursive: true })
    writeFileSync(
      join(dir.path, 'data', 'systemprompt', 'package.json'),
      JSON.stringify({ private: true, oclif: { schema: 1, plugins: [] } }),
    )
    const slow = runCli(['--version'], { cwd: dir.path, env: { XDG_DATA_HOME: join(dir.path, 'data') } })
    expect(fast.status).toBe(0)
    expect(slow.status).toBe(0)
    expect(fast.stdout).toBe(slow.stdout)
  })
})
