import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { CLI_BIN, childEnv, runCli, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { normalizeArgv } from './argv.js'

describe('normalizeArgv', () => {
  it.each([
    [['-h'], ['--help']],
    [
      ['db', 'up', '-h'],
      ['db', 'up', '--help'],
    ],
    [
      ['--json', 'foo'],
      ['foo', '--json'],
    ],
    [
      ['--json', '--show-secrets', 'db', 'url', 'x'],
      ['db', 'url', 'x', '--json', '--show-secrets'],
    ],
    [['--json'], ['--json']],
    [
      ['--json', '--help'],
      ['--json', '--help'],
    ],
    [
      ['db', 'status', '--json'],
      ['db', 'status', '--json'],
    ],
    // After `--` everything is another program's: psql's -h is its host, --json its own business.
    [
      ['--json', 'db', 'psql', 'x', '--', '-h', 'host', '--json'],
      ['db', 'psql', 'x', '--json', '--', '-h', 'host', '--json'],
    ],
    [
      ['db', 'psql', '--', '-h'],
      ['db', 'psql', '--', '-h'],
    ],
  ])('%j -> %j', (argv, expected) => {
    expect(normalizeArgv(argv)).toEqual(expected)
  })
})

describe('through the real binary', () => {
  let dir: ReturnType<typeof tempDir>
  let env: Record<string, string>
  beforeEach(() => {
    dir = tempDir()
    env = { XDG_CACHE_HOME: join(dir.path, 'cache'), XDG_DATA_HOME: join(dir.path, 'data') }
  })
  afterEach(() => dir.remove())

  it('-h is --help: top level and per command', () => {
    const help = runCli(['--help'], { cwd: dir.path, env })
    const short = runCli(['-h'], { cwd: dir.path, env })
    expect(help.status).toBe(0)
    expect(short.status, short.stderr).toBe(0)
    expect(short.stdout).toBe(help.stdout)
    expect(help.stdout).toContain('USAGE')

    for (const command of [['db', 'up'], ['cloud', 'tenant', 'create'], ['db']]) {
      const long = runCli([...command, '--help'], { cwd: dir.path, env })
      const h = runCli([...command, '-h'], { cwd: dir.path, env })
      expect(long.status, command.join(' ')).toBe(0)
      expect(h.status, `${command.join(' ')}: ${h.stderr}`).toBe(0)
      expect(h.stdout).toBe(long.stdout)
      expect(h.stdout).toContain('USAGE')
    }
  })

  it('--json before an unknown command names the command, in the --json envelope (was "Unknown command: --json")', () => {
    const run = runCli(['--json', 'foo'], { cwd: dir.path, env })
    expect(run.status).toBe(2)
    expect(run.json?.error).toMatchObject({ code: 'COMMAND_NOT_FOUND', message: 'Unknown command: foo.' })
    const human = runCli(['foo'], { cwd: dir.path, env })
    expect(human.stderr).toContain('Error [COMMAND_NOT_FOUND]: Unknown command: foo.')
    // And a real command works with --json in front, as with git or docker.
    const version = runCli(['--json', 'version'], { cwd: dir.path, env })
    expect(version.status).toBe(0)
    expect(version.json?.result.version).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('a mistyped command is named with spaces, as typed', () => {
    const run = runCli(['cloud', 'tenant', 'nope', '--json'], { cwd: dir.path, env })
    expect(run.status).toBe(2)
    expect(run.json?.error.message).toBe('Unknown command: cloud tenant nope.')
  })

  it('never takes an argument from piped stdin (a script piping into `db url` means no tenant, not its input)', () => {
    expect(runCli(['init'], { cwd: dir.path, env }).status).toBe(0)
    const piped = spawnSync(process.execPath, [CLI_BIN, 'db', 'url', '--json'], {
      cwd: dir.path,
      env: childEnv(env),
      input: 'ghost\n',
      encoding: 'utf8',
    })
    expect(JSON.parse(piped.stdout).error).toMatchObject({ code: 'USAGE' })
    expect(piped.stdout).not.toContain('ghost')
  })
})
