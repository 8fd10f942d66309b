// `build release` as a user runs it, and the binary it makes: built once (beforeAll) in a temp project from this
// CLI's dist/bundle/systemprompt.cjs, then compared with the installed CLI (bin/run.cjs), searched for the project's
// secrets, and run in the debian:bookworm-slim stand-in (no node) against a test-bed PostgreSQL on a network the
// test makes: --version, --help, `infra services serve` answering its health check, an MCP artifact under
// `infra services run-mcp`. Last: unchanged inputs keep it, --force rebuilds, no `strip` is a warning.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { get } from 'node:http'
import { dirname, join } from 'node:path'
import {
  CLI_ROOT,
  DOCKER,
  docker,
  type Envelope,
  freePort,
  newRunId,
  removeRun,
  runCli,
  startTestPostgres,
  type TestPostgres,
  tempDir,
  testLabels,
} from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const STAND_IN = 'debian:bookworm-slim'
const BUNDLE = join(CLI_ROOT, 'dist', 'bundle', 'systemprompt.cjs')
const run = newRunId()
const labels = Object.entries(testLabels(run)).flatMap(([key, value]) => ['--label', `${key}=${value}`])
const project = tempDir('sp-release-')
const cwd = project.path
const binary = join(cwd, 'target', 'release', 'systemprompt')
const dbPassword = `pw-${randomBytes(12).toString('hex')}`
let secrets: Record<string, unknown>
let first: Envelope | undefined
const cliVersion = JSON.parse(readFileSync(join(CLI_ROOT, 'package.json'), 'utf8')).version

function runBinary(args: string[], env: Record<string, string> = {}) {
  return spawnSync(binary, args, {
    cwd,
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', HOME: cwd, NO_COLOR: '1', ...env },
  })
}

/** The docker client with stdout and stderr apart (testkit's `docker()` throws on a non-zero exit). */
function dockerRun(args: string[]) {
  return spawnSync(DOCKER, args, { encoding: 'utf8', timeout: 120_000 })
}

function httpGet(port: number, path: string): Promise<{ status: number; text: string } | undefined> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path, timeout: 3000 }, (response) => {
      let text = ''
      response.on('data', (chunk) => {
        text += chunk
      })
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }))
    })
    request.on('timeout', () => request.destroy())
    request.on('error', () => resolve(undefined))
  })
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, logsOf?: string): Promise<T> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline)
      throw new Error(
        `${what}: no answer within 60 s${logsOf ? `\n${dockerRun(['logs', logsOf]).stderr}` : ''}`,
      )
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

beforeAll(() => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: build the CLI first (pnpm build)`)
  expect(runCli(['init', '--json'], { cwd }).status).toBe(0)
  const profile = runCli(
    [
      'cloud',
      'profile',
      'create',
      'local',
      '--database-url',
      `postgres://app:${dbPassword}@db.example.com:5432/app`,
      '--json',
    ],
    { cwd },
  )
  expect(profile.status, profile.stdout).toBe(0)
  secrets = JSON.parse(readFileSync(join(cwd, '.systemprompt', 'profiles', 'local', 'secrets.json'), 'utf8'))
  // A compose file publishing PostgreSQL on every interface: `config validate` reads it with yaml and checks it
  // against the Compose schema (both loaded through createRequire in our packages).
  writeFileSync(
    join(cwd, '.systemprompt', 'docker', 'shared.yaml'),
    `services:
  postgres:
    image: "postgres:17-alpine"
    container_name: "systemprompt-postgres-shared"
    ports:
      - "0.0.0.0:5432:5432"
`,
  )
  const built = runCli(['build', 'release', '--json'], { cwd, timeoutMs: 180_000 })
  expect(built.status, built.stdout + built.stderr).toBe(0)
  first = built.json
}, 240_000)

afterAll(() => {
  removeRun(run)
  project.remove()
})

describe('build release', () => {
  it('writes target/release/systemprompt (0755) with a stamp next to it, from the installed bundle', () => {
    expect(first).toMatchObject({
      status: 0,
      result: { binary, built: true, reason: 'no binary yet', stripped: true, node: process.version },
      warnings: [],
    })
    expect(statSync(binary).mode & 0o777).toBe(0o755)
    expect(first?.result.bytes).toBe(statSync(binary).size)
    expect(existsSync(join(dirname(binary), '.systemprompt.stamp.json'))).toBe(true)
  })

  it('prints exactly what the installed CLI prints for --version and --help, and nothing on stderr', () => {
    const version = runBinary(['--version'])
    expect(version).toMatchObject({ status: 0, stderr: '' })
    expect(version.stdout).toBe(runCli(['--version'], { cwd }).stdout)
    const help = runBinary(['--help'])
    expect(help).toMatchObject({ status: 0, stderr: '' })
    // The dev CLI also has the plugins topic and command (its column widths follow the longest name)
    const words = (text: string) =>
      text
        .split('\n')
        .filter((line) => !/^\s+plugins\s/.test(line))
        .map((line) => line.trim().split(/\s+/).join(' '))
    expect(words(help.stdout)).toEqual(words(runCli(['--help'], { cwd }).stdout))
  })

  it('has the installed CLI’s commands, but the plugins commands (a single executable cannot install plugins)', () => {
    const ids = (envelope: Envelope | undefined) =>
      ((envelope?.result ?? []) as { id: string }[]).map((c) => c.id)
    const dev = ids(runCli(['commands', '--json'], { cwd }).json)
    const listed = runBinary(['commands', '--json'])
    expect(listed.stderr).toBe('')
    const bundled = ids(JSON.parse(listed.stdout))
    expect(bundled).toContain('help')
    expect(bundled).toContain('autocomplete')
    expect(bundled).toContain('build:release')
    expect(bundled).toContain('infra:services:serve')
    expect(
      dev.filter((id) => !bundled.includes(id)).every((id) => id === 'plugins' || id.startsWith('plugins:')),
    ).toBe(true)
    expect(dev.filter((id) => id.startsWith('plugins')).length).toBeGreaterThan(0)
    expect(bundled.filter((id) => !dev.includes(id))).toEqual([])
  })

  it('reads project files as the installed CLI does (yaml and the Compose schema, loaded through createRequire)', () => {
    const dev = runCli(['config', 'validate', '--json'], { cwd })
    const bundled = runBinary(['config', 'validate', '--json'])
    expect(dev.status).toBe(3)
    expect(dev.json?.error.issues.some((i: { code: string }) => i.code.startsWith('COMPOSE_'))).toBe(true)
    expect(bundled.status).toBe(3)
    expect(JSON.parse(bundled.stdout)).toEqual(dev.json)
  })

  it('embeds no secret of the project (the bundle holds only code)', () => {
    const bytes = readFileSync(binary)
    const values = [
      dbPassword,
      ...Object.values(secrets).filter((v): v is string => typeof v === 'string' && v.length >= 16),
    ]
    expect(values.length).toBeGreaterThan(1)
    for (const value of values) {
      expect(bytes.includes(Buffer.from(value)), 'a secret in the binary').toBe(false)
      expect(readFileSync(BUNDLE).includes(Buffer.from(value)), 'a secret in the bundle').toBe(false)
    }
  })

  it('refuses to run inside the binary itself: RELEASE_UNSUPPORTED with the fix', () => {
    const inside = runBinary(['build', 'release', '--json'])
    expect(inside.status).toBe(3)
    expect(JSON.parse(inside.stdout).error).toMatchObject({
      code: 'RELEASE_UNSUPPORTED',
      message:
        'build release cannot run inside the release binary: a single executable cannot make another one',
      fix: expect.stringContaining('CLI installed with Node'),
    })
    // build mcp needs esbuild from node_modules: refused up front, not a misleading "Cannot find module".
    const mcp = runBinary(['build', 'mcp', '--json'])
    expect(mcp.status).toBe(3)
    expect(JSON.parse(mcp.stdout).error).toMatchObject({
      code: 'RELEASE_UNSUPPORTED',
      fix: expect.stringContaining('CLI installed with Node'),
    })
  })
})

describe('the binary in debian:bookworm-slim (no node)', () => {
  const network = `sp-test-release-${run}`
  const pg = `sp-test-release-pg-${run}`
  const mount = ['-v', `${binary}:/app/bin/systemprompt:ro`]

  let database: TestPostgres

  beforeAll(async () => {
    docker(['network', 'create', ...labels, network])
    database = await startTestPostgres(run, { name: pg, user: 'app', database: 'app', network })
  })

  it('answers --version and --help with empty stderr, and the image has no node', () => {
    const result = dockerRun([
      'run',
      '--rm',
      ...labels,
      ...mount,
      STAND_IN,
      '/bin/sh',
      '-c',
      'for n in $(echo "$PATH" | tr : " ") /usr/local/bin /usr/bin; do [ -e "$n/node" ] && { echo "node in $n"; exit 9; }; done; ' +
        'command -v node && exit 9; /app/bin/systemprompt --version && /app/bin/systemprompt --help',
    ])
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(result.stdout).toContain(`systemprompt/${cliVersion} linux-x64 node-${process.version}\n`)
    expect(result.stdout).toContain('USAGE\n  $ systemprompt [COMMAND]')
  })

  it('serves /api/v1/health 200 against PostgreSQL on the network, and exits 0 on docker stop', async () => {
    const port = await freePort()
    const web = join(cwd, 'web')
    mkdirSync(web, { recursive: true })
    writeFileSync(join(web, 'index.html'), '<h1>release</h1>\n')
    const app = `sp-test-release-app-${run}`
    docker([
      'run',
      '-d',
      '--name',
      app,
      ...labels,
      '--network',
      network,
      '-p',
      `127.0.0.1:${port}:8080`,
      ...mount,
      '-v',
      `${web}:/app/web:ro`,
      '-e',
      `DATABASE_URL=postgres://app:${database.password}@${pg}:5432/app`,
      '-e',
      'PORT=8080',
      '-e',
      'RUST_LOG=info',
      STAND_IN,
      '/app/bin/systemprompt',
      'infra',
      'services',
      'serve',
      '--foreground',
    ])
    const health = await until(
      'the health check',
      async () => {
        const answer = await httpGet(port, '/api/v1/health')
        return answer?.status === 200 && JSON.parse(answer.text).checks.database.status === 'ok'
          ? answer
          : undefined
      },
      app,
    )
    expect(JSON.parse(health.text)).toMatchObject({
      status: 'healthy',
      checks: { database: { status: 'ok' }, static_content: { status: 'ok', index_html: true } },
    })
    expect(await httpGet(port, '/')).toMatchObject({ status: 200, text: '<h1>release</h1>\n' })
    docker(['stop', '-t', '10', app])
    expect(docker(['inspect', '-f', '{{.State.ExitCode}}', app])).toBe('0')
  })

  it('runs an MCP artifact of `build mcp` under `infra services run-mcp`', async () => {
    const server = join(cwd, 'services', 'mcp', 'echo')
    mkdirSync(server, { recursive: true })
    writeFileSync(join(server, 'package.json'), JSON.stringify({ name: 'echo', main: 'server.js' }))
    writeFileSync(
      join(server, 'server.js'),
      `const http = require('node:http')
http.createServer((q, r) => r.end(process.env.MCP_SERVER_NAME + ' says hi')).listen(Number(process.env.PORT), '0.0.0.0')
process.on('SIGTERM', () => process.exit(0))
`,
    )
    const built = runCli(['build', 'mcp', '--json'], { cwd })
    expect(built.status, built.stdout).toBe(0)
    const port = await freePort()
    const mcp = `sp-test-release-mcp-${run}`
    docker([
      'run',
      '-d',
      '--name',
      mcp,
      ...labels,
      '-p',
      `127.0.0.1:${port}:9000`,
      ...mount,
      '-v',
      `${join(cwd, 'target', 'release', 'mcp')}:/app/mcp:ro`,
      '-e',
      'PORT=9000',
      '-e',
      'MCP_SERVER_NAME=echo',
      STAND_IN,
      '/app/bin/systemprompt',
      'infra',
      'services',
      'run-mcp',
      '/app/mcp/echo/server.cjs',
    ])
    const answer = await until('the MCP server', () => httpGet(port, '/'), mcp)
    expect(answer).toEqual({ status: 200, text: 'echo says hi' })
  })
})

describe('build release again', () => {
  it('keeps the binary when nothing changed (< 0.5 s), --force rebuilds; without strip: a warning, unstripped', () => {
    const before = statSync(binary).mtimeMs
    const again = runCli(['build', 'release', '--json'], { cwd })
    expect(again.json).toMatchObject({ status: 0, result: { built: false, reason: 'inputs unchanged' } })
    expect(again.json?.result.ms).toBeLessThan(500)
    expect(statSync(binary).mtimeMs).toBe(before)
    expect(runCli(['build', 'release'], { cwd }).stdout).toBe(
      'target/release/systemprompt is up to date (' +
        `${(statSync(binary).size / 1024 / 1024).toFixed(1)} MB): its inputs did not change. --force rebuilds it.\n`,
    )

    const empty = tempDir('sp-no-strip-')
    try {
      const forced = runCli(['build', 'release', '--force', '--json'], {
        cwd,
        env: { PATH: empty.path },
        timeoutMs: 180_000,
      })
      expect(forced.json).toMatchObject({
        status: 0,
        result: { built: true, reason: '--force', stripped: false },
        warnings: [expect.stringContaining('strip is not installed')],
      })
      expect(statSync(binary).size).toBeGreaterThan(first?.result.bytes)
      expect(runBinary(['--version'])).toMatchObject({ status: 0, stderr: '' })
    } finally {
      empty.remove()
    }
  }, 240_000)
})
