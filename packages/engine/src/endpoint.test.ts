import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_SOCKET, discoverEndpoints, parseDockerHost } from './endpoint.js'

describe('parseDockerHost', () => {
  it('reads a unix socket address', () => {
    expect(parseDockerHost('unix:///run/user/1000/docker.sock', {})).toMatchObject({
      kind: 'unix',
      socketPath: '/run/user/1000/docker.sock',
      source: 'DOCKER_HOST',
      label: 'DOCKER_HOST=unix:///run/user/1000/docker.sock',
    })
  })

  it('reads tcp with and without TLS', () => {
    expect(parseDockerHost('tcp://10.0.0.5:2375', {})).toMatchObject({
      kind: 'tcp',
      host: '10.0.0.5',
      port: 2375,
      tls: false,
    })
    expect(parseDockerHost('tcp://10.0.0.5', { DOCKER_TLS_VERIFY: '1' })).toMatchObject({
      port: 2376,
      tls: true,
    })
    expect(parseDockerHost('tcp://10.0.0.5', {})).toMatchObject({ port: 2375, tls: false })
  })

  it('takes the TLS files from DOCKER_CERT_PATH of the given env, for a TLS endpoint only', () => {
    const env = { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }
    expect(parseDockerHost('tcp://10.0.0.5', env)).toMatchObject({ tls: true, certDir: '/certs' })
    expect(parseDockerHost('tcp://10.0.0.5:2375', { DOCKER_CERT_PATH: '/certs' })).not.toHaveProperty(
      'certDir',
    )
  })

  it.each(['ssh://me@host', 'not a url', 'npipe:////./pipe/docker_engine'])(
    'rejects %s with ENV_INVALID',
    (value) => {
      expect(() => parseDockerHost(value, {})).toThrowError(expect.objectContaining({ code: 'ENV_INVALID' }))
    },
  )
})

describe('discoverEndpoints', () => {
  it('uses DOCKER_HOST alone when it is set', () => {
    const endpoints = discoverEndpoints({ DOCKER_HOST: 'unix:///nonexistent' })
    expect(endpoints).toHaveLength(1)
    expect(endpoints[0]).toMatchObject({ socketPath: '/nonexistent', source: 'DOCKER_HOST' })
  })

  it('falls back to the system socket when no candidate exists', () => {
    const empty = mkdtempSync(join(tmpdir(), 'sp-engine-'))
    const endpoints = discoverEndpoints({ HOME: empty, XDG_RUNTIME_DIR: empty })
    expect(endpoints[0]).toMatchObject({ socketPath: DEFAULT_SOCKET })
  })

  it('ignores an empty DOCKER_HOST', () => {
    const endpoints = discoverEndpoints({ DOCKER_HOST: '  ', HOME: '/nonexistent-home' })
    expect(endpoints[0]?.source).not.toBe('DOCKER_HOST')
  })
})
