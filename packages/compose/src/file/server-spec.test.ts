import { describe, expect, it } from 'vitest'
import { configHash } from './config-hash.js'
import { dedicatedServerSpec, sharedServerSpec } from './server-spec.js'

const dockerDir = '/home/dev/app/.systemprompt/docker'
const project = { projectId: 'a1b2c3d4', projectDir: '/home/dev/app' }

describe('sharedServerSpec', () => {
  it('uses the SPEC names and defaults', () => {
    expect(sharedServerSpec({ dockerDir })).toEqual({
      kind: 'shared',
      service: 'postgres',
      containerName: 'systemprompt-postgres-shared',
      volumeName: 'systemprompt-postgres-shared-data',
      image: 'postgres:17-alpine',
      port: 5432,
      adminUser: 'systemprompt_admin',
      database: 'postgres',
      passwordFile: '/home/dev/app/.systemprompt/docker/.secrets/shared.password',
      // Machine-wide: one compose project for every project's shared.yaml, and no project of its own.
      project: 'systemprompt-shared',
      labels: {},
    })
  })

  it('takes image, port and extra labels', () => {
    const spec = sharedServerSpec({
      dockerDir,
      image: 'example/pg:15',
      port: 6543,
      labels: { 'systemprompt.test': '1' },
    })
    expect(spec).toMatchObject({ image: 'example/pg:15', port: 6543, labels: { 'systemprompt.test': '1' } })
  })

  it.each([0, 65536, 1.5, Number.NaN])('rejects port %s', (port) => {
    expect(() => sharedServerSpec({ dockerDir, port })).toThrow(
      expect.objectContaining({ code: 'COMPOSE_SPEC_INVALID' }),
    )
  })

  it('rejects an empty image and a generator-owned label', () => {
    expect(() => sharedServerSpec({ dockerDir, image: '' })).toThrow(/image/)
    expect(() => sharedServerSpec({ dockerDir, labels: { 'systemprompt.role': 'x' } })).toThrow(
      /set by the generator/,
    )
  })

  it('rejects a relative docker directory', () => {
    expect(() => sharedServerSpec({ dockerDir: '.systemprompt/docker' })).toThrow(
      expect.objectContaining({ code: 'INTERNAL_RELATIVE_PATH' }),
    )
  })
})

describe('dedicatedServerSpec', () => {
  it('names container, volume and compose project after the tenant and the project', () => {
    const spec = dedicatedServerSpec('my-project', { dockerDir, port: 5440, ...project })
    expect(spec).toMatchObject({
      kind: 'dedicated',
      tenant: 'my-project',
      service: 'postgres-my-project',
      containerName: 'systemprompt-postgres-my-project-a1b2c3d4',
      volumeName: 'systemprompt-postgres-my-project-a1b2c3d4-data',
      port: 5440,
      passwordFile: '/home/dev/app/.systemprompt/docker/.secrets/my-project.password',
      project: 'systemprompt-a1b2c3d4',
      projectId: 'a1b2c3d4',
      projectDir: '/home/dev/app',
    })
  })

  it('gives the same tenant name in two projects two servers', () => {
    const a = dedicatedServerSpec('dedi', { dockerDir, ...project })
    const b = dedicatedServerSpec('dedi', {
      dockerDir: '/srv/b/.systemprompt/docker',
      projectId: 'ffff0000',
      projectDir: '/srv/b',
    })
    expect(new Set([a.containerName, b.containerName]).size).toBe(2)
    expect(new Set([a.volumeName, b.volumeName]).size).toBe(2)
    expect(new Set([a.project, b.project]).size).toBe(2)
  })

  it('refuses a bad project id or a relative project directory', () => {
    expect(() => dedicatedServerSpec('t1', { dockerDir, projectId: 'A B', projectDir: '/x' })).toThrow(
      expect.objectContaining({ code: 'COMPOSE_SPEC_INVALID', keyPath: ['projectId'] }),
    )
    expect(() => dedicatedServerSpec('t1', { dockerDir, projectId: 'abcd', projectDir: 'x' })).toThrow(
      expect.objectContaining({ code: 'INTERNAL_RELATIVE_PATH' }),
    )
  })

  it('refuses project labels passed as extra labels (the generator sets them)', () => {
    expect(() =>
      dedicatedServerSpec('t1', { dockerDir, ...project, labels: { 'systemprompt.project': 'other' } }),
    ).toThrow(/set by the generator/)
  })

  it('defaults the port to 5433', () => {
    expect(dedicatedServerSpec('t1', { dockerDir, ...project }).port).toBe(5433)
  })

  it.each(['My-Project', '1abc', 'a_b', '', 'a'.repeat(41), 'shared', 'x y'])(
    'rejects tenant name %j',
    (name) => {
      expect(() => dedicatedServerSpec(name, { dockerDir, ...project })).toThrow(
        expect.objectContaining({ code: 'TENANT_NAME_INVALID' }),
      )
    },
  )

  it('accepts a 40-character tenant name', () => {
    expect(dedicatedServerSpec(`a${'b'.repeat(39)}`, { dockerDir, ...project }).tenant).toHaveLength(40)
  })
})

describe('configHash', () => {
  const base = sharedServerSpec({ dockerDir })

  it('ignores where the password file lives (another project, a moved project)', () => {
    const elsewhere = sharedServerSpec({ dockerDir: '/srv/other/.systemprompt/docker' })
    expect(configHash(elsewhere)).toBe(configHash(base))
  })

  it('ignores a config-hash label and key order', () => {
    const a = { ...base, labels: { b: '2', a: '1' } }
    const b = { ...base, labels: { a: '1', b: '2', 'systemprompt.config-hash': 'old' } }
    expect(configHash(a)).toBe(configHash(b))
  })

  it('changes with anything that shapes the container', () => {
    const hashes = new Set([
      configHash(base),
      configHash({ ...base, image: 'postgres:16' }),
      configHash({ ...base, port: 5999 }),
      configHash({ ...base, labels: { extra: '1' } }),
      configHash(dedicatedServerSpec('t1', { dockerDir, port: 5432, ...project })),
      configHash(dedicatedServerSpec('t1', { dockerDir, port: 5432, ...project, projectDir: '/moved' })),
    ])
    expect(hashes.size).toBe(6)
    expect(configHash(base)).toMatch(/^[0-9a-f]{64}$/)
  })
})
