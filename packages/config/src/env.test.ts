import { describe, expect, it } from 'vitest'
import { debugEnabled, readCliEnv, userProgramEnv } from './env.js'
import { ErrorCode } from './error-codes.js'
import type { SystempromptError } from './errors.js'
import { readEnv } from './schema/env.js'

function envError(env: Record<string, string>): SystempromptError {
  try {
    readEnv(env)
  } catch (error) {
    return error as SystempromptError
  }
  throw new Error('expected readEnv to throw')
}

describe('readEnv', () => {
  it('applies defaults and ignores unknown and empty variables', () => {
    expect(readEnv({ PATH: '/bin', DATABASE_URL: '' })).toEqual({
      HOST: '0.0.0.0',
      PORT: 8080,
      RUST_LOG: 'info',
    })
  })

  it('parses every known variable', () => {
    const env = readEnv({
      DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
      HOST: '127.0.0.1',
      PORT: '9000',
      RUST_LOG: 'debug,hyper=info',
      SYSTEMPROMPT_PROFILE: '.systemprompt/profiles/local',
      SYSTEMPROMPT_SERVICES_PATH: 'services',
      SYSTEMPROMPT_POSTGRES_IMAGE: 'systemprompt-testbed/postgres:15',
      DOCKER_HOST: 'unix:///var/run/docker.sock',
    })
    expect(env.PORT).toBe(9000)
    expect(env.SYSTEMPROMPT_POSTGRES_IMAGE).toBe('systemprompt-testbed/postgres:15')
  })

  it.each([
    ['PORT', '0'],
    ['PORT', '65536'],
    ['PORT', 'eighty'],
    ['RUST_LOG', 'verbose'],
    ['DATABASE_URL', 'mysql://root:hunter2@db/x'],
    ['SYSTEMPROMPT_POSTGRES_IMAGE', 'Not An Image'],
    ['DOCKER_HOST', 'ssh://me@host'],
  ])('rejects %s=%j naming the variable and never echoing the value', (name, value) => {
    const error = envError({ [name]: value })
    expect(error.code).toBe(ErrorCode.ENV_INVALID)
    expect(error.message).toContain(name)
    expect(error.message).not.toContain(value)
    expect(error.fix).toContain(name)
    expect(error.keyPath).toEqual([name])
  })

  it('collects every bad variable', () => {
    const error = envError({ PORT: 'x', RUST_LOG: 'loud' })
    expect(error.issues.map((issue) => issue.keyPath?.[0]).sort()).toEqual(['PORT', 'RUST_LOG'])
  })
})

function cliEnvError(env: Record<string, string>): SystempromptError {
  try {
    readCliEnv(env)
  } catch (error) {
    return error as SystempromptError
  }
  throw new Error('expected readCliEnv to throw')
}

describe('readCliEnv', () => {
  it('defaults: no image, instance or labels; data dir under XDG_DATA_HOME, else ~/.local/share', () => {
    expect(readCliEnv({ HOME: '/home/u', PATH: '/bin' })).toEqual({
      postgresImage: undefined,
      dataDir: '/home/u/.local/share/systemprompt',
      docker: { HOME: '/home/u' },
      instance: undefined,
      labels: {},
      profile: undefined,
      registry: { authConfig: undefined, configDir: '/home/u/.docker', path: '/bin' },
      debug: false,
    })
    expect(readCliEnv({ HOME: '/home/u', XDG_DATA_HOME: '/xdg' }).dataDir).toBe('/xdg/systemprompt')
    // A relative XDG_DATA_HOME is ignored, as the XDG spec says.
    expect(readCliEnv({ HOME: '/home/u', XDG_DATA_HOME: 'rel' }).dataDir).toBe(
      '/home/u/.local/share/systemprompt',
    )
  })

  it('reads every CLI variable; empty counts as unset; other variables are not looked at', () => {
    const env = readCliEnv({
      SYSTEMPROMPT_POSTGRES_IMAGE: ' systemprompt-testbed/postgres:15 ',
      SYSTEMPROMPT_DATA_DIR: '/tmp/sp-data',
      SYSTEMPROMPT_INSTANCE: 'run-1a2b',
      SYSTEMPROMPT_LABELS: 'systemprompt.test=1, systemprompt.test-run=1a2b,empty=',
      SYSTEMPROMPT_PROFILE: '.systemprompt/profiles/local',
      SYSTEMPROMPT_DEBUG: '1',
      DOCKER_HOST: 'tcp://127.0.0.1:2376',
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: '',
      DOCKER_AUTH_CONFIG: '{"auths":{}}',
      DOCKER_CONFIG: '/etc/docker-cli',
      DATABASE_URL: 'mysql://not-ours',
      PORT: 'eighty',
    })
    expect(env).toEqual({
      postgresImage: 'systemprompt-testbed/postgres:15',
      dataDir: '/tmp/sp-data',
      docker: { DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1' },
      instance: 'run-1a2b',
      labels: { 'systemprompt.test': '1', 'systemprompt.test-run': '1a2b', empty: '' },
      profile: '.systemprompt/profiles/local',
      registry: { authConfig: '{"auths":{}}', configDir: '/etc/docker-cli', path: undefined },
      debug: true,
    })
  })

  it.each([
    ['SYSTEMPROMPT_POSTGRES_IMAGE', 'Not An Image'],
    ['SYSTEMPROMPT_INSTANCE', 'has space'],
    ['SYSTEMPROMPT_INSTANCE', '-leading-dash'],
    ['SYSTEMPROMPT_LABELS', 'novalue'],
    ['SYSTEMPROMPT_LABELS', 'a=1,=2'],
  ])('rejects %s=%j naming the variable and never echoing the value', (name, value) => {
    const error = cliEnvError({ [name]: value })
    expect(error.code).toBe(ErrorCode.ENV_INVALID)
    expect(error.message).toContain(name)
    expect(error.message).not.toContain(value)
    expect(error.keyPath).toEqual([name])
  })
})

describe('debugEnabled', () => {
  it.each([
    [{}, false],
    [{ SYSTEMPROMPT_DEBUG: '1' }, true],
    [{ SYSTEMPROMPT_DEBUG: '0' }, false],
    [{ SYSTEMPROMPT_DEBUG: 'false' }, false],
    [{ DEBUG: '*' }, true],
    [{ DEBUG: 'oclif,systemprompt:*' }, true],
    [{ DEBUG: 'oclif' }, false],
  ])('%j -> %s', (env, expected) => {
    expect(debugEnabled(env)).toBe(expected)
  })
})

describe('userProgramEnv', () => {
  it('is the whole environment as a shell passes it on (unset entries left out), a copy', () => {
    const source = { PATH: '/bin', TERM: 'xterm', PGTZ: 'UTC', EMPTY: '', GONE: undefined }
    const env = userProgramEnv(source)
    expect(env).toEqual({ PATH: '/bin', TERM: 'xterm', PGTZ: 'UTC', EMPTY: '' })
    env.PATH = '/other'
    expect(source.PATH).toBe('/bin')
  })
})
