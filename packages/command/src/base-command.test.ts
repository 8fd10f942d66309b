import { Flags } from '@oclif/core'
import { SystempromptError } from '@systemprompt/config'
import { afterEach, describe, expect, it } from 'vitest'
import { BaseCommand } from './base-command.js'
import { yesFlag } from './flags.js'

// Commands built on the base, run in-process through oclif's own Command.run with stdout/stderr captured.
class Echo extends BaseCommand<typeof Echo> {
  static override flags = {
    value: Flags.string(),
    fail: Flags.string({ description: 'category to fail with' }),
    yes: yesFlag,
    ask: Flags.boolean(),
    say: Flags.string({ description: 'a value the user typed, echoed through every output path' }),
  }

  async run(): Promise<unknown> {
    if (this.flags.say !== undefined) {
      const said = this.flags.say
      this.spinner(`Creating ${said}`).succeed()
      this.log(`Name: ${said}`)
      this.logLines(['table head', `cell ${said}`])
      this.logToStderr(`Note: ${said}`)
      this.warn(`odd name ${said}`)
      throw new SystempromptError({
        code: 'USAGE',
        category: 'usage',
        message: `bad name ${said}`,
        fix: `rename ${said}`,
      })
    }
    this.warn('careful: postgres://u:pw@127.0.0.1/db')
    if (this.flags.ask) await this.confirm({ message: 'Delete tenant acme', typed: 'acme' })
    if (this.flags.fail) {
      throw new SystempromptError({
        code: 'NOT_IMPLEMENTED',
        category: this.flags.fail as 'user',
        message: 'failed with password=hunter2',
        fix: 'do the thing',
        file: '/p/x.yaml',
        line: 7,
      })
    }
    if (this.flags.value === 'zero') return 0
    if (this.flags.value === 'none') return undefined
    this.log(`url postgres://u:pw@127.0.0.1/db`)
    return { database_url: 'postgres://u:pw@127.0.0.1/db', admin_password: 'pw', port: 5432 }
  }
}
Echo.id = 'echo'

async function capture(argv: string[]) {
  let stdout = ''
  let stderr = ''
  const out = process.stdout.write
  const err = process.stderr.write
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString()
    return true
  }) as typeof process.stdout.write
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString()
    return true
  }) as typeof process.stderr.write
  process.exitCode = undefined
  try {
    await Echo.run(argv, import.meta.url)
  } finally {
    process.stdout.write = out
    process.stderr.write = err
  }
  const exitCode = process.exitCode
  process.exitCode = undefined
  let json: Record<string, unknown> | undefined
  try {
    json = JSON.parse(stdout)
  } catch {}
  return { stdout, stderr, exitCode, json }
}

afterEach(() => {
  process.exitCode = undefined
})

describe('BaseCommand', () => {
  it('prints the success envelope with masked secrets and the warnings', async () => {
    const r = await capture(['--json'])
    expect(r.exitCode ?? 0).toBe(0)
    expect(r.json).toEqual({
      status: 0,
      result: { database_url: 'postgres://u:********@127.0.0.1/db', admin_password: '********', port: 5432 },
      warnings: ['careful: postgres://u:********@127.0.0.1/db'],
    })
    expect(r.stderr).toBe('')
  })

  it('shows secrets with --show-secrets', async () => {
    const r = await capture(['--json', '--show-secrets'])
    expect(r.json?.result).toMatchObject({
      database_url: 'postgres://u:pw@127.0.0.1/db',
      admin_password: 'pw',
    })
  })

  it('prints an envelope for falsy results too', async () => {
    expect((await capture(['--json', '--value', 'zero'])).json).toMatchObject({ status: 0, result: 0 })
    expect((await capture(['--json', '--value', 'none'])).json).toMatchObject({ status: 0, result: null })
  })

  it('masks human output and sends warnings to stderr', async () => {
    const r = await capture([])
    expect(r.stdout).toBe('url postgres://u:********@127.0.0.1/db\n')
    expect(r.stderr).toBe('Warning: careful: postgres://u:********@127.0.0.1/db\n')
  })

  it.each([
    ['user', 3],
    ['engine', 4],
    ['database', 5],
    ['conflict', 6],
    ['internal', 1],
  ])('a %s error exits %i with the error envelope', async (category, code) => {
    const r = await capture(['--json', '--fail', category])
    expect(r.exitCode).toBe(code)
    expect(r.json).toEqual({
      status: code,
      error: {
        code: 'NOT_IMPLEMENTED',
        category,
        message: 'failed with password=********',
        fix: 'do the thing',
        file: '/p/x.yaml',
        line: 7,
      },
      warnings: ['careful: postgres://u:********@127.0.0.1/db'],
    })
  })

  it('renders errors for humans on stderr without a stack trace', async () => {
    const r = await capture(['--fail', 'user'])
    expect(r.exitCode).toBe(3)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain(
      'Error [NOT_IMPLEMENTED]: failed with password=********\n  at /p/x.yaml:7\n  Fix: do the thing\n',
    )
    expect(r.stderr).not.toMatch(/\n\s+at .*\.(js|ts):\d+/)
  })

  it('turns a parse error into a usage error (exit 2)', async () => {
    const r = await capture(['--json', '--bogus'])
    expect(r.exitCode).toBe(2)
    expect(r.json).toMatchObject({ status: 2, error: { code: 'USAGE', category: 'usage' } })
  })

  it('refuses a confirmation under --json unless --yes, saying --json (not "no terminal")', async () => {
    const refused = await capture(['--json', '--ask'])
    expect(refused.exitCode).toBe(3)
    expect(refused.json).toMatchObject({
      error: { code: 'CONFIRMATION_REQUIRED', message: expect.stringContaining('--json needs --yes') },
    })
    const confirmed = await capture(['--json', '--ask', '--yes'])
    expect(confirmed.json).toMatchObject({ status: 0 })
  })

  it('--json on a terminal: still "--json needs --yes", never "no terminal is attached" (the bug)', async () => {
    const stdin = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY')
    const stderr = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY')
    Object.defineProperty(process.stdin, 'isTTY', { value: true, configurable: true })
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true })
    try {
      const refused = await capture(['--json', '--ask'])
      expect(refused.exitCode).toBe(3)
      expect(refused.json?.error).toMatchObject({ code: 'CONFIRMATION_REQUIRED' })
      const message = (refused.json?.error as { message: string } | undefined)?.message
      expect(message).toContain('--json needs --yes to confirm')
      expect(message).not.toContain('terminal')
    } finally {
      for (const [stream, descriptor] of [
        [process.stdin, stdin],
        [process.stderr, stderr],
      ] as const) {
        if (descriptor) Object.defineProperty(stream, 'isTTY', descriptor)
        else delete (stream as { isTTY?: boolean }).isTTY
      }
    }
  })

  it('shows control characters of a user value as escapes in every human output path', async () => {
    const r = await capture(['--say', 'evil\x1b[31m\nforged\r\u009b2J'])
    const all = r.stdout + r.stderr
    // Nothing raw: no ESC, no CSI, no carriage return, and the value's line break did not make a line.
    expect(all).not.toMatch(/[\u001b\u009b\r]/)
    expect(all.split('\n').filter((line) => line.startsWith('forged'))).toEqual([])
    expect(r.stdout).toBe(
      'Name: evil\\x1b[31m\\nforged\\r\\x9b2J\ntable head\ncell evil\\x1b[31m\\nforged\\r\\x9b2J\n',
    )
    expect(r.stderr).toContain('Creating evil\\x1b[31m\\nforged\\r\\x9b2J')
    expect(r.stderr).toContain('Note: evil\\x1b[31m')
    expect(r.stderr).toContain('Warning: odd name evil\\x1b[31m\\nforged')
    expect(r.stderr).toContain('Error [USAGE]: bad name evil\\x1b[31m\\nforged\\r\\x9b2J\n')
    expect(r.stderr).toContain('  Fix: rename evil\\x1b[31m\\n')
  })

  it('--json keeps the value exact, with C1 controls escaped as \\uXXXX (JSON.stringify leaves them raw)', async () => {
    const r = await capture(['--json', '--say', 'a\x1bb\u009bc\nd'])
    expect(r.stdout).not.toMatch(/[\u001b\u009b]/)
    expect(r.stdout).toContain('\\u009b')
    expect((r.json?.error as { message: string } | undefined)?.message).toBe('bad name a\x1bb\u009bc\nd')
  })
})
