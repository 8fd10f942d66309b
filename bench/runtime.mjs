#!/usr/bin/env node
// Benchmark of the runtime that runs inside the image (issue 9).
//
// 1. `infra db migrate` with nothing pending, as a ratio to `node -e ''` (interleaved runs, medians, same
//    run): the dev CLI (`node apps/cli/bin/run.cjs`) and, when built, the release binary. Goal: the release
//    binary ≤ 2.5x.
// 2. `infra services serve`: process start → first `/api/v1/health` 200 (median of --starts runs).
// 3. `/api/v1/health` throughput with autocannon on 127.0.0.1 (bounded runs, interleaved), against a bare
//    `node:http` server returning a fixed JSON body in the same run. Goal: ≥ 0.7x its requests/s, p99 < 20 ms.
//
//   node bench/runtime.mjs [--runs N] [--starts N] [--seconds S] [--binary PATH] [--check]
//
// Needs the test bed's PostgreSQL image (bash tooling/testbed/up.sh) and a built CLI; without --binary the
// bench makes its own release binary (`init` + `build release` in its temp project). --check exits 1 when a
// goal is missed.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const bin = join(root, 'apps', 'cli', 'bin', 'run.cjs')
const require = createRequire(join(root, 'package.json'))
const autocannon = require('autocannon')
const DOCKER = '/usr/bin/docker'

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const at = args.indexOf(name)
  return at === -1 ? fallback : args[at + 1]
}
const runs = Number(option('--runs', 15))
const starts = Number(option('--starts', 5))
const seconds = Number(option('--seconds', 5))
const check = args.includes('--check')
for (const [name, value] of [
  ['--runs', runs],
  ['--starts', starts],
  ['--seconds', seconds],
])
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} needs a positive whole number`)
    process.exit(2)
  }

const image = process.env.SYSTEMPROMPT_POSTGRES_IMAGE || 'systemprompt-testbed/postgres:15'
const id = randomBytes(4).toString('hex')
const container = `sp-bench-runtime-${id}`
const work = mkdtempSync(join(tmpdir(), 'systemprompt-bench-runtime-'))
const password = randomBytes(16).toString('hex')

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const docker = (...argv) =>
  execFileSync(DOCKER, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

function timed(command, argv, env) {
  const start = process.hrtime.bigint()
  const result = spawnSync(command, argv, { cwd: work, env, encoding: 'utf8' })
  const took = ms(start)
  if (result.status !== 0)
    throw new Error(`${command} ${argv.join(' ')} exited ${result.status}:\n${result.stderr}${result.stdout}`)
  return took
}

async function waitHealthy(url, deadlineMs) {
  const deadline = Date.now() + deadlineMs
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url)
      await response.arrayBuffer()
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    await sleep(5)
  }
  throw new Error(`${url} not healthy within ${deadlineMs} ms`)
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', resolve)
    child.kill('SIGTERM')
  })
}

function cannon(url) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: 10, pipelining: 1, duration: seconds }, (error, result) =>
      error ? reject(error) : resolve(result),
    )
  })
}

async function main() {
  const pgPort = await freePort()
  docker(
    'run',
    '-d',
    '--name',
    container,
    '--label',
    'systemprompt.test=1',
    '--label',
    `systemprompt.test-run=bench-${id}`,
    '-e',
    'POSTGRES_USER=app',
    '-e',
    `POSTGRES_PASSWORD=${password}`,
    '-e',
    'POSTGRES_DB=app',
    '-p',
    `127.0.0.1:${pgPort}:5432`,
    image,
  )
  const databaseUrl = `postgres://app:${password}@127.0.0.1:${pgPort}/app`
  const services = join(work, 'services')
  mkdirSync(join(services, 'database', 'migrations'), { recursive: true })
  mkdirSync(join(work, 'web'))
  writeFileSync(join(work, 'web', 'index.html'), '<p>bench</p>\n')
  for (let n = 1; n <= 5; n++)
    writeFileSync(
      join(services, 'database', 'migrations', `000${n}_t${n}.sql`),
      `CREATE TABLE t${n} (id bigint PRIMARY KEY, note text);\n`,
    )
  const env = {
    ...process.env,
    NO_COLOR: '1',
    DATABASE_URL: databaseUrl,
    SYSTEMPROMPT_SERVICES_PATH: services,
    SYSTEMPROMPT_WEB_PATH: join(work, 'web'),
    RUST_LOG: 'warn',
    SYSTEMPROMPT_DATA_DIR: join(work, 'user-data'),
  }
  delete env.DEBUG
  delete env.SYSTEMPROMPT_DEBUG

  // The first migrate waits for the fresh server and applies the five files.
  timed(process.execPath, [bin, 'infra', 'db', 'migrate', '--wait', '120'], env)

  // The release binary (what the image runs): --binary, else one built here in the bench's own project.
  let binary = option('--binary', undefined)
  if (binary === undefined) {
    timed(process.execPath, [bin, 'init', '--json'], env)
    timed(process.execPath, [bin, 'build', 'release'], env)
    binary = join(work, 'target', 'release', 'systemprompt')
  }
  const cases = [
    { name: "node -e ''", command: process.execPath, argv: ['-e', ''] },
    {
      name: 'infra db migrate (dev CLI, nothing pending)',
      command: process.execPath,
      argv: [bin, 'infra', 'db', 'migrate'],
    },
  ]
  if (existsSync(binary))
    cases.push({
      name: 'infra db migrate (release binary, nothing pending)',
      command: binary,
      argv: ['infra', 'db', 'migrate'],
      goal: 2.5,
    })
  else console.log(`(no release binary at ${binary})`)
  const samples = new Map(cases.map((c) => [c.name, []]))
  for (let round = 0; round < runs + 2; round++)
    for (const c of cases) {
      const took = timed(c.command, c.argv, env)
      if (round >= 2) samples.get(c.name).push(took)
    }
  const base = median(samples.get(cases[0].name))
  const rows = []
  let failed = false
  for (const c of cases) {
    const m = median(samples.get(c.name))
    const ratio = m / base
    const verdict =
      c.goal === undefined ? '' : ratio <= c.goal ? `ok (goal ≤ ${c.goal}x)` : `MISSED (goal ≤ ${c.goal}x)`
    if (c.goal !== undefined && ratio > c.goal) failed = true
    rows.push([c.name, `${m.toFixed(1)} ms`, `${ratio.toFixed(2)}x`, verdict])
  }

  // Serve: start → first 200, with the release binary when there is one (what the image runs).
  const serveCommand = existsSync(binary) ? [binary, []] : [process.execPath, [bin]]
  const startTimes = []
  for (let i = 0; i < starts; i++) {
    const port = await freePort()
    const start = process.hrtime.bigint()
    const child = spawn(serveCommand[0], [...serveCommand[1], 'infra', 'services', 'serve'], {
      cwd: work,
      env: { ...env, HOST: '127.0.0.1', PORT: String(port) },
      stdio: 'ignore',
    })
    await waitHealthy(`http://127.0.0.1:${port}/api/v1/health`, 30_000)
    startTimes.push(ms(start))
    await stop(child)
  }
  rows.push([
    `serve start → first health 200 (${existsSync(binary) ? 'release binary' : 'dev CLI'})`,
    `${median(startTimes).toFixed(0)} ms`,
    '',
    '',
  ])

  // Throughput: ours vs a bare node:http server with a fixed JSON body, interleaved, same run.
  const body = JSON.stringify({ status: 'healthy', checks: { database: { status: 'ok' } } })
  const bare = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
  const barePort = await freePort()
  await new Promise((resolve) => bare.listen(barePort, '127.0.0.1', resolve))
  const port = await freePort()
  const server = spawn(serveCommand[0], [...serveCommand[1], 'infra', 'services', 'serve'], {
    cwd: work,
    env: { ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: 'ignore',
  })
  try {
    const url = `http://127.0.0.1:${port}/api/v1/health`
    await waitHealthy(url, 30_000)
    const ours = []
    const theirs = []
    const p99 = []
    for (let round = 0; round < 3; round++) {
      const a = await cannon(url)
      if (a.non2xx > 0 || a.errors > 0)
        throw new Error(`health answered ${a.non2xx} non-2xx, ${a.errors} errors`)
      ours.push(a.requests.average)
      p99.push(a.latency.p99)
      theirs.push((await cannon(`http://127.0.0.1:${barePort}/`)).requests.average)
    }
    const ratio = median(ours) / median(theirs)
    const latency = median(p99)
    const ok = ratio >= 0.7 && latency < 20
    if (!ok) failed = true
    rows.push(['bare node:http fixed JSON', `${median(theirs).toFixed(0)} req/s`, '1.00x', ''])
    rows.push([
      '/api/v1/health (autocannon, 10 connections)',
      `${median(ours).toFixed(0)} req/s, p99 ${latency} ms`,
      `${ratio.toFixed(2)}x`,
      ok ? 'ok (goal ≥ 0.7x, p99 < 20 ms)' : 'MISSED (goal ≥ 0.7x, p99 < 20 ms)',
    ])
  } finally {
    await stop(server)
    await new Promise((resolve) => bare.close(resolve))
  }

  const width = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)))
  console.log(`runtime bench: ${runs} interleaved runs (medians), node ${process.version}`)
  for (const r of rows)
    console.log(`  ${r[0].padEnd(width[0])}  ${r[1].padStart(width[1])}  ${r[2].padStart(width[2])}  ${r[3]}`)
  if (check && failed) process.exitCode = 1
}

try {
  await main()
} finally {
  try {
    docker('rm', '-f', '-v', container)
  } catch {
    // already gone
  }
  rmSync(work, { recursive: true, force: true })
}
