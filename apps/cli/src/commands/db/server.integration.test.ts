import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectLayout, TenantsFileSchema, updateJsonFile } from '@systemprompt/config'
import { cliTestEnv, docker, freePort, newRunId, removeRun, runCli, tempDir } from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The real binary against the real engine. The test settings (cliTestEnv) make the server layer suffix the
// Docker names and label everything with this run, so the machine's real systemprompt-postgres-* stay untouched.
// The deep proofs of up/down/reset/drift are the postgres package's; here: envelopes, exit codes, output.
const run = newRunId()
const project = tempDir('sp-db-cli-')
// The shared server's password file is per user: keep it out of the real ~/.local/share.
const dataDir = tempDir('sp-db-cli-data-')
const env = { ...cliTestEnv(run), SYSTEMPROMPT_DATA_DIR: dataDir.path }

const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
  runCli(args, { cwd: project.path, env: { ...env, ...extraEnv } })

beforeAll(() => {
  mkdirSync(join(project.path, '.systemprompt'))
})

afterAll(() => {
  removeRun(run)
  project.remove()
  dataDir.remove()
})

/** A tenant record as `cloud tenant create --database dedicated` writes it before starting the server. */
async function recordDedicatedTenant(name: string): Promise<void> {
  const now = new Date().toISOString()
  await updateJsonFile(projectLayout(project.path).tenantsFile, TenantsFileSchema, (current) => {
    const base = current ?? TenantsFileSchema.parse({ project_id: 'abcd1234' })
    return {
      ...base,
      tenants: [
        ...base.tenants.filter((t) => t.name !== name),
        {
          name,
          database: 'dedicated' as const,
          state: 'pending' as const,
          profile: name,
          created_at: now,
          updated_at: now,
        },
      ],
    }
  })
}

function projectIdOf(): string {
  const file = projectLayout(project.path).tenantsFile
  return (JSON.parse(readFileSync(file, 'utf8')) as { project_id: string }).project_id
}

describe('systemprompt db up/status/logs/down/reset (real binary)', () => {
  it('runs the shared server through its life cycle with --json envelopes', async () => {
    const port = await freePort()
    const container = `systemprompt-postgres-shared-${run}`

    const up = cli(['db', 'up', '--port', String(port), '--json'])
    expect(up.status, up.stderr).toBe(0)
    expect(up.json).toMatchObject({
      status: 0,
      result: { target: 'shared', action: 'created', port, container, adopted: false },
      warnings: [],
    })

    const again = cli(['db', 'up', '--json'])
    expect(again.json).toMatchObject({ status: 0, result: { action: 'unchanged', port } })

    const status = cli(['db', 'status', '--json'])
    expect(status.json).toMatchObject({
      status: 0,
      result: { state: 'running', port, drift: [], containerName: container },
    })

    const logs = cli(['db', 'logs', '--tail', '20', '--json'])
    expect(logs.json?.result.lines.join('\n')).toContain('ready to accept connections')

    const down = cli(['db', 'down', '--json'])
    expect(down.json).toMatchObject({ status: 0, result: { action: 'stopped', containerRemoved: false } })
    expect(cli(['db', 'status', '--json']).json?.result.state).toBe('exited')

    const warm = cli(['db', 'up'])
    expect(warm.status).toBe(0)
    expect(warm.stderr).toContain(`Shared PostgreSQL started: 127.0.0.1:${port}`)
    // One elapsed time on the final line.
    expect(warm.stderr).toMatch(new RegExp(`started: 127\\.0\\.0\\.1:${port} \\(\\d+\\.\\ds\\)\\n`))

    const refused = cli(['db', 'reset', '--json'])
    expect(refused.status).toBe(3)
    expect(refused.json?.error.code).toBe('CONFIRMATION_REQUIRED')

    // That the data is gone is the postgres package's proof (lifecycle.integration.test.ts); here the envelope.
    const reset = cli(['db', 'reset', '--yes', '--json'])
    expect(reset.json).toMatchObject({ status: 0, result: { container, port } })
    expect(docker(['inspect', '-f', '{{.State.Running}}', container])).toBe('true')

    // Plain progress lines (no TTY): no "ready ..." step left dangling before the final line.
    const plain = cli(['db', 'reset', '--yes'])
    expect(plain.status, plain.stderr).toBe(0)
    expect(plain.stderr).toContain(`Fresh, empty server on 127.0.0.1:${port}`)
    expect(plain.stderr).not.toMatch(/ready on 127\.0\.0\.1:\d+ \.\.\./)
  })

  it('accepts the seed form TENANT=x for a dedicated server', async () => {
    const tenant = `t${run.slice(0, 6)}`
    await recordDedicatedTenant(tenant)
    const up = cli(['db', 'up', `TENANT=${tenant}`, '--port', String(await freePort()), '--json'])
    expect(up.status, up.stderr).toBe(0)
    expect(up.json).toMatchObject({
      result: {
        target: { tenant },
        action: 'created',
        // `db up` of the shared server above already gave the project an id (or the record did: abcd1234).
        container: `systemprompt-postgres-${tenant}-${projectIdOf()}-${run}`,
      },
    })
    const down = cli(['db', 'down', '--tenant', tenant, '--json'])
    expect(down.json).toMatchObject({ result: { target: { tenant }, action: 'stopped' } })
    const status = cli(['db', 'status', tenant])
    expect(status.stdout).toContain('State:')
    const twice = cli(['db', 'up', 'a', '--tenant', 'b', '--json'])
    expect(twice.status).toBe(2)
    expect(twice.json?.error.code).toBe('USAGE')
  })

  it('refuses a tenant that tenants.json does not know, writing nothing', () => {
    const tenant = `nosuch${run.slice(0, 4)}`
    const up = cli(['db', 'up', tenant, '--json'])
    expect(up.status).toBe(3)
    expect(up.json?.error).toMatchObject({
      code: 'TENANT_NOT_FOUND',
      fix: expect.stringContaining(`systemprompt cloud tenant create --name ${tenant} --database dedicated`),
    })
    const layout = projectLayout(project.path)
    expect(existsSync(layout.tenantCompose(tenant))).toBe(false)
    expect(existsSync(layout.tenantPasswordFile(tenant))).toBe(false)
    // status, down and reset say the same: nothing is invented for a tenant this project does not have.
    for (const args of [['status'], ['down'], ['reset', '--yes']]) {
      const verb = args[0]
      const other = cli(['db', ...args, '--tenant', tenant, '--json'])
      expect(other.status, verb).toBe(3)
      expect(other.json?.error.code, verb).toBe('TENANT_NOT_FOUND')
    }
  })

  it('names DOCKER_HOST in one line when the engine is not there (exit code 4)', () => {
    const result = cli(['db', 'up', '--json'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' })
    expect(result.status).toBe(4)
    expect(result.json?.error).toMatchObject({
      code: 'ENGINE_UNREACHABLE',
      message: 'Docker engine not reachable at DOCKER_HOST=unix:///nonexistent/docker.sock (no such socket)',
    })
    const human = cli(['db', 'status'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' })
    expect(human.stderr).toContain(
      'Docker engine not reachable at DOCKER_HOST=unix:///nonexistent/docker.sock',
    )
    expect(human.stderr).not.toMatch(/^\s+at /m)
  })
})
