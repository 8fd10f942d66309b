#!/usr/bin/env node
// Benchmark of `systemprompt db up` (whole CLI process wall time), goals of issue 12, floors measured in the
// same rounds:
//
//   cold     db up with no container and no volume          <= 1.05x (a)
//   (a)      bare `docker run -d` + in-process login poll (10 ms) on a fresh volume
//   (b)      `docker-compose -f shared.yaml up -d` + the healthcheck says healthy   (information)
//   warm     db up on a stopped container                   <= 1.15x (c)
//   (c)      `docker start` of that same container + the startup message in its log (followed, not polled)
//   running  db up on a running server (nothing to do)      <= 250 ms
//   status   db status on that running server               (information: reads shared.yaml back)
//   (d)      systemprompt db up --help: this CLI's process start, no work          (information)
//   (e)      docker inspect of that container: the docker CLI's start + one call  (information)
//   warm-(d)+(e), cold-(d)+(e): the warm and cold runs with (c)'s and (a)'s process start in place of the CLI's,
//            against the same floors (information: what `db up` itself adds to the engine's work)
//
//   node bench/db-up.mjs [--runs N] [--check] [--json-out FILE]
//
// Medians of N rounds (default 5), cases interleaved per round. Uses the image in SYSTEMPROMPT_POSTGRES_IMAGE
// (default: the test bed's), its own suffixed names, a free port and the labels systemprompt.test=1 +
// systemprompt.test-run; everything it made is removed at the end. Needs the engine (tooling/testbed/up.sh)
// and a built CLI (pnpm build).
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  benchArgs,
  CLI_BIN,
  docker,
  elapsed,
  freePort,
  median,
  REPO,
  removeLabelled,
  report,
} from './lib.mjs'

const pg = createRequire(join(REPO, 'packages', 'compose', 'package.json'))('pg')
const COMPOSE = '/usr/bin/docker-compose'
const options = benchArgs(5)
const runs = options.runs

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

const ms = elapsed

function cli(argv) {
  const start = process.hrtime.bigint()
  const result = spawnSync(process.execPath, [CLI_BIN, ...argv], {
    cwd: project,
    env: cliEnv,
    encoding: 'utf8',
  })
  const took = ms(start)
  if (result.status !== 0) throw new Error(`systemprompt ${argv.join(' ')} failed:\n${result.stderr}`)
  return took
}

/**
 * Follows the container's log (engine API, from `since`) until PostgreSQL says it accepts connections: the
 * moment a client could log in, seen without polling.
 */
function startupMessage(name, since) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: '/var/run/docker.sock',
        path: `/containers/${name}/logs?stdout=1&stderr=1&follow=1&since=${since}`,
      },
      (res) => {
        let seen = ''
        res.on('data', (chunk) => {
          seen = (seen + chunk.toString('latin1')).slice(-4096)
          if (seen.includes('database system is ready to accept connections')) {
            resolve()
            req.destroy()
          }
        })
        res.on('end', () => reject(new Error(`${name}: log ended before the startup message`)))
      },
    )
    req.on('error', (error) => {
      if (!req.destroyed) reject(error)
    })
    req.end()
  })
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
    await sleep(10)
  }
  throw new Error(`no login on ${port} within 120 s`)
}

async function main() {
  const port = await freePort()
  const barePort = await freePort()
  const times = {
    cold: [],
    bare: [],
    compose: [],
    warm: [],
    start: [],
    running: [],
    status: [],
    cliStart: [],
    dockerStart: [],
  }

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

    // (c) the same stopped container: docker start + the startup message
    cli(['db', 'down'])
    const since = Math.floor(Date.now() / 1000)
    let begin = process.hrtime.bigint()
    docker('start', container)
    await startupMessage(container, since)
    times.start.push(ms(begin))
    docker('stop', container)

    // warm: the container exists, stopped
    times.warm.push(cli(['db', 'up']))

    // running: nothing to do
    times.running.push(cli(['db', 'up']))
    // status reads shared.yaml back (the Compose schema's validator) and inspects the container
    times.status.push(cli(['db', 'status']))
    // the two process starts: this CLI parsing `db up` and printing its help, the docker CLI's one call
    times.cliStart.push(cli(['db', 'up', '--help']))
    begin = process.hrtime.bigint()
    docker('inspect', '--format', '{{.Id}}', container)
    times.dockerStart.push(ms(begin))
    removeServer(container, volume)

    // (a) bare docker run + tight login poll, fresh volume
    removeServer(bare, bareVolume)
    begin = process.hrtime.bigint()
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
    times.bare.push(ms(begin))
    removeServer(bare, bareVolume)

    // (b) docker-compose up -d + healthcheck, on the file the CLI generated
    begin = process.hrtime.bigint()
    // Own project name: other projects' servers on this machine share the derived name ("docker") and
    // service "postgres", and compose would try to take them over.
    execFileSync(COMPOSE, ['-p', `spbench${id}`, '-f', composeFile, 'up', '-d'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    for (;;) {
      const health = docker('inspect', '-f', '{{.State.Health.Status}}', container)
      if (health === 'healthy') break
      if (ms(begin) > 120_000) throw new Error('compose server never became healthy')
      await sleep(50)
    }
    times.compose.push(ms(begin))
    removeServer(container, volume)
    process.stderr.write(`round ${round}/${runs} done\n`)
  }

  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]))
  const bareFloor = { name: '(a)', ms: m.bare }
  const startFloor = { name: '(c)', ms: m.start }
  const rows = [
    { name: 'cold db up (no container, no volume)', ms: m.cold, ratioTo: bareFloor, goal: 1.05 },
    { name: '(a) docker run -d + login poll', ms: m.bare },
    { name: '(b) docker-compose up -d + healthy', ms: m.compose, ratioTo: { name: 'cold', ms: m.cold } },
    { name: 'warm db up (stopped container)', ms: m.warm, ratioTo: startFloor, goal: 1.15 },
    { name: '(c) docker start + startup message', ms: m.start },
    { name: 'db up on a running server', ms: m.running, goalMs: 250 },
    { name: 'db status on a running server', ms: m.status },
    { name: '(d) systemprompt db up --help', ms: m.cliStart },
    { name: '(e) docker inspect (docker CLI start)', ms: m.dockerStart },
    { name: 'warm db up - (d) + (e)', ms: m.warm - m.cliStart + m.dockerStart, ratioTo: startFloor },
    { name: 'cold db up - (d) + (e)', ms: m.cold - m.cliStart + m.dockerStart, ratioTo: bareFloor },
  ]
  report(`db up: ${runs} rounds, image ${image}, medians of whole-process wall time`, rows, options)
  console.log(
    `raw (ms): ${JSON.stringify(Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.map(Math.round)])))}`,
  )
}

try {
  await main()
} finally {
  removeServer(container, volume)
  removeServer(bare, bareVolume)
  await removeLabelled(run)
  rmSync(project, { recursive: true, force: true })
}
