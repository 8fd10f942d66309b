import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { logLevelOf, readRuntimeEnv, readSecret } from './runtime-env.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sp-runtime-env-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const URL = 'postgres://app:s3cret@db:5432/app'

describe('readRuntimeEnv', () => {
  it('defaults: 127.0.0.1 outside a container, 0.0.0.0 inside, port 8080, info, text', () => {
    const outside = readRuntimeEnv({}, { inContainer: false, cwd: dir })
    expect(outside).toMatchObject({ host: '127.0.0.1', port: 8080, logLevel: 'info', logFormat: 'text' })
    expect(outside.databaseUrl).toBeUndefined()
    expect(readRuntimeEnv({}, { inContainer: true }).host).toBe('0.0.0.0')
    expect(readRuntimeEnv({ HOST: '::' }, { inContainer: false }).host).toBe('::')
  })

  it('reads DATABASE_URL, or DATABASE_URL_FILE with its trailing line break dropped', () => {
    expect(readRuntimeEnv({ DATABASE_URL: URL }, { inContainer: false })).toMatchObject({
      databaseUrl: URL,
      databaseUrlFrom: 'DATABASE_URL',
    })
    const file = join(dir, 'database_url')
    writeFileSync(file, `${URL}\n`)
    expect(readRuntimeEnv({ DATABASE_URL_FILE: file }, { inContainer: false })).toMatchObject({
      databaseUrl: URL,
      databaseUrlFrom: 'DATABASE_URL_FILE',
    })
  })

  it('a URL that is not postgres:// names the variable, never the value', () => {
    let caught: unknown
    try {
      readRuntimeEnv({ DATABASE_URL: 'mysql://u:topsecret@h/db' }, { inContainer: false })
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ code: 'DATABASE_URL_INVALID', keyPath: ['DATABASE_URL'] })
    expect(String((caught as Error).message)).toContain('postgres://')
    expect(String((caught as Error).message)).not.toContain('topsecret')
  })

  it('PORT out of range or not a number is ENV_INVALID naming PORT', () => {
    for (const PORT of ['0', '65536', '80a', '-1'])
      expect(() => readRuntimeEnv({ PORT }, { inContainer: false })).toThrow(
        expect.objectContaining({ code: 'ENV_INVALID', keyPath: ['PORT'] }),
      )
    expect(readRuntimeEnv({ PORT: '9000' }, { inContainer: false }).port).toBe(9000)
  })

  it('an unknown RUST_LOG level warns and logs at info; a bad log format is an error', () => {
    const env = readRuntimeEnv({ RUST_LOG: 'loud' }, { inContainer: false })
    expect(env.logLevel).toBe('info')
    expect(env.warnings).toEqual([expect.objectContaining({ code: 'LOG_LEVEL_UNKNOWN' })])
    expect(readRuntimeEnv({ SYSTEMPROMPT_LOG_FORMAT: 'JSON' }, { inContainer: false }).logFormat).toBe('json')
    expect(() => readRuntimeEnv({ SYSTEMPROMPT_LOG_FORMAT: 'xml' }, { inContainer: false })).toThrow(
      expect.objectContaining({ code: 'ENV_INVALID' }),
    )
  })

  it('paths are resolved against cwd', () => {
    const env = readRuntimeEnv(
      { SYSTEMPROMPT_SERVICES_PATH: 'services', SYSTEMPROMPT_WEB_PATH: '/app/web' },
      { inContainer: false, cwd: dir },
    )
    expect(env.servicesPath).toBe(join(dir, 'services'))
    expect(env.webPath).toBe('/app/web')
  })
})

describe('logLevelOf', () => {
  it('a bare level wins, then a systemprompt directive, then the most verbose one', () => {
    expect(logLevelOf('debug')).toBe('debug')
    expect(logLevelOf('WARN')).toBe('warn')
    expect(logLevelOf('hyper=trace,info')).toBe('info')
    expect(logLevelOf('hyper=trace,systemprompt_api=warn')).toBe('warn')
    expect(logLevelOf('a=warn,b=debug')).toBe('debug')
    expect(logLevelOf('off')).toBe('error')
    expect(logLevelOf('verbose')).toBeUndefined()
  })
})

describe('readSecret', () => {
  it('both NAME and NAME_FILE, or an unreadable file, are errors naming the variable', () => {
    expect(() => readSecret({ JWT_SECRET: 'x', JWT_SECRET_FILE: '/run/secrets/jwt' }, 'JWT_SECRET')).toThrow(
      expect.objectContaining({ code: 'SECRET_FILE_UNREADABLE' }),
    )
    expect(() => readSecret({ JWT_SECRET_FILE: join(dir, 'missing') }, 'JWT_SECRET', dir)).toThrow(
      expect.objectContaining({ code: 'SECRET_FILE_UNREADABLE', keyPath: ['JWT_SECRET_FILE'] }),
    )
    expect(readSecret({}, 'JWT_SECRET')).toBeUndefined()
  })
})
