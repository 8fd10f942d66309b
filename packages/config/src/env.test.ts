import { describe, expect, it } from 'vitest'
import { readEnv } from './env.js'
import { ErrorCode } from './error-codes.js'
import type { SystempromptError } from './errors.js'

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
