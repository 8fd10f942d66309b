import { configHash, SECRET_MOUNT_PATH, sharedServerSpec } from '@systemprompt/compose'
import { type SharedConfig, SharedConfigSchema } from '@systemprompt/config'
import { type ContainerInfo, LABELS } from '@systemprompt/engine'
import { describe, expect, it } from 'vitest'
import {
  actionAfterAdoption,
  adoptionSpec,
  classifyShared,
  declaredSettings,
  describeChanges,
  differsFromDeclared,
  joinedSpec,
  movedOutOfProject,
  secretSource,
  sharedChanges,
} from './shared-cases.js'

const dockerDir = '/home/me/app/.systemprompt/docker'
const ourFile = '/home/me/.local/share/systemprompt/systemprompt-postgres-shared/shared.password'
const names = {
  ...sharedServerSpec({ dockerDir, image: 'postgres:17-alpine', port: 5432 }),
  passwordFile: ourFile,
}

const config: SharedConfig = SharedConfigSchema.parse({
  version: 1,
  admin_password: 'recorded-password',
  port: 5432,
  created_at: '2026-01-01T00:00:00.000Z',
  tenant_databases: [],
})

/** The fields of an engine inspect that the decision reads. */
function container(
  options: { managed?: boolean; secret?: string; port?: string; image?: string; hash?: string } = {},
): ContainerInfo {
  const labels: Record<string, string> = {}
  if (options.managed !== false) labels[LABELS.managed] = '1'
  if (options.hash) labels[LABELS.configHash] = options.hash
  return {
    Name: '/systemprompt-postgres-shared',
    Config: { Image: options.image ?? 'postgres:16', Labels: labels },
    Mounts: options.secret ? [{ Destination: SECRET_MOUNT_PATH, Source: options.secret }] : [],
    HostConfig: { PortBindings: options.port ? { '5432/tcp': [{ HostPort: options.port }] } : {} },
  } as ContainerInfo
}

describe('classifyShared: the decision step of ensureSharedServer', () => {
  it('no container and no record: fresh', () => {
    expect(classifyShared(undefined, undefined, ourFile)).toEqual({ kind: 'fresh' })
  })

  it('no container but our record: recorded', () => {
    expect(classifyShared(config, undefined, ourFile)).toEqual({
      kind: 'recorded',
      config,
      container: undefined,
    })
  })

  it('a container systemprompt did not make: unmanaged, with or without a record', () => {
    const theirs = container({ managed: false, secret: ourFile })
    expect(classifyShared(undefined, theirs, ourFile)).toMatchObject({ kind: 'unmanaged', config: undefined })
    expect(classifyShared(config, theirs, ourFile)).toMatchObject({ kind: 'unmanaged', config })
  })

  it('a managed container and no record: join (whatever password file it mounts)', () => {
    expect(classifyShared(undefined, container({ secret: '/elsewhere/shared.password' }), ourFile).kind).toBe(
      'join',
    )
    expect(classifyShared(undefined, container({ secret: ourFile }), ourFile).kind).toBe('join')
  })

  it('our record and a managed container mounting our password file: recorded', () => {
    const ours = container({ secret: ourFile })
    expect(classifyShared(config, ours, ourFile)).toEqual({ kind: 'recorded', config, container: ours })
  })

  it('our record and a managed container mounting another (or no) password file: relearn', () => {
    const other = container({ secret: '/other/project/.systemprompt/docker/.secrets/shared.password' })
    expect(classifyShared(config, other, ourFile)).toEqual({ kind: 'relearn', config, container: other })
    expect(classifyShared(config, container(), ourFile).kind).toBe('relearn')
  })
})

describe('the pure parts of the cases', () => {
  it('secretSource: the host file mounted as the admin password secret', () => {
    expect(secretSource(container({ secret: '/x/shared.password' }))).toBe('/x/shared.password')
    expect(secretSource(container())).toBeUndefined()
  })

  it('joinedSpec keeps the joined server image and port; only an explicit --port asks for another', () => {
    const found = container({ image: 'postgres:16', port: '6000' })
    expect(joinedSpec(names, found, {})).toMatchObject({ image: 'postgres:16', port: 6000 })
    expect(joinedSpec(names, found, { port: 7000 })).toMatchObject({ image: 'postgres:16', port: 7000 })
    expect(joinedSpec(names, container(), {}).port).toBe(names.port)
  })

  it('sharedChanges names port, image and password file changes that other projects would feel', () => {
    const same = container({ image: names.image, port: '5432', secret: ourFile })
    expect(sharedChanges(same, names, dockerDir)).toEqual([])
    const elsewhere = '/other/data/systemprompt-postgres-shared/shared.password'
    const changed = container({ image: 'postgres:16', port: '6000', secret: elsewhere })
    expect(sharedChanges(changed, names, dockerDir)).toEqual([
      { what: 'port', from: 6000, to: 5432 },
      { what: 'image', from: 'postgres:16', to: names.image },
      { what: 'password-file', from: elsewhere, to: ourFile },
    ])
    expect(describeChanges(sharedChanges(changed, names, dockerDir))).toBe(
      `port 6000 → 5432, image postgres:16 → ${names.image}, password file ${elsewhere} → ${ourFile}`,
    )
    // Our own container from before the password file left the project: a migration, not a change.
    const legacy = container({
      image: names.image,
      port: '5432',
      secret: `${dockerDir}/.secrets/shared.password`,
    })
    expect(sharedChanges(legacy, names, dockerDir)).toEqual([])
  })

  it('adoptionSpec logs in where the container publishes its port', () => {
    expect(adoptionSpec({ ...names, port: 7000 }, container({ port: '6000' })).port).toBe(6000)
    expect(adoptionSpec({ ...names, port: 7000 }, container()).port).toBe(7000)
  })

  it('differsFromDeclared compares the config hash label with the spec', () => {
    expect(differsFromDeclared(container({ hash: configHash(names) }), names)).toBe(false)
    expect(differsFromDeclared(container({ hash: 'other' }), names)).toBe(true)
    expect(differsFromDeclared(container(), names)).toBe(true)
  })

  it('actionAfterAdoption: started by adoption and unchanged by the runner reads as started', () => {
    expect(actionAfterAdoption(true, 'unchanged')).toBe('started')
    expect(actionAfterAdoption(true, 'recreated')).toBe('recreated')
    expect(actionAfterAdoption(false, 'unchanged')).toBe('unchanged')
  })

  it('movedOutOfProject: our container still mounts a password file inside the project', () => {
    const inProject = container({ secret: `${dockerDir}/.secrets/shared.password` })
    expect(movedOutOfProject(inProject, dockerDir, ourFile)).toBe(true)
    expect(movedOutOfProject(container({ secret: ourFile }), dockerDir, ourFile)).toBe(false)
    expect(movedOutOfProject(container({ secret: '/other/shared.password' }), dockerDir, ourFile)).toBe(false)
    expect(movedOutOfProject(container(), dockerDir, ourFile)).toBe(false)
  })
})

describe('declaredSettings: what the project declares for the machine-wide server', () => {
  const asked = { preferredPort: 6001, image: 'profile/image:1' }
  it('an existing server is taken where and as it runs, unless --port or SYSTEMPROMPT_POSTGRES_IMAGE asks', () => {
    const moved = container({ image: 'postgres:16', port: '5460' })
    expect(declaredSettings(asked, config, moved)).toEqual({ image: 'postgres:16', port: 5460 })
    expect(declaredSettings({ ...asked, port: 7000, postgresImage: 'env/image:2' }, config, moved)).toEqual({
      image: 'env/image:2',
      port: 7000,
    })
  })
  it('without a server: the record, then the profile, then the defaults', () => {
    expect(declaredSettings(asked, { ...config, image: 'recorded:1' }, undefined)).toEqual({
      image: 'recorded:1',
      port: 5432,
    })
    expect(declaredSettings(asked, undefined, undefined)).toEqual({ image: 'profile/image:1', port: 6001 })
    expect(declaredSettings({}, undefined, undefined)).toEqual({ image: 'postgres:17-alpine', port: 5432 })
    // A container systemprompt did not make is not ours to follow (it is adopted as it is elsewhere).
    expect(declaredSettings(asked, config, container({ managed: false, port: '9999' })).port).toBe(5432)
  })
})
