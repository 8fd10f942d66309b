import { SystempromptError } from '@systemprompt/config'
import { describe, expect, it } from 'vitest'
import { errorEnvelope, successEnvelope } from './envelope.js'
import { EXIT_CODES, exitCodeFor } from './exit-codes.js'
import { isOclifExit, normalizeError } from './normalize.js'
import { renderError } from './render.js'

describe('exit codes', () => {
  it('gives every category its own code', () => {
    expect(EXIT_CODES).toEqual({ ok: 0, internal: 1, usage: 2, user: 3, engine: 4, database: 5, conflict: 6 })
    const codes = (['usage', 'user', 'engine', 'database', 'conflict', 'internal'] as const).map(exitCodeFor)
    expect(new Set(codes).size).toBe(6)
    expect(codes).not.toContain(0)
  })
})

describe('envelopes', () => {
  it('success: status 0, result, warnings', () => {
    expect(successEnvelope({ a: 1 }, ['w'])).toEqual({ status: 0, result: { a: 1 }, warnings: ['w'] })
    expect(JSON.parse(JSON.stringify(successEnvelope(undefined)))).toEqual({
      status: 0,
      result: null,
      warnings: [],
    })
  })

  it('error: status is the exit code of the category and the error keeps file, line, fix', () => {
    const err = new SystempromptError({
      code: 'CONFIG_YAML_SYNTAX',
      category: 'user',
      message: 'bad indentation',
      fix: 'Fix the YAML',
      file: '/p/.systemprompt/profiles/local/profile.yaml',
      line: 3,
      column: 2,
      keyPath: ['server', 'port'],
    })
    const env = errorEnvelope(normalizeError(err), [])
    expect(env).toEqual({
      status: 3,
      error: {
        code: 'CONFIG_YAML_SYNTAX',
        message: 'bad indentation',
        fix: 'Fix the YAML',
        category: 'user',
        file: '/p/.systemprompt/profiles/local/profile.yaml',
        line: 3,
        column: 2,
        keyPath: ['server', 'port'],
      },
      warnings: [],
    })
    expect(JSON.stringify(env)).not.toContain('stack')
  })

  it.each([
    ['engine', 4],
    ['database', 5],
    ['conflict', 6],
    ['usage', 2],
  ] as const)('%s errors exit %i', (category, status) => {
    const err = new SystempromptError({ code: 'INTERNAL', category, message: 'm' })
    expect(errorEnvelope(normalizeError(err)).status).toBe(status)
  })
})

describe('normalizeError', () => {
  it('turns oclif parse errors into usage errors (exit 2)', () => {
    const parseError = Object.assign(new Error('Nonexistent flag: --nope\nSee more help with --help'), {
      parse: {},
      oclif: { exit: 2 },
    })
    const n = normalizeError(parseError)
    expect(n).toMatchObject({ code: 'USAGE', category: 'usage', message: 'Nonexistent flag: --nope' })
  })

  it('turns unknown errors into internal errors (exit 1) with the system code in the message', () => {
    const n = normalizeError(Object.assign(new Error('boom'), { code: 'EISDIR' }))
    expect(n).toMatchObject({ code: 'INTERNAL', category: 'internal', message: 'boom (EISDIR)' })
    expect(errorEnvelope(n).status).toBe(1)
    expect(normalizeError('just a string')).toMatchObject({ code: 'INTERNAL', message: 'just a string' })
  })

  it('recognises a SystempromptError from another copy of the package by name', () => {
    const foreign = Object.assign(new Error('no engine'), {
      name: 'SystempromptError',
      code: 'ENGINE_UNREACHABLE',
      category: 'engine',
      fix: 'Start dockerd',
    })
    expect(normalizeError(foreign)).toMatchObject({ code: 'ENGINE_UNREACHABLE', category: 'engine' })
  })

  it('detects oclif exit requests', () => {
    expect(isOclifExit(Object.assign(new Error('EEXIT: 0'), { code: 'EEXIT', oclif: { exit: 0 } }))).toBe(
      true,
    )
    expect(isOclifExit(new Error('x'))).toBe(false)
  })
})

describe('renderError', () => {
  const err = new SystempromptError({
    code: 'CONFIG_INVALID',
    message: 'port must be at most 65535',
    fix: 'Use a port between 1 and 65535.',
    file: '/p/profile.yaml',
    line: 4,
    keyPath: ['server', 'port'],
    issues: [
      { code: 'CONFIG_INVALID', message: 'port must be at most 65535', file: '/p/profile.yaml', line: 4 },
      {
        code: 'CONFIG_INVALID',
        message: 'unknown key "nope"',
        file: '/p/profile.yaml',
        line: 9,
        keyPath: ['nope'],
      },
    ],
  })

  it('prints code, message, location, fix and the other issues, without a stack', () => {
    const text = renderError(normalizeError(err))
    expect(text.split('\n')).toEqual([
      'Error [CONFIG_INVALID]: port must be at most 65535',
      '  at /p/profile.yaml:4 (server.port)',
      '  Fix: Use a port between 1 and 65535.',
      '  - /p/profile.yaml:9: [CONFIG_INVALID] unknown key "nope"',
    ])
    expect(text).not.toMatch(/\n\s+at .*\.js:\d+/)
  })

  it('adds the stack only in debug mode', () => {
    expect(renderError(normalizeError(err), { debug: true })).toContain('envelope.test.ts')
  })
})
