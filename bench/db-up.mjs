#!/usr/bin/env node
// Benchmark of `systemprompt db up` (whole CLI process wall time) against the baselines of issue 3:
//
//   cold     db up with no container and no volume         goal: <= 1.3x (a)
//   (a)      bare `docker run -d` + tight login poll (50 ms) on a fresh volume
//   (b)      `docker-compose -f shared.yaml up -d` + wait for the healthcheck to say healthy
//                                                           goal: cold faster than (b)
//   warm     db up on a stopped container                  goal: < 0.8 s
//   running  db up on a running server (nothing to do)     goal: < 0.5 s
//
//   node bench/db-up.mjs [--runs N] [--check]
//
// Medians of N runs (default 5), cases interleaved per round so machine noise hits each alike. Uses the
// image in SYSTEMPROMPT_POSTGRES_IMAGE (default: the test bed's), its own suffixed names, a free port and
// the labels systemprompt.test=1 + systemprompt.test-run; everything it made is removed at the end.
// Needs the engine (tooling/testbed/up.sh) and a built CLI (pnpm --filter systemprompt build).
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const bin = join(here, '..', 'apps', 'cli', 'bin', 'run.cjs')
const pg = createRequire(join(here, '..', 'packages', 'compose', 'package.json'))('pg')
const DOCKER = '/usr/bin/docker'
const COMPOSE = '/usr/bin/docker-compose'

const args = process.argv.slice(2)
const runsAt = args.indexOf('--runs')
const runs = runsAt === -1 ? 5 : Number(args[runsAt + 1])
const check = args.includes('--check')
if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs needs a positive whole number')
  process.exit(2)
}

const image = process.env.SYSTEMPROMPT_POSTGRES_IMAGE || 'systemprompt-testbed/postgres:15'
const id = randomBytes(4).toString('hex')
const run = `bench-${id}`
const project = mkdtempSync(join(tmpdir(), 'systemprompt-bench-db-'))
mkdirSync(join(project, '.systemprompt'))
const cliEnv = {
  ...process.env,
  NO_COLOR: '1',
  SYSTEMPROMPT_POSTGRES_IMAGE: image,
  SYSTEMPROMPT_INSTANCE: id,
  SYSTEMPROMPT_LABELS: `systemprompt.test=1,systemprompt.test-run=${run}`,
  // The shared server's password file is per user; keep the bench's inside its temp project.
  SYSTEMPROMPT_DATA_DIR: join(project, 'user-data'),
}
const container = `systemprompt-postgres-shared-${id}`
const volume = `systemprompt-postgres-shared-${id}-data`
const bare = `sp-bench-bare-${id}`
const bareVolume = `sp-bench-bare-${id}-data`

function ms(start) {
  return Number(process.hrtime.bigint() - start) / 1e6
}

function cli(argv) {
  const start = process.hrtime.bigint()
  const result = spawnSync(process.execPath, [bin, ...argv], { cwd: project, env: cliEnv, encoding: 'utf8' })
  const took = ms(start)
  if (result.status !== 0) throw new Error(`systemprompt ${argv.join(' ')} failed:\n${result.stderr}`)
  return took
}

function docker(...argv) {
  return execFileSync(DOCKER, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
}

function quiet(fn) {
  try {
    fn()
  } catch {
    // already gone
  }
}

function removeServer(name, vol) {
  quiet(() => docker('rm', '-f', name))
  quiet(() => docker('volume', 'rm', '-f', vol))
}

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function loginOnce(port, user, password) {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user,
    password,
    database: 'postgres',
    connectionTimeoutMillis: 1000,
  })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

async function pollLogin(port, user, password) {
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (await loginOnce(port, user, password)) return
    await sleep(50)
  }
  throw new Error(`no login on ${port} within 120 s`)
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

async function main() {
  const port = await freePort()
  const barePort = await freePort()
  const times = { cold: [], bare: [], compose: [], warm: [], running: [] }

  // One untimed round first: creates the project files (config, password, shared.yaml) and warms caches.
  cli(['db', 'up', '--port', String(port)])
  const composeFile = join(project, '.systemprompt', 'docker', 'shared.yaml')
  const sharedConfig = join(project, '.systemprompt', 'docker', 'shared_config.json')
  const password = JSON.parse(readFileSync(sharedConfig, 'utf8')).admin_password
  removeServer(container, volume)

  for (let round = 1; round <= runs; round++) {
    // cold: no container, no volume
    removeServer(container, volume)
    times.cold.push(cli(['db', 'up']))

    // warm: the container exists, stopped
    cli(['db', 'down'])
    times.warm.push(cli(['db', 'up']))

    // running: nothing to do
    times.running.push(cli(['db', 'up']))
    removeServer(container, volume)

    // (a) bare docker run + tight login poll, fresh volume
    removeServer(bare, bareVolume)
    let start = process.hrtime.bigint()
    docker(
      'run',
      '-d',
      '--name',
      bare,
      '--label',
      'systemprompt.test=1',
      '--label',
      `systemprompt.test-run=${run}`,
      '-e',
      'POSTGRES_USER=systemprompt_admin',
      '-e',
      'POSTGRES_DB=postgres',
      '-e',
      `POSTGRES_PASSWORD=${password}`,
      '-v',
      `${bareVolume}:/var/lib/postgresql/data`,
      '-p',
      `127.0.0.1:${barePort}:5432`,
      image,
    )
    await pollLogin(barePort, 'systemprompt_admin', password)
    times.bare.push(ms(start))
    removeServer(bare, bareVolume)

    // (b) docker-compose up -d + healthcheck, on the file the CLI generated
    start = process.hrtime.bigint()
    // Own project name: other projects' servers on this machine share the derived name ("docker") and
    // service "postgres", and compose would try to take them over.
    execFileSync(COMPOSE, ['-p', `spbench${id}`, '-f', composeFile, 'up', '-d'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    for (;;) {
      const health = docker('inspect', '-f', '{{.State.Health.Status}}', container)
      if (health === 'healthy') break
      if (ms(start) > 120_000) throw new Error('compose server never became healthy')
      await sleep(50)
    }
    times.compose.push(ms(start))
    removeServer(container, volume)
    process.stderr.write(`round ${round}/${runs} done\n`)
  }

  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]))
  const rows = [
    ['cold db up', m.cold, `${(m.cold / m.bare).toFixed(2)}x bare (goal <= 1.30x)`, m.cold <= 1.3 * m.bare],
    ['(a) docker run + login poll', m.bare, '', true],
    [
      '(b) docker-compose up -d + healthy',
      m.compose,
      `cold is ${(m.compose / m.cold).toFixed(1)}x faster (goal > 1x)`,
      m.cold < m.compose,
    ],
    ['warm db up (stopped container)', m.warm, 'goal < 800 ms', m.warm < 800],
    ['db up on a running server', m.running, 'goal < 500 ms', m.running < 500],
  ]
  console.log(`db up benchmark: ${runs} runs, image ${image}, medians of whole-process wall time`)
  for (const [name, value, note, ok] of rows) {
    console.log(
      `  ${name.padEnd(36)} ${value.toFixed(0).padStart(6)} ms  ${note}${note ? (ok ? '  ok' : '  MISSED') : ''}`,
    )
  }
  console.log(
    `  raw (ms): ${JSON.stringify(Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.map(Math.round)])))}`,
  )
  return rows.every((row) => row[3])
}

let ok = false
try {
  ok = await main()
} finally {
  removeServer(container, volume)
  removeServer(bare, bareVolume)
  for (const c of docker('ps', '-aq', '--filter', `label=systemprompt.test-run=${run}`)
    .split('\n')
    .filter(Boolean)) {
    quiet(() => docker('rm', '-f', c))
  }
  for (const v of docker('volume', 'ls', '-q', '--filter', `label=systemprompt.test-run=${run}`)
    .split('\n')
    .filter(Boolean)) {
    quiet(() => docker('volume', 'rm', '-f', v))
  }
  rmSync(project, { recursive: true, force: true })
}
if (check && !ok) process.exit(1)
