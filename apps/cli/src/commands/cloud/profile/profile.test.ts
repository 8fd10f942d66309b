import { runCli, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

// Profiles need no engine: these run the real binary on a fresh project.
let dir: ReturnType<typeof tempDir>
beforeEach(() => {
  dir = tempDir()
  expect(runCli(['init', '--json'], { cwd: dir.path }).status).toBe(0)
})
afterEach(() => {
  dir.remove()
})

const URL = 'postgres://app:s3cret-pw@db.example.com:5432/app'
const cli = (...args: string[]) => runCli(['cloud', 'profile', ...args], { cwd: dir.path })

describe('cloud profile create / list: DATABASE_URL masked unless --show-secrets', () => {
  it('create masks the password, and shows it with --show-secrets', () => {
    const made = cli('create', '--name', 'staging', '--database-url', URL, '--json')
    expect(made.status, made.stdout).toBe(0)
    expect(made.json?.result.databaseUrl).toBe('postgres://app:********@db.example.com:5432/app')
    expect(made.stdout).not.toContain('s3cret-pw')
    const shown = cli('create', '--name', 'other', '--database-url', URL, '--show-secrets', '--json')
    expect(shown.json?.result.databaseUrl).toBe(URL)
  })

  it('list masks the password (JSON and table), and shows it with --show-secrets (the bug: always ***)', () => {
    expect(cli('create', '--name', 'staging', '--database-url', URL).status).toBe(0)
    const masked = cli('list', '--json')
    expect(masked.status).toBe(0)
    expect(masked.json?.result.profiles).toEqual([
      expect.objectContaining({
        name: 'staging',
        databaseUrl: 'postgres://app:********@db.example.com:5432/app',
      }),
    ])
    const table = cli('list')
    expect(table.stdout).toContain('postgres://app:********@db.example.com:5432/app')
    expect(table.stdout).not.toContain('s3cret-pw')

    const revealed = cli('list', '--show-secrets', '--json')
    expect(revealed.json?.result.profiles[0].databaseUrl).toBe(URL)
    expect(cli('list', '--show-secrets').stdout).toContain(URL)
  })
})

describe('cloud profile create NAME', () => {
  it('takes the name as its argument, like show and delete; a different --name is a usage error', () => {
    const made = cli('create', 'staging', '--database-url', URL, '--json')
    expect(made.status, made.stdout).toBe(0)
    expect(made.json?.result.name).toBe('staging')
    expect(cli('show', 'staging', '--json').status).toBe(0)
    const both = cli('create', 'one', '--name', 'two', '--database-url', URL, '--json')
    expect(both.status).toBe(2)
    expect(both.json?.error).toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('"one" and --name "two"'),
    })
    const none = cli('create', '--database-url', URL, '--json')
    expect(none.status).toBe(2)
    expect(none.json?.error.code).toBe('USAGE')
  })
})
