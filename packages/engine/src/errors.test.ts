import { describe, expect, it } from 'vitest'
import { parseDockerHost } from './endpoint.js'
import { toEngineError, unreachableError } from './errors.js'
import { EngineHttpError } from './transport.js'

const socket = parseDockerHost('unix:///var/run/missing.sock', {})

describe('toEngineError', () => {
  it.each([
    [404, 'ENGINE_NOT_FOUND', 'user'],
    [409, 'ENGINE_CONFLICT', 'conflict'],
    [500, 'ENGINE_ERROR', 'engine'],
    [503, 'ENGINE_ERROR', 'engine'],
    [400, 'ENGINE_BAD_REQUEST', 'internal'],
  ])('maps HTTP %i to %s', (status, code, category) => {
    const error = toEngineError(new EngineHttpError(status, { message: 'boom' }, 'boom'), {
      action: 'do a thing',
    })
    expect(error).toMatchObject({ code, category })
    expect(error.message).toBe(`Could not do a thing: boom (HTTP ${status})`)
    expect(error.fix).toBeTruthy()
  })

  it('lets the caller name the code of a 404', () => {
    const error = toEngineError(new EngineHttpError(404, { message: 'no such image' }, 'x'), {
      action: 'inspect image',
      notFoundCode: 'IMAGE_MISSING',
    })
    expect(error.code).toBe('IMAGE_MISSING')
  })

  it('turns socket errors into ENGINE_UNREACHABLE naming the endpoint', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    const error = toEngineError(cause, { action: 'ping', endpoint: socket })
    expect(error.code).toBe('ENGINE_UNREACHABLE')
    expect(error.message).toBe(
      'Docker engine not reachable at DOCKER_HOST=unix:///var/run/missing.sock (connection refused)',
    )
  })

  it('tells a request that got no answer in time from an engine that is not there', () => {
    const cause = Object.assign(new Error('the engine did not answer within 40 s'), {
      code: 'ENGINE_REQUEST_TIMEOUT',
    })
    const error = toEngineError(cause, { action: 'stop container x', endpoint: socket })
    expect(error).toMatchObject({ code: 'ENGINE_TIMEOUT', category: 'engine' })
    expect(error.message).toBe('Could not stop container x: the engine did not answer within 40 s')
  })
})

describe('unreachableError', () => {
  it('is one line with a fix that fits the source', () => {
    const viaEnv = unreachableError(socket, Object.assign(new Error('x'), { code: 'ENOENT' }))
    expect(viaEnv.message).not.toContain('\n')
    expect(viaEnv.message).toContain('(no such socket)')
    expect(viaEnv.fix).toContain('unset DOCKER_HOST')
    expect(viaEnv.category).toBe('engine')

    const denied = unreachableError(
      {
        kind: 'unix',
        socketPath: '/var/run/docker.sock',
        source: 'default-socket',
        label: '/var/run/docker.sock',
      },
      Object.assign(new Error('x'), { code: 'EACCES' }),
    )
    expect(denied.message).toBe('Docker engine not reachable at /var/run/docker.sock (permission denied)')
    expect(denied.fix).toContain('docker')
  })
})
