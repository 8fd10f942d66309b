import { createServer } from 'node:net'
import { configHash, dedicatedServerSpec, sharedServerSpec } from '@systemprompt/compose'
import { describe, expect, it } from 'vitest'
import { containerCreateOptions, durationNs, volumeCreateLabels } from './create-options.js'
import { lastLines, scrub } from './errors.js'
import { assertProjectOf, ownershipProblem } from './ownership.js'
import { isPortFree, portInUseError } from './ports.js'
import { listeningInodes, parseListeners, processHoldingSocket, summarizeCommand } from './proc-net.js'

const spec = sharedServerSpec({
  dockerDir: '/home/me/app/.systemprompt/docker',
  image: 'postgres:17-alpine',
  port: 5544,
})

describe('containerCreateOptions', () => {
  it('realises the spec like compose: file secret, loopback port, labels, healthcheck', () => {
    const options = containerCreateOptions(spec, {
      composeFile: '/home/me/app/.systemprompt/docker/shared.yaml',
    })
    expect(options.name).toBe('systemprompt-postgres-shared')
    expect(options.Env).toEqual([
      'POSTGRES_USER=systemprompt_admin',
      'POSTGRES_DB=postgres',
      'POSTGRES_PASSWORD_FILE=/run/secrets/postgres_admin_password',
    ])
    expect(options.HostConfig).toMatchObject({
      Binds: [
        'systemprompt-postgres-shared-data:/var/lib/postgresql/data',
        '/home/me/app/.systemprompt/docker/.secrets/shared.password:/run/secrets/postgres_admin_password:ro',
      ],
      PortBindings: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '5544' }] },
      // The declared `unless-stopped` follows once the server is ready (up.ts).
      RestartPolicy: { Name: 'no' },
    })
    expect(options.Labels).toMatchObject({
      'systemprompt.config-hash': configHash(spec),
      // Machine-wide: its own compose project, never the directory's (`docker`) nor a project's.
      'com.docker.compose.project': 'systemprompt-shared',
      'com.docker.compose.service': 'postgres',
      'com.docker.compose.oneoff': 'False',
      'com.docker.compose.container-number': '1',
      'com.docker.compose.project.config_files': '/home/me/app/.systemprompt/docker/shared.yaml',
    })
    expect(options.Healthcheck).toMatchObject({ Interval: 5e9, Retries: 5 })
    expect(Object.keys(options.Labels ?? {})).not.toContain('systemprompt.project')
  })

  it("labels a dedicated server's container and volume with its project and compose project", () => {
    const dedicated = dedicatedServerSpec('dedi', {
      dockerDir: '/home/me/app/.systemprompt/docker',
      projectId: 'a1b2c3d4',
      projectDir: '/home/me/app',
    })
    const own = { 'systemprompt.project': 'a1b2c3d4', 'systemprompt.project-dir': '/home/me/app' }
    expect(containerCreateOptions(dedicated).name).toBe('systemprompt-postgres-dedi-a1b2c3d4')
    expect(containerCreateOptions(dedicated).Labels).toMatchObject({
      ...own,
      'com.docker.compose.project': 'systemprompt-a1b2c3d4',
      'com.docker.compose.service': 'postgres-dedi',
    })
    expect(volumeCreateLabels(dedicated)).toMatchObject({
      ...own,
      'com.docker.compose.project': 'systemprompt-a1b2c3d4',
    })
  })
})

describe('ownership of dedicated servers', () => {
  const mine = { projectId: 'a1b2c3d4' }
  const labels = (projectId?: string, role = 'postgres-dedicated') => ({
    'systemprompt.managed': '1',
    'systemprompt.role': role,
    ...(projectId
      ? { 'systemprompt.project': projectId, 'systemprompt.project-dir': `/srv/${projectId}` }
      : {}),
  })
  const container = (l: Record<string, string>) => ({ kind: 'container' as const, name: 'c', labels: l })
  const volume = (l: Record<string, string>) => ({ kind: 'volume' as const, name: 'v', labels: l })

  it('a container is ours only with our project id and the dedicated role', () => {
    expect(ownershipProblem(container(labels('a1b2c3d4')), mine)).toBeUndefined()
    expect(ownershipProblem(container(labels('ffff0000')), mine)).toMatchObject({
      code: 'SERVER_OWNED_ELSEWHERE',
      category: 'conflict',
      message:
        'Container c belongs to project ffff0000 (/srv/ffff0000), not to this project (a1b2c3d4); it is left as it is',
      fix: expect.stringContaining('cd /srv/ffff0000'),
      details: { container: 'c', owner: { projectId: 'ffff0000', projectDir: '/srv/ffff0000' } },
    })
    // Made before names carried the project id, or a shared server's: not provably ours.
    expect(ownershipProblem(container(labels()), mine)?.message).toContain(
      'carries no systemprompt.project label',
    )
    expect(ownershipProblem(container(labels('a1b2c3d4', 'postgres-shared')), mine)).toBeDefined()
  })

  it('a volume without a project label is ours only when this project recorded it', () => {
    expect(ownershipProblem(volume(labels('a1b2c3d4')), mine)).toBeUndefined()
    expect(ownershipProblem(volume(labels('ffff0000')), mine)).toMatchObject({
      code: 'SERVER_OWNED_ELSEWHERE',
    })
    expect(ownershipProblem(volume(labels()), mine)).toBeDefined()
    expect(ownershipProblem(volume(labels()), { ...mine, acceptUnlabelled: true })).toBeUndefined()
    expect(
      ownershipProblem(volume(labels(undefined, 'postgres-shared')), { ...mine, acceptUnlabelled: true }),
    ).toBeDefined()
  })

  it("a dedicated object of another tenant of the project is not this tenant's", () => {
    const tenantLabels = (tenant?: string) => ({
      ...labels('a1b2c3d4'),
      ...(tenant ? { 'systemprompt.tenant': tenant } : {}),
    })
    expect(ownershipProblem(container(tenantLabels('a')), { ...mine, tenant: 'a' })).toBeUndefined()
    expect(ownershipProblem(container(tenantLabels('a')), { ...mine, tenant: 'b' })).toMatchObject({
      code: 'SERVER_OWNED_ELSEWHERE',
      message: 'Container c belongs to tenant a of this project, not to tenant b; it is left as it is',
    })
    expect(ownershipProblem(volume(tenantLabels('a')), { ...mine, tenant: 'b' })).toBeDefined()
    expect(
      ownershipProblem(volume(labels()), { ...mine, tenant: 'b', acceptUnlabelled: true }),
    ).toBeUndefined()
  })

  it("the shared server's objects are not checked against a project", () => {
    expect(() => assertProjectOf(spec, container(labels('ffff0000', 'postgres-shared')))).not.toThrow()
  })
})

describe('durationNs', () => {
  it.each([
    ['5s', 5e9],
    ['1m30s', 90e9],
    ['250ms', 250e6],
    ['1.5s', 1.5e9],
  ])('%s', (text, ns) => expect(durationNs(text)).toBe(ns))
  it.each(['', '5', 'five seconds', '5s junk'])('rejects %j', (text) =>
    expect(() => durationNs(text)).toThrow(),
  )
})

describe('/proc/net/tcp', () => {
  const table = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0',
    '   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 12346 1 0',
    '   2: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0',
  ].join('\n')

  it('finds listening sockets of a port only', () => {
    expect(parseListeners(table, 8080)).toEqual(['12345'])
    expect(parseListeners(table, 5432)).toEqual(['777'])
    expect(parseListeners(table, 5433)).toEqual([])
  })

  it('finds this very process behind a port it listens on', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    try {
      expect(await isPortFree(port)).toBe(false)
      const holder = await processHoldingSocket(await listeningInodes(port))
      expect(holder?.pid).toBe(process.pid)
      // The program's base name, not its path; one line of at most 80 characters.
      expect(holder?.command).toMatch(/^node(\s|$)/)
      expect(holder?.command.length).toBeLessThanOrEqual(80)
      expect(holder?.command).not.toMatch(/\n/)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
    expect(await isPortFree(port)).toBe(true)
  })
})

describe('summarizeCommand', () => {
  it('shows the base name and the arguments on one line, cut to 80 characters', () => {
    expect(summarizeCommand(['/usr/lib/postgresql/15/bin/postgres', '-D', '/x'])).toBe('postgres -D /x')
    const long = summarizeCommand(['/usr/bin/node', 'server.js', 'x'.repeat(200), 'tail'])
    expect(long).toHaveLength(80)
    expect(long.startsWith('node server.js xxx')).toBe(true)
    expect(long.endsWith('…')).toBe(true)
    expect(summarizeCommand(['python3', '-c', 'print(1)\nprint(2)'])).toBe('python3 -c print(1) print(2)')
    expect(summarizeCommand([])).toBe('')
  })

  it('masks obvious secrets in the arguments', () => {
    expect(
      summarizeCommand([
        'app',
        '--password',
        'hunter22',
        '--api-key=abc123',
        'PGPASSWORD=s3cret',
        'postgres://me:pw@db/x',
      ]),
    ).toBe('app --password **** --api-key=**** PGPASSWORD=**** postgres://me:****@db/x')
  })
})

describe('portInUseError', () => {
  it('names the holder and suggests a port, never stopping anything', () => {
    const error = portInUseError(
      { kind: 'process', port: 5432, pid: 4242, command: '/usr/lib/postgresql/15/bin/postgres -D /x' },
      5433,
    )
    expect(error.message).toBe(
      'Port 127.0.0.1:5432 is already in use by process 4242 (/usr/lib/postgresql/15/bin/postgres -D /x)',
    )
    expect(error.fix).toBe('Use a free port: --port 5433 (or stop the holder yourself)')
    expect(error.category).toBe('conflict')
    const unknown = portInUseError({ kind: 'unknown', port: 5432 }, 5434, '--db-port')
    expect(unknown.message).toContain('a process this user cannot see')
    expect(unknown.fix).toContain('--db-port 5434')
  })
})

describe('log helpers', () => {
  it('scrubs a secret and keeps the last lines', () => {
    expect(scrub('password=hunter22 ok', 'hunter22')).toBe('password=******** ok')
    expect(lastLines('a\n\nb\nc\n', 2)).toEqual(['b', 'c'])
  })
})
