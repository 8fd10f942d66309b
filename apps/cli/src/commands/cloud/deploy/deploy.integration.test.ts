// `cloud deploy` as a user runs it, on the real engine, the test bed's registry (127.0.0.1:5000) and Swarm: a
// project made by `init`, its database a PostgreSQL container on an attachable overlay network of this run,
// a `production` profile deploying to Swarm with 2 replicas and a `single` profile to this engine (docker).
// From nothing → built, pushed (the registry lists the tag), 2/2 healthy, migrations applied once; unchanged →
// nothing built, pushed or updated; a bad migration → Swarm rolls back, exit non-zero saying why, while a
// request loop inside the network sees no failed request; secrets only as Swarm secrets; bad input refused
// before anything changes.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import {
  CLI_BIN,
  childEnv,
  cliTestEnv,
  DOCKER,
  docker,
  freePort,
  newRunId,
  removeRun,
  runCli,
  spawnCli,
  tempDir,
  testImage,
  testLabels,
} from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = newRunId()
const project = tempDir('sp-deploy-')
const dataDir = tempDir('sp-deploy-data-')
const cwd = project.path
const env = { ...cliTestEnv(run), SYSTEMPROMPT_DATA_DIR: dataDir.path, SYSTEMPROMPT_PROFILE: undefined }
const cli = (args: string[], timeoutMs = 600_000) => runCli(args, { cwd, env, timeoutMs })
const labelArgs = Object.entries(testLabels(run)).flatMap(([k, v]) => ['--label', `${k}=${v}`])
const network = `sp-deploy-${run}`
const pg = `sp-deploy-pg-${run}`
const pgPassword = `pw${run}x`
const repository = `sp-test/app-${run}`
const service = `sp-deploy-${run}`
const single = `sp-single-${run}`
let singlePort = 0
const migrations = join(cwd, 'services', 'database', 'migrations')
const profileYaml = (profile: string) => join(cwd, '.systemprompt', 'profiles', profile, 'profile.yaml')

function sh(args: string[]) {
  return spawnSync(DOCKER, args, { encoding: 'utf8', timeout: 120_000 })
}

async function registryTags(): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:5000/v2/${repository}/tags/list`)
  if (res.status !== 200) return []
  return ((await res.json()) as { tags?: string[] }).tags ?? []
}

/** This service's Swarm secrets, by name, sorted. */
function serviceSecrets(): string[] {
  const names = docker([
    'secret',
    'ls',
    '--filter',
    `label=systemprompt.deploy.service=${service}`,
    '--format',
    '{{.Name}}',
  ])
  return names.split('\n').filter(Boolean).sort()
}

function psql(sql: string): string {
  return docker(['exec', pg, 'psql', '-U', 'app', '-d', 'app', '-Atc', sql])
}

function runningTasks(name: string): number {
  return docker(['service', 'ps', name, '--filter', 'desired-state=running', '--format', '{{.CurrentState}}'])
    .split('\n')
    .filter((line) => line.startsWith('Running')).length
}

async function health(port: number): Promise<number | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`, { signal: AbortSignal.timeout(2000) })
    return res.status
  } catch {
    return undefined
  }
}

beforeAll(async () => {
  expect(cli(['init', '--json']).status).toBe(0)
  writeFileSync(
    join(migrations, '0001_notes.sql'),
    'CREATE TABLE notes (id serial PRIMARY KEY, body text);\n',
  )
  docker(['network', 'create', '--driver', 'overlay', '--attachable', ...labelArgs, network])
  docker([
    'run',
    '-d',
    '--name',
    pg,
    '--network',
    network,
    ...labelArgs,
    '-e',
    `POSTGRES_PASSWORD=${pgPassword}`,
    '-e',
    'POSTGRES_USER=app',
    '-e',
    'POSTGRES_DB=app',
    testImage(),
  ])
  const url = `postgres://app:${pgPassword}@${pg}:5432/app`
  for (const [profile, deploy] of [
    [
      'production',
      `deploy:\n  target: swarm\n  registry: 127.0.0.1:5000\n  repository: ${repository}\n  service: ${service}\n  replicas: 2\n  publish_port: null\n  networks: [${network}]\n  monitor: 2\n  health_timeout: 90\n`,
    ],
    [
      'single',
      `deploy:\n  target: docker\n  service: ${single}\n  publish_port: PORT\n  networks: [${network}]\n  health_timeout: 90\n`,
    ],
  ] as const) {
    const made = cli([
      'cloud',
      'profile',
      'create',
      profile,
      '--database-url',
      url,
      '--target',
      'cloud',
      '--json',
    ])
    expect(made.status, made.stdout + made.stderr).toBe(0)
    if (profile === 'single') singlePort = await freePort()
    writeFileSync(
      profileYaml(profile),
      `${readFileSync(profileYaml(profile), 'utf8')}${deploy.replace('PORT', String(singlePort))}`,
    )
  }
  expect(cli(['config', 'validate', '--json']).status).toBe(0)
  const built = cli(['build', 'release', '--json'])
  expect(built.status, built.stdout + built.stderr).toBe(0)
}, 600_000)

afterAll(() => {
  removeRun(run)
  project.remove()
  dataDir.remove()
})

describe('cloud deploy: refusals before anything changes', () => {
  it('unknown profile, no deploy: section, no --yes without a terminal, a missing network, replicas out of range', () => {
    const unknown = cli(['cloud', 'deploy', '--profile', 'nosuch', '--yes', '--json'])
    expect(unknown.json?.error.code).toBe('PROFILE_NOT_FOUND')

    const bare = cli([
      'cloud',
      'profile',
      'create',
      'bare',
      '--database-url',
      'postgres://a:b@h:5432/d',
      '--json',
    ])
    expect(bare.status).toBe(0)
    const none = cli(['cloud', 'deploy', '--profile', 'bare', '--yes', '--json'])
    expect(none.json?.error.code).toBe('DEPLOY_NOT_CONFIGURED')
    expect(none.json?.error.fix).toContain('deploy: { target: swarm')
    // A fix is one line: the terminal would show a line break in it as a literal \n.
    expect(none.json?.error.fix).not.toContain('\n')

    const asked = cli(['cloud', 'deploy', '--profile', 'production'])
    expect(asked.status).toBe(3)
    expect(asked.stderr).toContain('CONFIRMATION_REQUIRED')

    const yaml = readFileSync(profileYaml('production'), 'utf8')
    try {
      writeFileSync(
        profileYaml('production'),
        yaml.replace(`networks: [${network}]`, 'networks: [no-such-net]'),
      )
      const net = cli(['cloud', 'deploy', '--profile', 'production', '--yes', '--json'])
      expect(net.json?.error.code).toBe('DEPLOY_NETWORK_MISSING')
      expect(net.json?.error.message).toContain('no-such-net')
      writeFileSync(profileYaml('production'), yaml.replace('replicas: 2', 'replicas: 1000'))
      const many = cli(['cloud', 'deploy', '--profile', 'production', '--yes', '--json'])
      expect(many.json?.error.code).toBe('CONFIG_INVALID')
      expect(many.json?.error.message).toContain('replicas')
      writeFileSync(profileYaml('production'), yaml.replace('replicas: 2', 'replicas: 0'))
      expect(cli(['cloud', 'deploy', '--profile', 'production', '--yes', '--json']).json?.error.code).toBe(
        'CONFIG_INVALID',
      )
      writeFileSync(profileYaml('production'), yaml.replace('127.0.0.1:5000', '127.0.0.1:1'))
      const unreachable = cli(['cloud', 'deploy', '--profile', 'production', '--yes', '--json'])
      expect(unreachable.json?.error.code).toBe('DEPLOY_REGISTRY_UNREACHABLE')
    } finally {
      writeFileSync(profileYaml('production'), yaml)
    }
    const skip = cli(['cloud', 'deploy', '--profile', 'production', '--yes', '--skip-push', '--json'])
    expect(skip.json?.error.code).toBe('DEPLOY_IMAGE_MISSING')
    expect(skip.json?.error.message).toContain(`127.0.0.1:5000/${repository}:sha-`)
    // Nothing was made by any of them.
    expect(sh(['service', 'inspect', service]).status).not.toBe(0)
    expect(docker(['images', '-q', '--filter', `label=systemprompt.test-run=${run}`])).toBe('')
  }, 300_000)

  it('a publish port held by another program is PORT_IN_USE', async () => {
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(singlePort, '0.0.0.0', resolve))
    try {
      const taken = cli(['cloud', 'deploy', '--profile', 'single', '--yes', '--json'])
      expect(taken.json?.error.code).toBe('PORT_IN_USE')
    } finally {
      await new Promise((resolve) => holder.close(resolve))
    }
  })
})

describe('cloud deploy to Swarm', () => {
  it('from nothing: built, pushed, 2 replicas healthy, migrations applied once, secrets only as Swarm secrets', async () => {
    const first = cli(['cloud', 'deploy', '--profile', 'production', '--yes', '--json'])
    expect(first.status, first.stdout + first.stderr).toBe(0)
    const result = first.json?.result
    expect(result).toMatchObject({ result: 'deployed', target: 'swarm', service })
    expect(result.image).toMatch(
      new RegExp(`^127\\.0\\.0\\.1:5000/${repository}:sha-[0-9a-f]{12}@sha256:[0-9a-f]{64}$`),
    )
    expect(await registryTags()).toContain(result.tag)
    expect(runningTasks(service)).toBe(2)
    expect(psql('SELECT count(*) FROM notes')).toBe('0')
    // Secrets: never in the service spec, the task's container, the image history or the output. (The
    // X-Registry-Auth the engine stores is not readable through the API; its encoding has a unit test.)
    const inspect = docker(['service', 'inspect', service])
    expect(inspect).not.toContain(pgPassword)
    const spec = JSON.parse(inspect)[0].Spec
    expect(spec.TaskTemplate.ContainerSpec.Env).toContain('DATABASE_URL_FILE=/run/secrets/DATABASE_URL')
    expect(
      spec.TaskTemplate.ContainerSpec.Secrets.map((s: { File: { Name: string } }) => s.File.Name).sort(),
    ).toEqual(['DATABASE_URL', 'JWT_SECRET'])
    expect(first.stdout + first.stderr).not.toContain(pgPassword)
    const secrets = JSON.parse(
      readFileSync(join(cwd, '.systemprompt', 'profiles', 'production', 'secrets.json'), 'utf8'),
    )
    expect(inspect).not.toContain(secrets.jwt_secret)
    const task = docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`]).split(
      '\n',
    )[0] as string
    expect(docker(['inspect', task])).not.toContain(pgPassword)
    expect(docker(['history', '--no-trunc', result.image.split('@')[0]])).not.toContain(pgPassword)

    const status = cli(['cloud', 'deploy', 'status', '--profile', 'production', '--json'])
    expect(status.json?.result.running).toMatchObject({ running: 2, desired: 2 })
    expect(status.json?.result.deploys[0]).toMatchObject({ id: 1, result: 'deployed', image: result.image })
  }, 600_000)

  it('unchanged: nothing built, pushed or updated, and it says so', () => {
    const before = JSON.parse(docker(['service', 'inspect', service]))[0].Version.Index
    const again = cli(['cloud', 'deploy', '--profile', 'production', '--yes', '--json'])
    expect(again.status, again.stdout + again.stderr).toBe(0)
    expect(again.json?.result.result).toBe('unchanged')
    const states = Object.fromEntries(
      ((again.json?.result.steps ?? []) as { step: string; state: string }[]).map((s) => [s.step, s.state]),
    )
    expect(states).toMatchObject({
      release: 'skipped',
      image: 'skipped',
      push: 'skipped',
      rollout: 'skipped',
    })
    expect(JSON.parse(docker(['service', 'inspect', service]))[0].Version.Index).toBe(before)
    const human = cli(['cloud', 'deploy', '--profile', 'production', '--yes'])
    expect(human.stdout).toMatch(/push +skipped: .* is already in the registry/)
    expect(human.stdout).toContain('Unchanged:')
  }, 300_000)

  it('a changed secret makes a new Swarm secret and the old one is removed; a second deploy meanwhile is refused', async () => {
    const file = join(cwd, '.systemprompt', 'profiles', 'production', 'secrets.json')
    const secrets = JSON.parse(readFileSync(file, 'utf8'))
    const oldNames = serviceSecrets()
    writeFileSync(file, JSON.stringify({ ...secrets, MY_TOKEN: `token-${run}` }, null, 2), { mode: 0o600 })
    const running = spawnCli(['cloud', 'deploy', '--profile', 'production', '--yes', '--json'], { cwd, env })
    const lock = join(cwd, '.systemprompt', '.locks', 'deploy-production.lock')
    for (let i = 0; i < 200 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 50))
    const second = cli(['cloud', 'deploy', '--profile', 'production', '--yes', '--json'])
    expect(second.json?.error.code).toBe('DEPLOY_IN_PROGRESS')
    expect(second.json?.error.message).toMatch(/held by process \d+/)
    const changed = await running
    expect(changed.status, changed.stdout + changed.stderr).toBe(0)
    expect(changed.json?.result.result).toBe('deployed')
    const names = serviceSecrets()
    expect(names.length).toBe(3)
    expect(names.filter((n) => oldNames.includes(n)).length).toBe(2)
    expect(docker(['service', 'inspect', service])).not.toContain(`token-${run}`)
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 })
    const back = cli(['cloud', 'deploy', '--profile', 'production', '--yes', '--json'])
    expect(back.status, back.stdout + back.stderr).toBe(0)
    const after = serviceSecrets()
    expect(after).toEqual(oldNames)
  }, 600_000)

  it('a bad release rolls back: exit non-zero saying why, and the old version answered every request', async () => {
    const loop = `sp-deploy-loop-${run}`
    docker([
      'run',
      '-d',
      '--name',
      loop,
      '--network',
      network,
      ...labelArgs,
      '--entrypoint',
      'bash',
      'debian:bookworm-slim',
      '-c',
      `while :; do if exec 3<>/dev/tcp/${service}/8080 && printf 'GET /api/v1/health HTTP/1.0\\r\\n\\r\\n' >&3 && IFS= read -r -t 3 line <&3 && [[ $line == *" 200 "* ]]; then echo ok; else echo fail; fi; exec 3<&- 3>&-; sleep 0.1; done`,
    ])
    writeFileSync(join(migrations, '0002_broken.sql'), 'SELECT this is not sql;\n')
    try {
      const bad = cli(['cloud', 'deploy', '--profile', 'production', '--yes', '--json'])
      expect(bad.status).toBe(3)
      expect(bad.json?.error.code).toBe('DEPLOY_ROLLED_BACK')
      expect(bad.json?.error.message).toContain('rolled back')
      expect(bad.json?.error.message).toMatch(/0002_broken|syntax/)
      docker(['kill', loop])
      const answers = docker(['logs', loop]).split('\n').filter(Boolean)
      const failed = answers.filter((a) => a !== 'ok').length
      console.log(`request loop during the failed update: ${answers.length} requests, ${failed} failed`)
      expect(answers.length).toBeGreaterThan(20)
      expect(failed).toBe(0)
      expect(runningTasks(service)).toBe(2)
      const status = cli(['cloud', 'deploy', 'status', '--profile', 'production', '--json'])
      expect(status.json?.result.deploys[0]).toMatchObject({ result: 'rolled_back' })
    } finally {
      sh(['rm', '-f', loop])
    }
  }, 600_000)
})

describe('cloud deploy: Ctrl-C during a Swarm rollout', () => {
  it('goes back to the old version and says so; the service is never left half-updated', async () => {
    const { rmSync } = await import('node:fs')
    rmSync(join(migrations, '0002_broken.sql'), { force: true })
    const before = JSON.parse(docker(['service', 'inspect', service]))[0].Spec.TaskTemplate.ContainerSpec
      .Image
    writeFileSync(join(migrations, '0003_more.sql'), 'CREATE TABLE more_notes (id int);\n')
    const child = spawn(
      process.execPath,
      [CLI_BIN, 'cloud', 'deploy', '--profile', 'production', '--yes', '--json'],
      {
        cwd,
        env: childEnv(env),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
    const state = () =>
      JSON.parse(docker(['service', 'inspect', service]))[0].UpdateStatus?.State as string | undefined
    for (let i = 0; i < 1200 && state() !== 'updating'; i++) await new Promise((r) => setTimeout(r, 100))
    expect(state()).toBe('updating')
    child.kill('SIGINT')
    const code = await closed
    const envelope = JSON.parse(stdout)
    expect(code).toBe(3)
    expect(envelope.error.code).toBe('INTERRUPTED')
    expect(envelope.error.message).toContain('rolled back')
    for (let i = 0; i < 900 && !String(state()).startsWith('rollback_'); i++)
      await new Promise((r) => setTimeout(r, 100))
    for (let i = 0; i < 900 && state() === 'rollback_started'; i++)
      await new Promise((r) => setTimeout(r, 100))
    expect(state()).toBe('rollback_completed')
    expect(JSON.parse(docker(['service', 'inspect', service]))[0].Spec.TaskTemplate.ContainerSpec.Image).toBe(
      before,
    )
    expect(runningTasks(service)).toBe(2)
    rmSync(join(migrations, '0003_more.sql'), { force: true })
  }, 300_000)

  it('rollback goes back to the image before what runs; --dry-run plans and changes nothing', async () => {
    const before = JSON.parse(docker(['service', 'inspect', service]))[0].Spec.TaskTemplate.ContainerSpec
      .Image
    writeFileSync(join(migrations, '0004_later.sql'), 'CREATE TABLE later_notes (id int);\n')
    const newer = cli(['cloud', 'deploy', '--profile', 'production', '--yes', '--json'])
    expect(newer.status, newer.stdout + newer.stderr).toBe(0)
    expect(newer.json?.result.image).not.toBe(before)

    // A plan for a changed input (0005): nothing built, pushed or updated.
    writeFileSync(join(migrations, '0005_planned.sql'), 'CREATE TABLE planned (id int);\n')
    const version = JSON.parse(docker(['service', 'inspect', service]))[0].Version.Index
    const tagsBefore = await registryTags()
    const plan = cli(['cloud', 'deploy', '--profile', 'production', '--dry-run', '--json'])
    expect(plan.status, plan.stdout + plan.stderr).toBe(0)
    expect(plan.json?.result.result).toBe('planned')
    const states = Object.fromEntries(
      ((plan.json?.result.steps ?? []) as { step: string; state: string }[]).map((s) => [s.step, s.state]),
    )
    expect(states).toMatchObject({ image: 'planned', push: 'planned', rollout: 'planned', record: 'planned' })
    expect(JSON.parse(docker(['service', 'inspect', service]))[0].Version.Index).toBe(version)
    expect(await registryTags()).toEqual(tagsBefore)
    expect(plan.json?.result.tag).toMatch(/^sha-[0-9a-f]{12}$/)
    expect(docker(['images', '-q', '--filter', `reference=*:${plan.json?.result.tag}`])).toBe('')
    const { rmSync } = await import('node:fs')
    rmSync(join(migrations, '0005_planned.sql'), { force: true })

    const back = cli(['cloud', 'deploy', 'rollback', '--profile', 'production', '--yes', '--json'])
    expect(back.status, back.stdout + back.stderr).toBe(0)
    expect(back.json?.result.image).toBe(before)
    expect(JSON.parse(docker(['service', 'inspect', service]))[0].Spec.TaskTemplate.ContainerSpec.Image).toBe(
      before,
    )
    expect(runningTasks(service)).toBe(2)
    const status = cli(['cloud', 'deploy', 'status', '--profile', 'production', '--json'])
    expect(status.json?.result.running.image).toBe(before)
    expect(status.json?.result.deploys[0].message).toMatch(/^rollback to #\d+$/)
    rmSync(join(migrations, '0004_later.sql'), { force: true })
  }, 600_000)
})

describe('cloud deploy to one Docker host', () => {
  it('deploys through the published port; a failing release restores the old container', async () => {
    const started = Date.now()
    const { rmSync } = await import('node:fs')
    rmSync(join(migrations, '0002_broken.sql'), { force: true })
    const first = cli(['cloud', 'deploy', '--profile', 'single', '--yes', '--json'])
    console.log(`docker target, first deploy: ${Date.now() - started} ms`)
    expect(first.status, first.stdout + first.stderr).toBe(0)
    expect(first.json?.result).toMatchObject({
      result: 'deployed',
      target: 'docker',
      url: `http://127.0.0.1:${singlePort}`,
    })
    const timing = (r: typeof first) =>
      JSON.stringify((r.json?.result?.steps ?? []).map((s: { step: string; ms: number }) => [s.step, s.ms]))
    console.log(`docker target, first deploy steps (ms): ${timing(first)}`)
    expect(await health(singlePort)).toBe(200)
    const container = JSON.parse(docker(['inspect', single]))[0]
    expect(JSON.stringify(container.Config.Env)).not.toContain(pgPassword)
    const id = container.Id

    writeFileSync(join(migrations, '0002_broken.sql'), 'SELECT this is not sql;\n')
    let at = Date.now()
    const bad = cli(['cloud', 'deploy', '--profile', 'single', '--yes', '--json'])
    console.log(`docker target, failed deploy: ${Date.now() - at} ms`)
    at = Date.now()
    expect(bad.json?.error.code).toBe('DEPLOY_ROLLED_BACK')
    expect(bad.json?.error.message).toContain('old container')
    expect(JSON.parse(docker(['inspect', single]))[0].Id).toBe(id)
    let code: number | undefined
    for (let i = 0; i < 100 && code !== 200; i++) {
      code = await health(singlePort)
      if (code !== 200) await new Promise((r) => setTimeout(r, 200))
    }
    expect(code).toBe(200)
    console.log(`docker target, old container healthy again after ${Date.now() - at} ms`)
    rmSync(join(migrations, '0002_broken.sql'), { force: true })
  }, 600_000)
})
