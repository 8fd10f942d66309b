// `docker build` and `docker run` as a user runs them, on the real engine with the test bed's images: a project
// made by `init`, a tenant `local` on this run's shared server, a `production` profile on the same database,
// the release binary built once. Each variant builds, starts, migrates and answers its health check; no
// secret is in any layer, the image config or the history; four containers against one empty database
// apply each migration once; the shared server stopped → 503, started → 200; bad input refuses before
// anything is built or started.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { parseDatabaseUrl, withClient } from '@systemprompt/pg'
import {
  childEnv,
  cliTestEnv,
  DOCKER,
  docker,
  freePort,
  newRunId,
  removeRun,
  runCli,
  startTestPostgres,
  tempDir,
  testLabels,
} from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = newRunId()
const project = tempDir('sp-docker-')
const dataDir = tempDir('sp-docker-data-')
const cwd = project.path
const env = { ...cliTestEnv(run), SYSTEMPROMPT_DATA_DIR: dataDir.path, SYSTEMPROMPT_PROFILE: undefined }
const cli = (args: string[], timeoutMs = 180_000) => runCli(args, { cwd, env, timeoutMs })
let projectId = ''
let secrets: Record<string, string | null>

function dockerOut(args: string[]) {
  return spawnSync(DOCKER, args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 1024 * 1024 * 1024 })
}

async function status(port: number): Promise<number | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`, { signal: AbortSignal.timeout(2000) })
    return res.status
  } catch {
    return undefined
  }
}

async function until(what: string, probe: () => Promise<boolean>, ms = 60_000): Promise<number> {
  const started = Date.now()
  for (;;) {
    if (await probe()) return Date.now() - started
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const profileDockerfile = (profile: string) =>
  join(cwd, '.systemprompt', 'profiles', profile, 'docker', 'Dockerfile')

beforeAll(() => {
  expect(cli(['init', '--json']).status).toBe(0)
  mkdirSync(join(cwd, 'services', 'database', 'migrations'), { recursive: true })
  writeFileSync(
    join(cwd, 'services', 'database', 'migrations', '0001_notes.sql'),
    'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);\n',
  )
  return undefined
}, 60_000)

afterAll(() => {
  removeRun(run)
  project.remove()
  dataDir.remove()
})

describe('docker build: refusals before the binary exists', () => {
  it('an unknown profile is PROFILE_NOT_FOUND; no release binary is RELEASE_BINARY_MISSING; nothing built', async () => {
    const up = cli(['db', 'up', '--port', String(await freePort()), '--json'])
    expect(up.status, up.stdout + up.stderr).toBe(0)
    const tenant = cli(['cloud', 'tenant', 'create', 'local', '--yes', '--json'])
    expect(tenant.status, tenant.stdout + tenant.stderr).toBe(0)
    const prod = cli(['cloud', 'profile', 'create', 'production', '--tenant', 'local', '--json'])
    expect(prod.status, prod.stdout + prod.stderr).toBe(0)
    projectId = JSON.parse(readFileSync(join(cwd, '.systemprompt', 'tenants.json'), 'utf8')).project_id
    secrets = JSON.parse(
      readFileSync(join(cwd, '.systemprompt', 'profiles', 'local', 'secrets.json'), 'utf8'),
    )

    const unknown = cli(['docker', 'build', 'nosuch', '--json'])
    expect(unknown.status).not.toBe(0)
    expect(unknown.json?.error).toMatchObject({ code: 'PROFILE_NOT_FOUND' })
    const noBinary = cli(['docker', 'build', 'local', '--json'])
    expect(noBinary.json?.error).toMatchObject({ code: 'RELEASE_BINARY_MISSING' })
    expect(noBinary.json?.error.fix).toContain('systemprompt build release')
    expect(docker(['images', '-q', `systemprompt-${projectId}`]).trim()).toBe('')

    const built = cli(['build', 'release', '--json'])
    expect(built.status, built.stdout + built.stderr).toBe(0)
  }, 300_000)
})

describe('docker build', () => {
  it('builds local, tags <repo>:local and :sha-<12 hex>, and reuses the image for unchanged inputs', () => {
    const first = cli(['docker', 'build', 'local', '--json'], 600_000)
    expect(first.status, first.stdout + first.stderr).toBe(0)
    expect(first.json?.result).toMatchObject({ built: true, profile: 'local' })
    const [profileTag, shaTag] = (first.json?.result.tags ?? []) as [string, string]
    expect(profileTag).toBe(`systemprompt-${projectId}:local`)
    expect(shaTag).toMatch(new RegExp(`^systemprompt-${projectId}:sha-[0-9a-f]{12}$`))
    const again = cli(['docker', 'build', 'local', '--json'])
    expect(again.json?.result).toMatchObject({
      built: false,
      image: first.json?.result.image,
      tags: [profileTag, shaTag],
    })
    const inspected = JSON.parse(docker(['image', 'inspect', profileTag]))[0]
    expect(inspected.Id).toBe(first.json?.result.image)
    expect(inspected.Config.Entrypoint).toEqual(['/app/entrypoint.sh'])
    expect(inspected.Config.User).toBe('10001:10001')
  }, 700_000)

  it('production: the last USER is 10001 and no secret is in any layer, the config or the history', () => {
    const built = cli(['docker', 'build', 'production', '--json'], 600_000)
    expect(built.status, built.stdout + built.stderr).toBe(0)
    const ref = `systemprompt-${projectId}:production`
    const config = docker(['image', 'inspect', ref])
    expect(JSON.parse(config)[0].Config.User).toBe('10001:10001')
    const history = docker(['history', '--no-trunc', ref])
    const saved = dockerOut(['save', ref])
    expect(saved.status).toBe(0)
    const password = parseDatabaseUrl(secrets.database_url as string).password
    for (const secret of [secrets.jwt_secret as string, password]) {
      expect(secret.length).toBeGreaterThan(8)
      expect(config).not.toContain(secret)
      expect(history).not.toContain(secret)
      expect(saved.stdout.includes(secret)).toBe(false)
      expect(built.stdout).not.toContain(secret)
    }
    // Not one of the project's records or secrets files in the image's file system.
    const found = dockerOut([
      'run',
      '--rm',
      '--entrypoint',
      'find',
      ref,
      '/app',
      '-name',
      'secrets.json',
      '-o',
      '-name',
      'tenants.json',
      '-o',
      '-name',
      'shared_config.json',
      '-o',
      '-name',
      '.env*',
      '-o',
      '-name',
      '.secrets',
    ])
    expect(found.status, found.stderr).toBe(0)
    expect(found.stdout.trim()).toBe('')
  }, 700_000)

  it('refuses a secret-like ENV added by hand and a COPY of a missing path, naming file:line; nothing built', () => {
    const file = profileDockerfile('local')
    const original = readFileSync(file, 'utf8')
    try {
      writeFileSync(file, original.replace('EXPOSE 8080', 'ENV API_TOKEN=abc123\nEXPOSE 8080'))
      const line = original.split('\n').indexOf('EXPOSE 8080') + 1
      const secretEnv = cli(['docker', 'build', 'local', '--json'])
      expect(secretEnv.json?.error).toMatchObject({ code: 'DOCKERFILE_CHECK_FAILED', line })
      expect(secretEnv.json?.error.message).toContain(`Dockerfile:${line}`)
    } finally {
      writeFileSync(file, original)
    }
    renameSync(join(cwd, 'web'), join(cwd, 'web.moved'))
    try {
      const missing = cli(['docker', 'build', 'local', '--json'])
      expect(missing.json?.error).toMatchObject({ code: 'DOCKER_CONTEXT_PATH_MISSING' })
      expect(missing.json?.error.message).toContain('copies web')
    } finally {
      renameSync(join(cwd, 'web.moved'), join(cwd, 'web'))
    }
  })
})

describe('docker compose', () => {
  it('writes the corrected docker-compose.yaml; docker-compose up -d: postgres healthy first, then the app answers 200', async () => {
    const port = await freePort()
    const written = cli(
      ['docker', 'compose', '--profile', 'local', '--port', String(port), '--json'],
      600_000,
    )
    expect(written.status, written.stdout + written.stderr).toBe(0)
    const text = readFileSync(join(cwd, 'docker-compose.yaml'), 'utf8')
    expect(text).toContain('condition: service_healthy')
    expect(text).toContain(`"127.0.0.1:${port}:8080"`)
    expect(text).toContain('pgdata:/var/lib/postgresql/data')
    const dotEnv = readFileSync(join(cwd, '.env'), 'utf8')
    const password = /SYSTEMPROMPT_COMPOSE_DB_PASSWORD=(\S+)/.exec(dotEnv)?.[1] as string
    expect(password.length).toBeGreaterThanOrEqual(32)
    expect(text).not.toContain(password)
    expect(text).not.toContain(secrets.jwt_secret as string)
    expect(statSync(join(cwd, '.env')).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(cwd, '.gitignore'), 'utf8')).toContain('.env')
    const compose = (args: string[]) =>
      spawnSync('docker-compose', args, { cwd, encoding: 'utf8', env: childEnv(), timeout: 120_000 })
    try {
      const up = compose(['up', '-d'])
      expect(up.status, up.stderr).toBe(0)
      await until('the compose app answers 200', async () => (await status(port)) === 200, 90_000)
      const ids = compose(['ps', '-q']).stdout.trim().split('\n')
      const infos = ids.map((id) => JSON.parse(docker(['inspect', id]))[0])
      const pgInfo = infos.find((i) => i.Config.Labels['com.docker.compose.service'] === 'postgres')
      const appInfo = infos.find((i) => i.Config.Labels['com.docker.compose.service'] === 'app')
      expect(pgInfo.State.Health.Status).toBe('healthy')
      const firstHealthy = pgInfo.State.Health.Log.find((l: { ExitCode: number }) => l.ExitCode === 0)
      expect(Date.parse(appInfo.State.StartedAt)).toBeGreaterThanOrEqual(Date.parse(firstHealthy.End) - 50)
      expect(appInfo.HostConfig.PortBindings['8080/tcp'][0].HostIp).toBe('127.0.0.1')
    } finally {
      compose(['down', '-v'])
    }
  }, 700_000)
})

describe('docker run', () => {
  it('local against the shared server with the profile URL as written (127.0.0.1): healthy, 503 when the server stops, 200 when it is back, stop < 2 s', async () => {
    expect(secrets.database_url).toContain('@127.0.0.1:')
    const port = await freePort()
    const started = cli(['docker', 'run', 'local', '--detach', '--port', String(port), '--json'])
    expect(started.status, started.stdout + started.stderr).toBe(0)
    expect(started.json?.result).toMatchObject({ detached: true, url: `http://127.0.0.1:${port}` })
    const server = started.json?.result.database.server as string
    expect(await status(port)).toBe(200)
    const container = started.json?.result.container as string
    // Run again on the same port: our own container is replaced, its port is not "taken".
    const again = cli(['docker', 'run', 'local', '--detach', '--port', String(port), '--json'])
    expect(again.status, again.stdout + again.stderr).toBe(0)
    expect(again.json?.warnings).toEqual(
      expect.arrayContaining([expect.stringContaining(`Replacing the running app container ${container}`)]),
    )
    expect(await status(port)).toBe(200)
    const inspect = JSON.parse(docker(['inspect', container]))[0]
    expect(inspect.HostConfig.PortBindings['8080/tcp']).toEqual([
      { HostIp: '127.0.0.1', HostPort: String(port) },
    ])
    // The profile's secrets are the container's environment, not the image's.
    expect(inspect.Config.Env).toContain(`JWT_SECRET=${secrets.jwt_secret}`)

    docker(['stop', server])
    const down = await until('503 after the database stopped', async () => (await status(port)) === 503, 3000)
    expect(down).toBeLessThan(3000)
    docker(['start', server])
    await until('200 after the database started', async () => (await status(port)) === 200, 30_000)

    const t0 = Date.now()
    docker(['stop', container])
    expect(Date.now() - t0).toBeLessThan(2000)
    docker(['rm', '-v', container])
  }, 180_000)

  it('production runs with a read-only root and answers 200', async () => {
    const port = await freePort()
    const started = cli(['docker', 'run', 'production', '--detach', '--port', String(port), '--json'])
    expect(started.status, started.stdout + started.stderr).toBe(0)
    const container = started.json?.result.container as string
    const inspect = JSON.parse(docker(['inspect', container]))[0]
    expect(inspect.HostConfig.ReadonlyRootfs).toBe(true)
    expect(await status(port)).toBe(200)
    docker(['rm', '-f', '-v', container])
  }, 180_000)

  it('four containers of one image at once against one empty database: all healthy, each migration applied once', async () => {
    const network = `sp-docker-net-${run}`
    docker([
      'network',
      'create',
      ...Object.entries(testLabels(run)).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
      network,
    ])
    const pg = await startTestPostgres(run, { name: `sp-docker-pg-${run}`, network })
    const url = `postgres://${pg.user}:${pg.password}@${pg.container}:5432/${pg.database}`
    const ports = await Promise.all([0, 1, 2, 3].map(() => freePort()))
    const labels = Object.entries(testLabels(run)).flatMap(([k, v]) => ['--label', `${k}=${v}`])
    const ids = ports.map((port, i) =>
      docker([
        'run',
        '-d',
        ...labels,
        '--name',
        `sp-docker-app-${run}-${i}`,
        '--network',
        network,
        '--read-only',
        '-p',
        `127.0.0.1:${port}:8080`,
        '-e',
        `DATABASE_URL=${url}`,
        `systemprompt-${projectId}:production`,
      ]).trim(),
    )
    await Promise.all(ports.map((port) => until(`app on ${port}`, async () => (await status(port)) === 200)))
    const counts = await withClient(
      { host: '127.0.0.1', port: pg.port, user: pg.user, password: pg.password, database: pg.database },
      async (client) =>
        (
          await client.query(
            'SELECT count(*)::int AS rows, count(DISTINCT version)::int AS versions FROM systemprompt_schema_migrations',
          )
        ).rows[0],
    )
    expect(counts).toEqual({ rows: 1, versions: 1 })
    for (const id of ids) docker(['rm', '-f', '-v', id])
  }, 180_000)

  it('refuses a taken port naming its holder, and an image not built yet, starting nothing', async () => {
    const holder = createServer()
    const port = await freePort()
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve))
    try {
      const taken = cli(['docker', 'run', 'local', '--detach', '--port', String(port), '--json'])
      expect(taken.json?.error).toMatchObject({ code: 'PORT_IN_USE' })
      expect(taken.json?.error.message).toContain(`127.0.0.1:${port}`)
      expect(taken.json?.error.message).toContain(`${process.pid}`)
    } finally {
      holder.close()
    }
    docker(['rmi', `systemprompt-${projectId}:local`])
    const noImage = cli(['docker', 'run', 'local', '--detach', '--json'])
    expect(noImage.json?.error).toMatchObject({ code: 'IMAGE_MISSING' })
    expect(noImage.json?.error.fix).toContain('systemprompt docker build local')
    expect(docker(['ps', '-aq', '--filter', `name=systemprompt-${projectId}-local`]).trim()).toBe('')
  }, 60_000)

  it('an unreachable engine is ENGINE_UNREACHABLE naming it', () => {
    const res = runCli(['docker', 'run', 'local', '--json'], {
      cwd,
      env: { ...env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    })
    expect(res.json?.error).toMatchObject({ code: 'ENGINE_UNREACHABLE' })
    expect(res.json?.error.message).toContain('/nonexistent/docker.sock')
  })
})
