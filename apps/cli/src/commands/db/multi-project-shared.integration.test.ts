import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { parseDatabaseUrl, withClient } from '@systemprompt/pg'
import {
  type CliRun,
  cliTestEnv,
  docker,
  freePort,
  newRunId,
  removeRun,
  runCli,
  spawnCli,
  type TempProject,
  tempDir,
  tempProject,
} from '@systemprompt/testkit'
import { afterAll, describe, expect, it } from 'vitest'

// Issue 8, the machine-wide shared server: several projects on one engine share one server (the same
// SYSTEMPROMPT_INSTANCE and data dir), and a change that one of them makes must name the others and leave
// their data intact. Each test has its own server (its own instance suffix), projects and data dir.
const run = newRunId()
const made: { remove(): void }[] = []
let counter = 0

afterAll(() => {
  removeRun(run)
  for (const dir of made.splice(0)) dir.remove()
})

interface Machine {
  instance: string
  dataDir: string
  container: string
  project(): Project
}

interface Project {
  root: string
  cli(args: string[], extraEnv?: Record<string, string>): CliRun
  /** Creates a shared tenant and puts a marker row in its database, as its own role. */
  tenantWithMarker(name: string): Promise<string>
  url(profile: string): string
  sharedConfig(): { admin_password: string; port: number; image?: string }
  id(): string
}

function machine(): Machine {
  counter += 1
  const instance = `${run}m${counter}`
  const data = tempDir('sp-multi-data-')
  made.push(data)
  const env = { ...cliTestEnv(run, instance), SYSTEMPROMPT_DATA_DIR: data.path }
  return {
    instance,
    dataDir: data.path,
    container: `systemprompt-postgres-shared-${instance}`,
    project: () => project(tempProject({ prefix: 'sp-multi-project-' }), env),
  }
}

function project(dir: TempProject, env: Record<string, string>): Project {
  made.push(dir)
  const root = realpathSync(dir.path)
  const self: Project = {
    root,
    cli: (args, extraEnv = {}) =>
      runCli(args, { cwd: root, env: { ...env, ...extraEnv }, timeoutMs: 180_000 }),
    async tenantWithMarker(name) {
      const created = self.cli([
        'cloud',
        'tenant',
        'create',
        '--name',
        name,
        '--database',
        'shared',
        '--yes',
        '--json',
      ])
      expect(created.status, created.stderr + created.stdout).toBe(0)
      await sql(self.url(name), `CREATE TABLE marker (v text); INSERT INTO marker VALUES ('${name} kept')`)
      return await databaseOf(self.url(name))
    },
    url: (profile) =>
      JSON.parse(readFileSync(join(root, '.systemprompt', 'profiles', profile, 'secrets.json'), 'utf8'))
        .database_url,
    sharedConfig: () =>
      JSON.parse(readFileSync(join(root, '.systemprompt', 'docker', 'shared_config.json'), 'utf8')),
    id: () => JSON.parse(readFileSync(join(root, '.systemprompt', 'tenants.json'), 'utf8')).project_id,
  }
  return self
}

async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
  return withClient(parseDatabaseUrl(url), async (client) => (await client.query(text)).rows)
}

async function databaseOf(url: string): Promise<string> {
  return parseDatabaseUrl(url).database
}

/** The marker row of a tenant, read with its own URL (with another port when the server moved). */
async function marker(url: string, port?: number): Promise<unknown> {
  const target = port === undefined ? url : url.replace(/@127\.0\.0\.1:\d+\//, `@127.0.0.1:${port}/`)
  return (await sql(target, 'SELECT v FROM marker'))[0]?.v
}

function inspect(container: string, format: string): string {
  return docker(['inspect', '-f', format, container])
}

function upOn(p: Project, port: number): void {
  const up = p.cli(['db', 'up', '--port', String(port), '--json'])
  expect(up.status, up.stderr + up.stdout).toBe(0)
}

describe('the machine-wide shared server with several projects (issue 8)', () => {
  it('case 4: --port names the other projects and needs --yes; a move rewrites this project’s URLs, the others follow', async () => {
    const m = machine()
    const [a, b] = [m.project(), m.project()]
    const first = await freePort()
    upOn(a, first)
    await a.tenantWithMarker('alpha')
    const bDatabase = await b.tenantWithMarker('beta')

    const next = await freePort()
    const refused = a.cli(['db', 'up', '--port', String(next), '--json'])
    expect(refused.status, refused.stdout).toBe(6)
    expect(refused.json?.error).toMatchObject({
      code: 'SHARED_SERVER_IN_USE',
      fix: expect.stringContaining('--yes'),
      details: { changes: [{ what: 'port', from: first, to: next }] },
    })
    expect(refused.json?.error.message).toContain(b.root)
    expect(refused.json?.error.message).toContain(bDatabase)
    expect(inspect(m.container, '{{(index (index .HostConfig.PortBindings "5432/tcp") 0).HostPort}}')).toBe(
      String(first),
    )
    expect(a.sharedConfig().port).toBe(first)
    expect(await marker(b.url('beta'))).toBe('beta kept')

    const moved = a.cli(['db', 'up', '--port', String(next), '--yes', '--json'])
    expect(moved.status, moved.stderr + moved.stdout).toBe(0)
    expect(moved.json?.result).toMatchObject({
      action: 'recreated',
      port: next,
      previousPort: first,
      repointedProfiles: ['alpha'],
      changed: { otherProjects: [{ id: b.id(), root: b.root, databases: [bDatabase] }] },
    })
    expect(moved.json?.warnings.join('\n')).toContain('systemprompt db doctor --fix')
    expect(a.url('alpha')).toContain(`@127.0.0.1:${next}/`)
    expect(await marker(a.url('alpha'))).toBe('alpha kept')
    // B's data is intact on the moved server; B's URL still names the old port until B repoints it.
    expect(b.url('beta')).toContain(`@127.0.0.1:${first}/`)
    expect(await marker(b.url('beta'), next)).toBe('beta kept')

    // B's `db up` follows the server instead of moving it back (no restart for A), and repoints B's URLs.
    const id = inspect(m.container, '{{.Id}}')
    const follows = b.cli(['db', 'up', '--json'])
    expect(follows.status, follows.stderr + follows.stdout).toBe(0)
    expect(follows.json?.result).toMatchObject({
      port: next,
      previousPort: first,
      repointedProfiles: ['beta'],
    })
    expect(inspect(m.container, '{{.Id}}')).toBe(id)
    expect(b.sharedConfig().port).toBe(next)
    expect(await marker(b.url('beta'))).toBe('beta kept')
    expect(a.cli(['db', 'up', '--json']).json?.result).toMatchObject({ action: 'unchanged', port: next })
  }, 400_000)

  it('case 3: a wrong admin_password is proven wrong by a login; the machine-wide password file is never overwritten', async () => {
    const m = machine()
    const [a, b] = [m.project(), m.project()]
    upOn(a, await freePort())
    await a.tenantWithMarker('alpha')
    expect(b.cli(['db', 'up', '--json']).json?.result).toMatchObject({ adopted: true, action: 'unchanged' })
    const right = a.sharedConfig().admin_password
    const machineFile = join(m.dataDir, m.container, 'shared.password')
    expect(readFileSync(machineFile, 'utf8')).toBe(right)

    // B's record gets a wrong password (edited by hand, restored from elsewhere).
    const file = join(b.root, '.systemprompt', 'docker', 'shared_config.json')
    writeFileSync(
      file,
      JSON.stringify({ ...b.sharedConfig(), admin_password: 'wrong-password-0123456789' }),
      {
        mode: 0o600,
      },
    )
    const up = b.cli(['db', 'up', '--json'])
    expect(up.status, up.stderr + up.stdout).toBe(0)
    expect(up.json?.result).toMatchObject({ adopted: true })
    expect(up.json?.warnings.join('\n')).toContain('did not open the shared server (SQLSTATE 28P01)')
    expect(readFileSync(machineFile, 'utf8')).toBe(right)
    expect(b.sharedConfig().admin_password).toBe(right)
    // Again: the fast path proves the (now right) password with a login.
    expect(b.cli(['db', 'up', '--json']).json).toMatchObject({
      result: { action: 'unchanged' },
      warnings: [],
    })

    // Re-created from A's record, the server still mounts the right password: a new project joins.
    docker(['rm', '-f', m.container])
    expect(a.cli(['db', 'up', '--json']).json?.result.action).toBe('created')
    const c = m.project()
    const joined = c.cli(['db', 'up', '--json'])
    expect(joined.status, joined.stderr + joined.stdout).toBe(0)
    expect(c.sharedConfig().admin_password).toBe(right)
    expect(await marker(a.url('alpha'))).toBe('alpha kept')

    // Record and machine-wide file agree on a wrong password: a server that only answers is not "running
    // as declared"; the login fails, nothing opens it, and the file is left as it was (never rewritten).
    writeFileSync(
      file,
      JSON.stringify({ ...b.sharedConfig(), admin_password: 'wrong-password-0123456789' }),
      {
        mode: 0o600,
      },
    )
    writeFileSync(machineFile, 'wrong-password-0123456789', { mode: 0o600 })
    const mismatch = b.cli(['db', 'up', '--json'])
    expect(mismatch.status, mismatch.stdout).toBe(6)
    expect(mismatch.json?.error).toMatchObject({ code: 'VOLUME_PASSWORD_MISMATCH' })
    expect(readFileSync(machineFile, 'utf8')).toBe('wrong-password-0123456789')
    expect(await marker(a.url('alpha'))).toBe('alpha kept')
  }, 400_000)

  it('db reset keeps the password the server runs with, not a wrong one recorded in this project', async () => {
    const m = machine()
    const [a, b] = [m.project(), m.project()]
    upOn(a, await freePort())
    expect(b.cli(['db', 'up', '--json']).status).toBe(0)
    const right = a.sharedConfig().admin_password
    const machineFile = join(m.dataDir, m.container, 'shared.password')
    writeFileSync(
      join(b.root, '.systemprompt', 'docker', 'shared_config.json'),
      JSON.stringify({ ...b.sharedConfig(), admin_password: 'wrong-password-0123456789' }),
      { mode: 0o600 },
    )
    const reset = b.cli(['db', 'reset', '--yes', '--json'])
    expect(reset.status, reset.stderr + reset.stdout).toBe(0)
    // The fresh cluster has the machine-wide password: A's record still opens it, B's record is corrected.
    expect(readFileSync(machineFile, 'utf8')).toBe(right)
    expect(b.sharedConfig().admin_password).toBe(right)
    const again = a.cli(['db', 'up', '--json'])
    expect(again.status, again.stderr + again.stdout).toBe(0)
    expect(again.json?.warnings.join('\n')).not.toContain('28P01')
  }, 400_000)

  it('case 10: another image needs --yes when others use it; one that is no PostgreSQL server is rolled back', async () => {
    const m = machine()
    const [a, b] = [m.project(), m.project()]
    upOn(a, await freePort())
    await b.tenantWithMarker('beta')
    const image = inspect(m.container, '{{.Config.Image}}')
    const bad = { SYSTEMPROMPT_POSTGRES_IMAGE: 'debian:bookworm-slim' }

    const refused = a.cli(['db', 'up', '--json'], bad)
    expect(refused.status, refused.stdout).toBe(6)
    expect(refused.json?.error).toMatchObject({
      code: 'SHARED_SERVER_IN_USE',
      details: { changes: [{ what: 'image', from: image, to: 'debian:bookworm-slim' }] },
    })
    expect(refused.json?.error.message).toContain(b.root)

    const failed = a.cli(['db', 'up', '--yes', '--json'], bad)
    expect(failed.status, failed.stdout).not.toBe(0)
    // It starts and exits at once (no postgres in it): the runner's own failure, then the roll-back.
    expect(['SERVER_EXITED', 'SERVER_START_FAILED', 'SERVER_TIMEOUT']).toContain(failed.json?.error.code)
    expect(failed.json?.error.message).toContain(`put back as it was (image ${image}`)
    expect(inspect(m.container, '{{.Config.Image}} {{.State.Running}}')).toBe(`${image} true`)
    expect(a.sharedConfig().image).toBe(image)
    expect(await marker(b.url('beta'))).toBe('beta kept')
    expect(b.cli(['db', 'up', '--json']).json?.result).toMatchObject({ action: 'unchanged' })
  }, 400_000)

  it('case 10: another SYSTEMPROMPT_DATA_DIR never silently repoints the password file; db status shows the drift', async () => {
    const m = machine()
    const [a, b] = [m.project(), m.project()]
    upOn(a, await freePort())
    const bDatabase = await b.tenantWithMarker('beta')
    const yaml = join(a.root, '.systemprompt', 'docker', 'shared.yaml')
    const yamlBefore = readFileSync(yaml, 'utf8')
    const other = tempDir('sp-multi-data2-')
    made.push(other)
    const elsewhere = { SYSTEMPROMPT_DATA_DIR: other.path }

    const refused = a.cli(['db', 'up', '--json'], elsewhere)
    expect(refused.status, refused.stdout).toBe(6)
    expect(refused.json?.error).toMatchObject({
      code: 'SHARED_SERVER_IN_USE',
      details: { changes: [{ what: 'password-file' }] },
    })
    // B is known from the index of the data dir the server's password file lives in, and from its database.
    expect(refused.json?.error.message).toContain(b.root)
    expect(refused.json?.error.message).toContain(bDatabase)
    expect(readFileSync(yaml, 'utf8')).toBe(yamlBefore)
    expect(a.cli(['db', 'status', '--json']).json?.result.drift).toEqual([])

    // Confirmed: it moves, says so, and B (still on the first data dir) sees the drift and needs --yes too.
    const moved = a.cli(['db', 'up', '--yes', '--json'], elsewhere)
    expect(moved.status, moved.stderr + moved.stdout).toBe(0)
    expect(moved.json?.warnings.join('\n')).toContain('another SYSTEMPROMPT_DATA_DIR')
    const mounted = join(other.path, m.container, 'shared.password')
    expect(inspect(m.container, '{{range .Mounts}}{{.Source}} {{end}}')).toContain(mounted)
    const status = b.cli(['db', 'status', '--json'])
    expect(status.json?.result.drift).toContainEqual({
      field: 'password-file',
      declared: join(m.dataDir, m.container, 'shared.password'),
      actual: mounted,
    })
    const back = b.cli(['db', 'up', '--json'])
    expect(back.status, back.stdout).toBe(6)
    expect(back.json?.error.message).toContain(a.root)
    expect(await marker(b.url('beta'))).toBe('beta kept')
  }, 400_000)

  it('db down and db reset of the shared server name every other project and need --yes', async () => {
    const m = machine()
    const [a, b, c] = [m.project(), m.project(), m.project()]
    upOn(a, await freePort())
    const bDatabase = await b.tenantWithMarker('beta')
    expect(c.cli(['db', 'up', '--json']).status).toBe(0)
    // A database of a project no index knows (its directory is gone, or it ran with another data dir).
    const admin = `postgresql://systemprompt_admin:${encodeURIComponent(a.sharedConfig().admin_password)}@127.0.0.1:${a.sharedConfig().port}/postgres`
    await sql(admin, 'CREATE DATABASE sp_ghost_deadbeef')

    const down = a.cli(['db', 'down', '--json'])
    expect(down.status, down.stdout).toBe(3)
    expect(down.json?.error.code).toBe('CONFIRMATION_REQUIRED')
    const named = down.json?.error.message
    expect(named).toContain(`${b.root}: databases ${bDatabase}`)
    expect(named).toContain(c.root)
    expect(named).toContain('project deadbeef (directory unknown): databases sp_ghost_deadbeef')
    expect(inspect(m.container, '{{.State.Running}}')).toBe('true')

    const reset = a.cli(['db', 'reset', '--json'])
    expect(reset.status, reset.stdout).toBe(3)
    expect(reset.json?.error.message).toContain(`${b.root}: databases ${bDatabase}`)
    expect(await marker(b.url('beta'))).toBe('beta kept')

    const stopped = a.cli(['db', 'down', '--yes', '--json'])
    expect(stopped.status, stopped.stderr + stopped.stdout).toBe(0)
    expect(stopped.json?.result).toMatchObject({ action: 'stopped' })
    expect(stopped.json?.result.otherProjects.map((p: { id: string }) => p.id).sort()).toEqual(
      [b.id(), c.id(), 'deadbeef'].sort(),
    )
    expect(a.cli(['db', 'up', '--json']).json?.result.action).toBe('started')
    expect(await marker(b.url('beta'))).toBe('beta kept')
  }, 400_000)

  it('a removed container is re-created on its volume from the machine-wide password file; deleting the volume names the others', async () => {
    const m = machine()
    const [a, b] = [m.project(), m.project()]
    const port = await freePort()
    upOn(a, port)
    const bDatabase = await b.tenantWithMarker('beta')
    expect(a.cli(['db', 'down', '--yes', '--json']).status).toBe(0)

    // Stopped, yet others use it: removing its container needs --yes too.
    const remove = b.cli(['db', 'down', '--remove', '--json'])
    expect(remove.status, remove.stdout).toBe(3)
    expect(remove.json?.error.code).toBe('CONFIRMATION_REQUIRED')
    expect(remove.json?.error.message).toContain(a.root)
    expect(inspect(m.container, '{{.State.Running}}')).toBe('false')
    const removed = b.cli(['db', 'down', '--remove', '--yes', '--json'])
    expect(removed.status, removed.stderr + removed.stdout).toBe(0)
    expect(removed.json?.result).toMatchObject({ containerRemoved: true })

    // A new project finds the volume without a container: not an orphan, the password file still opens it.
    const c = m.project()
    // (--port: the removed container took its port with it; the others' URLs name this one.)
    const up = c.cli(['db', 'up', '--port', String(port), '--json'])
    expect(up.status, up.stderr + up.stdout).toBe(0)
    expect(up.json?.result).toMatchObject({ action: 'created' })
    expect(up.json?.warnings.join('\n')).toContain('re-created on its volume')
    expect(c.sharedConfig().admin_password).toBe(a.sharedConfig().admin_password)
    expect(await marker(b.url('beta'))).toBe('beta kept')

    // Container and password file gone: the volume is orphaned, and deleting it names the projects using it.
    docker(['rm', '-f', m.container])
    rmSync(join(m.dataDir, m.container, 'shared.password'))
    const d = m.project()
    expect(d.cli(['db', 'up', '--json']).json?.error.code).toBe('VOLUME_ORPHANED')
    const wipe = d.cli(['db', 'up', '--reset-volume', '--json'])
    expect(wipe.status, wipe.stdout).toBe(6)
    expect(wipe.json?.error).toMatchObject({
      code: 'SHARED_SERVER_IN_USE',
      fix: expect.stringContaining('--yes'),
    })
    for (const other of [a, b, c]) expect(wipe.json?.error.message).toContain(other.root)
    expect(docker(['volume', 'ls', '-q', '--filter', `name=${m.container}`])).not.toBe('')
    expect(bDatabase).toMatch(/^sp_/)
  }, 400_000)

  it('other labels (config hash only) never re-create a server others use without --yes; then they do', async () => {
    const m = machine()
    const [a, b] = [m.project(), m.project()]
    upOn(a, await freePort())
    await b.tenantWithMarker('beta')
    const id = inspect(m.container, '{{.Id}}')
    const labels = {
      SYSTEMPROMPT_LABELS: `${cliTestEnv(run, m.instance).SYSTEMPROMPT_LABELS},systemprompt.test-extra=1`,
    }

    const kept = a.cli(['db', 'up', '--json'], labels)
    expect(kept.status, kept.stderr + kept.stdout).toBe(0)
    expect(kept.json?.result.action).toBe('unchanged')
    const warning = kept.json?.warnings.join('\n')
    expect(warning).toContain('label systemprompt.test-extra')
    expect(warning).toContain(b.root)
    expect(warning).toContain('systemprompt db up --yes')
    expect(inspect(m.container, '{{.Id}}')).toBe(id)

    const applied = a.cli(['db', 'up', '--yes', '--json'], labels)
    expect(applied.status, applied.stderr + applied.stdout).toBe(0)
    expect(applied.json?.result.action).toBe('recreated')
    expect(inspect(m.container, '{{index .Config.Labels "systemprompt.test-extra"}}')).toBe('1')
    expect(await marker(b.url('beta'))).toBe('beta kept')
  }, 400_000)

  it('db down waits for the machine-wide lock of the shared server', async () => {
    const m = machine()
    const [a, b] = [m.project(), m.project()]
    upOn(a, await freePort())
    expect(b.cli(['db', 'up', '--json']).status).toBe(0)
    const lock = join(m.dataDir, '.locks', `${m.container}.lock`)
    mkdirSync(join(m.dataDir, '.locks'), { recursive: true })
    // Held by a live process on this host (this test), as another project's `db up` would hold it.
    writeFileSync(
      lock,
      JSON.stringify({
        pid: process.pid,
        host: hostname(),
        token: 'test',
        acquired_at: new Date().toISOString(),
      }),
    )
    const env = { ...cliTestEnv(run, m.instance), SYSTEMPROMPT_DATA_DIR: m.dataDir }
    const down = spawnCli(['db', 'down', '--yes', '--json'], { cwd: a.root, env, killAfterMs: 120_000 })
    await new Promise((resolve) => setTimeout(resolve, 5000))
    expect(inspect(m.container, '{{.State.Running}}')).toBe('true')
    rmSync(lock)
    const done = await down
    expect(done.status, done.stderr + done.stdout).toBe(0)
    expect(done.json?.result).toMatchObject({ action: 'stopped' })
    expect(existsSync(lock)).toBe(false)
  }, 400_000)
})
