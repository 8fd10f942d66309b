import { describe, expect, it } from 'vitest'
import {
  isDockerHost,
  isDockerImageRef,
  isHttpUrl,
  isPostgresUrl,
  isRegistryHost,
  postgresUrlProblem,
} from './formats.js'

describe('formats', () => {
  it.each([
    'postgres:17-alpine',
    'postgres',
    'systemprompt-testbed/postgres:15',
    '127.0.0.1:5000/team/app:1.2.3',
    'localhost/app',
    'registry.example.com/a/b_c__d.e-f:latest',
    `postgres@sha256:${'a'.repeat(64)}`,
  ])('accepts image %j', (ref) => expect(isDockerImageRef(ref)).toBe(true))

  it.each(['', 'Postgres:17', 'postgres:', 'post gres', 'a//b', 'postgres:-bad', 'app@sha256:xyz', ':tag'])(
    'rejects image %j',
    (ref) => expect(isDockerImageRef(ref)).toBe(false),
  )

  it('checks registries, URLs and DOCKER_HOST', () => {
    expect(isRegistryHost('127.0.0.1:5000')).toBe(true)
    expect(isRegistryHost('registry.example.com')).toBe(true)
    expect(isRegistryHost('https://registry.example.com')).toBe(false)
    expect(isRegistryHost('host:70000')).toBe(false)
    expect(isPostgresUrl('postgresql://u:p@127.0.0.1:5432/db')).toBe(true)
    expect(isPostgresUrl('postgres://u@host/db')).toBe(true)
    expect(isPostgresUrl('mysql://u@host/db')).toBe(false)
    expect(isPostgresUrl('postgres://u@host:0/db')).toBe(false)
    expect(isPostgresUrl('postgres:///db')).toBe(false)
    // A user and a database are part of the rule: libpq would guess them, we refuse.
    expect(isPostgresUrl('postgres://')).toBe(false)
    expect(isPostgresUrl('postgres://host/db')).toBe(false)
    expect(isPostgresUrl('postgres://u:p@host')).toBe(false)
    expect(isPostgresUrl(`postgres://u:${'p'.repeat(20 * 1024 * 1024)}@host/db`)).toBe(false)
    expect(isHttpUrl('https://app.example.com/x')).toBe(true)
    expect(isHttpUrl('ftp://x')).toBe(false)
    expect(isDockerHost('unix:///var/run/docker.sock')).toBe(true)
    expect(isDockerHost('tcp://127.0.0.1:2375')).toBe(true)
    expect(isDockerHost('npipe:////./pipe/docker_engine')).toBe(true)
    expect(isDockerHost('/var/run/docker.sock')).toBe(false)
    expect(isDockerHost('tcp://host:99999')).toBe(false)
    expect(isDockerHost('unix://relative.sock')).toBe(false)
  })

  it.each([
    ['postgres://', 'it names no host'],
    ['postgres://127.0.0.1/db', 'it names no user'],
    ['postgres://u:p@127.0.0.1:5432', 'it names no database'],
    ['postgres://u:p@127.0.0.1:0/db', 'its port must be between 1 and 65535'],
    ['postgres://u:p @h/db', 'it contains whitespace'],
  ])('names the rule %j breaks', (url, problem) => expect(postgresUrlProblem(url)).toBe(problem))
})
