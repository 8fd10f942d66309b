import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startPlan, versionLine } from './fast-path.js'

let dir: ReturnType<typeof tempDir>
let root: string
let env: NodeJS.ProcessEnv

function userPlugins(plugins: unknown[]): void {
  mkdirSync(join(dir.path, 'data', 'systemprompt'), { recursive: true })
  writeFileSync(
    join(dir.path, 'data', 'systemprompt', 'package.json'),
    JSON.stringify({ private: true, oclif: { schema: 1, plugins } }),
  )
}

beforeEach(() => {
  dir = tempDir()
  root = join(dir.path, 'cli')
  mkdirSync(join(root, 'dist', 'bundle'), { recursive: true })
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({ name: 'systemprompt', version: '9.8.7', oclif: { bin: 'systemprompt' } }),
  )
  writeFileSync(join(root, 'dist', 'bundle', 'systemprompt.cjs'), '')
  env = { HOME: dir.path, XDG_DATA_HOME: join(dir.path, 'data') }
})
afterEach(() => dir.remove())

describe('startPlan', () => {
  it('--version: the line oclif prints, from package.json', () => {
    expect(startPlan({ root, argv: ['--version'], env })).toEqual({
      kind: 'version',
      line: `systemprompt/9.8.7 ${process.platform}-${process.arch} node-${process.version}`,
    })
    expect(versionLine({ name: 'x', version: '1.0.0' })).toMatch(/^x\/1\.0\.0 \S+-\S+ node-v\d+/)
  })

  it('everything else runs the bundle, --help included (no cache of rendered text)', () => {
    for (const argv of [[], ['init'], ['--help'], ['-h'], ['db', 'up', '--help'], ['--version', '--json']])
      expect(startPlan({ root, argv, env })).toEqual({
        kind: 'bundle',
        file: join(root, 'dist', 'bundle', 'systemprompt.cjs'),
      })
  })

  it('oclif over dist/: user plugins, `plugins ...`, DEBUG, SYSTEMPROMPT_CLI_UNBUNDLED=1, no bundle built', () => {
    expect(startPlan({ root, argv: ['plugins', 'list'], env }).kind).toBe('oclif')
    expect(startPlan({ root, argv: ['init'], env: { ...env, DEBUG: '*' } }).kind).toBe('oclif')
    expect(startPlan({ root, argv: ['init'], env: { ...env, SYSTEMPROMPT_CLI_UNBUNDLED: '1' } }).kind).toBe('oclif')
    userPlugins([])
    // A plugin-less user manifest changes nothing.
    expect(startPlan({ root, argv: ['--version'], env }).kind).toBe('version')
    userPlugins([{ name: 'sp-plugin-x', type: 'user' }])
    expect(startPlan({ root, argv: ['--version'], env }).kind).toBe('oclif')
    expect(startPlan({ root, argv: ['init'], env }).kind).toBe('oclif')
    const bare = join(dir.path, 'bare')
    mkdirSync(bare)
    writeFileSync(join(bare, 'package.json'), JSON.stringify({ name: 'systemprompt', version: '1.0.0' }))
    expect(startPlan({ root: bare, argv: ['init'], env: { HOME: dir.path } }).kind).toBe('oclif')
  })
})

describe('through the real binary', () => {
  it('the bundle and oclif over dist/ print the same --help, --version and command help', () => {
    for (const argv of [['--help'], ['--version'], ['db', 'up', '--help'], ['version']]) {
      const bundled = runCli(argv, { cwd: dir.path, env: { XDG_DATA_HOME: join(dir.path, 'data') } })
      const unbundled = runCli(argv, {
        cwd: dir.path,
        env: { XDG_DATA_HOME: join(dir.path, 'data'), SYSTEMPROMPT_CLI_UNBUNDLED: '1' },
      })
      expect(bundled.status, bundled.stderr).toBe(0)
      expect(unbundled.status, unbundled.stderr).toBe(0)
      expect(bundled.stdout).toBe(unbundled.stdout)
    }
  })
})
