import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli, STACK_FRAME, snapshotTree, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

let dir: ReturnType<typeof tempDir>
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => {
  dir.remove()
})

const mode = (path: string) => statSync(path).mode & 0o777

// The layout itself (modes, texts, idempotence, justfile handling, the real `just`) is proved in
// @systemprompt/scaffold; here: the command's flags, envelope, human output and exit codes.
describe('systemprompt init', () => {
  it('lays out the project: the --json envelope lists what was created', () => {
    const run = runCli(['init', '--json'], { cwd: dir.path })
    expect(run.status).toBe(0)
    expect(run.json).toMatchObject({ status: 0, warnings: [] })
    expect(run.json?.result.root).toBe(dir.path)
    expect(run.json?.result.created).toEqual([
      '.systemprompt',
      '.systemprompt/docker',
      '.systemprompt/docker/.secrets',
      '.systemprompt/profiles',
      'services',
      'services/database',
      'services/database/migrations',
      'web',
      '.systemprompt/.gitignore',
      '.systemprompt/.dockerignore',
      '.systemprompt/Dockerfile',
      '.systemprompt/entrypoint.sh',
      'services/database/migrations/README.md',
      'web/README.md',
      'web/index.html',
      '.systemprompt/tenants.json',
      'justfile',
    ])
    expect(mode(join(dir.path, '.systemprompt', 'tenants.json'))).toBe(0o600)
  })

  it('says what it did for humans, and "Nothing to do" on a second run that writes nothing', () => {
    const first = runCli(['init'], { cwd: dir.path })
    expect(first.status).toBe(0)
    expect(first.stdout).toContain(`Project: ${dir.path}`)
    expect(first.stdout).toMatch(/^ {2}created {5}\.systemprompt\/Dockerfile$/m)
    expect(first.stdout).toContain('Next: systemprompt cloud tenant create')
    const before = snapshotTree(dir.path)
    const second = runCli(['init', '--json'], { cwd: dir.path })
    expect(second.status).toBe(0)
    expect(second.json?.result.created).toEqual([])
    expect(second.json?.result.changed).toEqual([])
    const human = runCli(['init'], { cwd: dir.path })
    expect(human.stdout).toContain('Nothing to do')
    expect(snapshotTree(dir.path)).toEqual(before)
  })

  it('--force rewrites an edited file; --dir creates the directory', () => {
    runCli(['init'], { cwd: dir.path })
    const dockerfile = join(dir.path, '.systemprompt', 'Dockerfile')
    writeFileSync(dockerfile, 'FROM scratch\n')
    expect(runCli(['init', '--json'], { cwd: dir.path }).json?.result.kept).toContain(
      '.systemprompt/Dockerfile',
    )
    const force = runCli(['init', '--force', '--json'], { cwd: dir.path })
    expect(force.status).toBe(0)
    expect(force.json?.result.changed).toEqual(['.systemprompt/Dockerfile'])
    expect(readFileSync(dockerfile, 'utf8')).toContain('FROM debian:bookworm-slim')

    const target = join(dir.path, 'nested', 'project')
    const run = runCli(['init', '--dir', target, '--json'], { cwd: dir.path })
    expect(run.status).toBe(0)
    expect(run.json?.result.root).toBe(target)
    expect(existsSync(join(target, '.systemprompt', 'tenants.json'))).toBe(true)
  })

  it("a note of the scaffold (the user's own justfile) becomes a warning", () => {
    writeFileSync(join(dir.path, 'justfile'), 'test:\n    echo mine\n')
    const run = runCli(['init', '--json'], { cwd: dir.path })
    expect(run.status).toBe(0)
    expect(run.json?.warnings.join('\n')).toContain("import '.systemprompt/systemprompt.just'")
    const human = runCli(['init'], { cwd: dir.path })
    expect(human.stderr).toContain('Warning: justfile exists and was left alone')
  })

  it('refuses a file where a directory belongs: clear error, exit 3, nothing written', () => {
    writeFileSync(join(dir.path, '.systemprompt'), 'x')
    const before = snapshotTree(dir.path)
    const json = runCli(['init', '--json'], { cwd: dir.path })
    expect(json.status).toBe(3)
    expect(json.json?.error).toMatchObject({
      code: 'CONFIG_NOT_A_DIRECTORY',
      file: join(dir.path, '.systemprompt'),
      category: 'user',
    })
    expect(json.json?.error.fix).toMatch(/\S/)
    const human = runCli(['init'], { cwd: dir.path })
    expect(human.status).toBe(3)
    expect(human.stderr).toContain('Error [CONFIG_NOT_A_DIRECTORY]')
    expect(human.stderr).toContain(`at ${join(dir.path, '.systemprompt')}`)
    expect(human.stderr).toContain('Fix: ')
    expect(human.stderr).not.toMatch(STACK_FRAME)
    expect(snapshotTree(dir.path)).toEqual(before)
  })
})

describe('usage errors', () => {
  it('an unknown flag exits 2 with a USAGE envelope', () => {
    const run = runCli(['init', '--no-such-flag', '--json'], { cwd: dir.path })
    expect(run.status).toBe(2)
    expect(run.json).toMatchObject({ status: 2, error: { code: 'USAGE', category: 'usage' } })
    expect(run.json?.error.message).toContain('--no-such-flag')
    const human = runCli(['init', '--no-such-flag'], { cwd: dir.path })
    expect(human.status).toBe(2)
    expect(human.stderr).toMatch(/^Error \[USAGE\]: Nonexistent flag: --no-such-flag/)
    expect(human.stderr).not.toMatch(STACK_FRAME)
    expect(snapshotTree(dir.path)).toEqual({})
  })

  it('an unknown command exits 2', () => {
    const run = runCli(['no-such-command', '--json'], { cwd: dir.path })
    expect(run.status).toBe(2)
    expect(run.json?.error.code).toBe('COMMAND_NOT_FOUND')
  })

  it('a command that needs a project says so and points to init (exit 3)', () => {
    const run = runCli(['config', 'validate', '--json'], { cwd: dir.path })
    expect(run.status).toBe(3)
    expect(run.json?.error.code).toBe('PROJECT_NOT_FOUND')
    expect(run.json?.error.fix).toContain('systemprompt init')
  })
})
