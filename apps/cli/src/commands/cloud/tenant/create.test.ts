import { execFileSync, spawnSync } from 'node:child_process'
import { CLI_BIN, childEnv, runCli, snapshotTree, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

// What `cloud tenant create` decides before it touches an engine: the name's forms, its check, the messages.
let dir: ReturnType<typeof tempDir>
beforeEach(() => {
  dir = tempDir()
  expect(runCli(['init', '--json'], { cwd: dir.path }).status).toBe(0)
}, 60_000)
afterEach(() => dir.remove())

const cli = (...args: string[]) => runCli(['cloud', 'tenant', 'create', ...args], { cwd: dir.path })

/** Whether `script` (util-linux) can give a child a pseudo-terminal here. */
const hasScript = spawnSync('script', ['--version']).status === 0

/** The binary on a real pseudo-terminal (stdin, stdout, stderr all TTYs); output as the terminal got it. */
function onTerminal(args: string[]): { status: number | null; output: string } {
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`
  const command = [process.execPath, CLI_BIN, ...args].map(quote).join(' ')
  const run = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd: dir.path,
    env: childEnv(),
    encoding: 'utf8',
    input: '',
    timeout: 60_000,
  })
  return { status: run.status, output: run.stdout }
}

describe('cloud tenant create: the name', () => {
  it('a positional and --name that disagree are a usage error (exit 2); nothing written', () => {
    const before = snapshotTree(dir.path)
    const run = cli('one', '--name', 'two', '--yes', '--json')
    expect(run.status).toBe(2)
    expect(run.json?.error).toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('"one" and --name "two"'),
    })
    expect(snapshotTree(dir.path)).toEqual(before)
  })

  it('the positional form is the create command, not "Unknown command: cloud:tenant:create:NAME" (the bug)', () => {
    // A bad positional reaches the name check of create: proof that create took it as its argument.
    const run = cli('Not_Valid', '--yes', '--json')
    expect(run.json?.error.code).toBe('TENANT_NAME_INVALID')
    expect(run.status).toBe(3)
  })

  it('ESC sequences and line breaks in a name: rejected before any progress line, shown as escapes', () => {
    const before = snapshotTree(dir.path)
    for (const args of [['evil\x1b[31m\nname'], ['--name', 'evil\x1b[31m\nname']]) {
      const run = cli(...args, '--yes')
      expect(run.status).toBe(3)
      expect(run.stdout).toBe('')
      expect(run.stderr).not.toContain('Creating tenant')
      expect(run.stderr).not.toMatch(/[\u001b\r]/)
      expect(run.stderr.split('\n')[0]).toMatch(
        /^Error \[TENANT_NAME_INVALID\]: Invalid tenant name "evil\\u001b\[31m\\nname"/,
      )
    }
    expect(snapshotTree(dir.path)).toEqual(before)
  })

  it('a bad --profile or --database-url is refused before the first progress line too', () => {
    const profile = cli('good', '--profile', 'Bad\x1b[2J', '--yes')
    expect(profile.status).toBe(3)
    expect(profile.stderr).not.toContain('Creating tenant')
    expect(profile.stderr).not.toMatch(/\u001b/)
    const url = cli('good', '--database', 'external', '--database-url', 'http://x\x1b[2J', '--yes')
    expect(url.status).toBe(3)
    expect(url.stderr).not.toContain('Creating tenant')
    expect(url.stderr).not.toMatch(/\u001b/)
  })

  it('without a name: --json says --json (nothing is asked), no terminal says no terminal', () => {
    const json = cli('--json')
    expect(json.status).toBe(2)
    expect(json.json?.error.message).toContain('--json')
    expect(json.json?.error.message).not.toContain('terminal')
    expect(cli().stderr).toContain('no terminal to ask on')
  })

  it.skipIf(!hasScript)(
    '--json on a real terminal: machine output, and the message says --json, not "no terminal"',
    () => {
      const run = onTerminal(['cloud', 'tenant', 'create', '--json'])
      expect(run.status).toBe(2)
      const envelope = JSON.parse(run.output.slice(run.output.indexOf('{')))
      expect(envelope.error.code).toBe('USAGE')
      expect(envelope.error.message).toContain('--json needs it')
      expect(envelope.error.message).not.toContain('terminal')
    },
  )

  it.skipIf(!hasScript)(
    'a confirmation under --json on a terminal: "--json needs --yes", not "no terminal"',
    () => {
      const made = runCli(['cloud', 'profile', 'create', 'p1', '--database-url', 'postgres://a:b@h/d'], {
        cwd: dir.path,
      })
      expect(made.status).toBe(0)
      const run = onTerminal(['cloud', 'profile', 'delete', 'p1', '--json'])
      expect(run.status).toBe(3)
      const envelope = JSON.parse(run.output.slice(run.output.indexOf('{')))
      expect(envelope.error.code).toBe('CONFIRMATION_REQUIRED')
      expect(envelope.error.message).toContain('--json needs --yes to confirm')
      expect(envelope.error.message).not.toContain('terminal')
      // Nothing was deleted.
      expect(execFileSync('ls', ['.systemprompt/profiles'], { cwd: dir.path, encoding: 'utf8' })).toContain(
        'p1',
      )
    },
  )
})
