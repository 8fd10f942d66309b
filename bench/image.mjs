#!/usr/bin/env node
// Benchmark of the application image (issue 10): `docker build local` with unchanged inputs (whole process;
// goal < 1.5 s), the production image's size against its base image plus the release binary (goal <= 1.15x)
// with its layers, and `docker run --detach` to health 200 with nothing to migrate against a bare
// `docker run -d` of the same image plus a poll of the health URL, interleaved, medians, same run.
//
//   node bench/image.mjs [--runs N]
//
// Needs a built CLI and the test bed (tooling/testbed/up.sh: debian:bookworm-slim and the PostgreSQL image).
// Makes a temp project with a tenant on its own shared server; removes every container, image and
// volume it made.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const bin = join(here, '..', 'apps', 'cli', 'bin', 'run.cjs')
const args = process.argv.slice(2)
const at = args.indexOf('--runs')
const runs = at === -1 ? 7 : Number(args[at + 1])
if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs needs a positive whole number')
  process.exit(2)
}

const run = randomBytes(4).toString('hex')
const project = mkdtempSync(join(tmpdir(), 'systemprompt-bench-image-'))
const labels = `systemprompt.test=1,systemprompt.test-run=${run}`
const env = {
  ...process.env,
  NO_COLOR: '1',
  SYSTEMPROMPT_DATA_DIR: join(project, 'user-data'),
  SYSTEMPROMPT_INSTANCE: `bench${run}`,
  SYSTEMPROMPT_LABELS: labels,
  SYSTEMPROMPT_POSTGRES_IMAGE: process.env.SYSTEMPROMPT_POSTGRES_IMAGE || 'systemprompt-testbed/postgres:15',
}
delete env.DEBUG
delete env.SYSTEMPROMPT_PROFILE

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
function sh(command, argv, extraEnv = {}) {
  const result = spawnSync(command, argv, {
    cwd: project,
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  if (result.status !== 0)
    throw new Error(`${command} ${argv.join(' ')} exited ${result.status}:\n${result.stderr}${result.stdout}`)
  return result.stdout
}
function timed(command, argv) {
  const start = process.hrtime.bigint()
  sh(command, argv)
  return ms(start)
}
const cli = (argv) => sh(process.execPath, [bin, ...argv])
const docker = (argv) => sh('/usr/bin/docker', argv)
/** A free port on 127.0.0.1, asked of a child node (synchronous, like every other step here). */
function freePort() {
  const code =
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})"
  return Number(sh(process.execPath, ['-e', code]))
}
async function healthy(port) {
  const deadline = Date.now() + 120_000
  for (;;) {
    if (Date.now() > deadline) throw new Error(`no health 200 on 127.0.0.1:${port} within 120 s`)
    try {
      // A ref'd timer: AbortSignal.timeout's is unref'd, and a fetch that docker-proxy holds open keeps
      // nothing else alive (node would exit with 13, an unsettled top-level await).
      const controller = new AbortController()
      const timer = setTimeout(() => controller.abort(), 1000)
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`, {
        signal: controller.signal,
      }).finally(() => clearTimeout(timer))
      if (res.status === 200) return
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

function cleanup() {
  const filter = `label=systemprompt.test-run=${run}`
  const ids = (argv) =>
    spawnSync('/usr/bin/docker', argv, { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)
  const containers = ids(['ps', '-aq', '--filter', filter])
  if (containers.length) spawnSync('/usr/bin/docker', ['rm', '-f', '-v', ...containers])
  const volumes = ids(['volume', 'ls', '-q', '--filter', filter])
  if (volumes.length) spawnSync('/usr/bin/docker', ['volume', 'rm', '-f', ...volumes])
  const networks = ids(['network', 'ls', '-q', '--filter', filter])
  if (networks.length) spawnSync('/usr/bin/docker', ['network', 'rm', ...networks])
  const images = [...new Set(ids(['images', '-q', '--filter', filter]))]
  if (images.length) spawnSync('/usr/bin/docker', ['rmi', '-f', ...images])
  rmSync(project, { recursive: true, force: true })
}

try {
  cli(['init', '--json'])
  cli(['db', 'up', '--port', String(freePort()), '--json'])
  cli(['cloud', 'tenant', 'create', 'local', '--yes', '--json'])
  cli(['cloud', 'profile', 'create', 'production', '--tenant', 'local', '--json'])
  cli(['build', 'release', '--json'])
  cli(['docker', 'build', 'local', '--json'])
  cli(['docker', 'build', 'production', '--json'])
  const projectId = JSON.parse(
    readFileSync(join(project, '.systemprompt', 'tenants.json'), 'utf8'),
  ).project_id
  const secrets = JSON.parse(
    readFileSync(join(project, '.systemprompt', 'profiles', 'local', 'secrets.json'), 'utf8'),
  )

  // Size: the production image against debian:bookworm-slim + the release binary.
  const prodRef = `systemprompt-${projectId}:production`
  const prodSize = JSON.parse(docker(['image', 'inspect', prodRef]))[0].Size
  const baseSize = JSON.parse(docker(['image', 'inspect', 'debian:bookworm-slim']))[0].Size
  const binarySize = statSync(join(project, 'target', 'release', 'systemprompt')).size
  const layers = docker(['history', '--format', '{{.Size}}\t{{.CreatedBy}}', prodRef])
    .split('\n')
    .filter(Boolean)
    .filter((line) => !line.startsWith('0B'))

  // A bare `docker run -d` needs the URL the way `docker run <profile>` rewrites it: the shared server's name
  // on the project's network, which the first `docker run` made.
  const first = JSON.parse(
    cli(['docker', 'run', 'local', '--detach', '--port', String(freePort()), '--json']),
  )
  const { container, database } = first.result
  docker(['rm', '-f', '-v', container])
  const inside = secrets.database_url.replace(/@127\.0\.0\.1:\d+\//, `@${database.server}:5432/`)

  const node = []
  const build = []
  const ours = []
  const bare = []
  for (let round = 0; round < runs + 1; round++) {
    const t0 = timed(process.execPath, ['-e', ''])
    const t1 = timed(process.execPath, [bin, 'docker', 'build', 'local'])
    let port = freePort()
    let start = process.hrtime.bigint()
    const started = JSON.parse(cli(['docker', 'run', 'local', '--detach', '--port', String(port), '--json']))
    const t2 = ms(start)
    docker(['rm', '-f', '-v', started.result.container])
    port = freePort()
    start = process.hrtime.bigint()
    const id = sh(
      '/usr/bin/docker',
      [
        'run',
        '-d',
        '--label',
        `systemprompt.test-run=${run}`,
        '--network',
        database.network,
        '-p',
        `127.0.0.1:${port}:8080`,
        '-e',
        `DATABASE_URL=${inside}`,
        '-e',
        'JWT_SECRET',
        `systemprompt-${projectId}:local`,
      ],
      { JWT_SECRET: secrets.jwt_secret },
    ).trim()
    await healthy(port)
    const t3 = ms(start)
    docker(['rm', '-f', '-v', id])
    if (round === 0) continue // warm-up
    node.push(t0)
    build.push(t1)
    ours.push(t2)
    bare.push(t3)
  }
  const base = median(node)
  const mb = (bytes) => `${(bytes / 1000 / 1000).toFixed(1)} MB`
  console.log(`image bench: ${runs} interleaved rounds (medians), node ${process.version}`)
  console.log(`  node -e ''                          ${base.toFixed(1)} ms  1.00x`)
  const b = median(build)
  console.log(
    `  docker build local (unchanged)      ${b.toFixed(1)} ms  ${(b / base).toFixed(2)}x  ${b < 1500 ? 'ok' : 'MISSED'} (goal < 1500 ms)`,
  )
  const o = median(ours)
  const r = median(bare)
  console.log(`  bare docker run -d + health poll    ${r.toFixed(1)} ms  ${(r / base).toFixed(2)}x`)
  console.log(
    `  docker run local --detach (healthy) ${o.toFixed(1)} ms  ${(o / base).toFixed(2)}x  ${(o / r).toFixed(2)}x the bare run`,
  )
  const ratio = prodSize / (baseSize + binarySize)
  console.log(
    `  production image ${mb(prodSize)} vs base ${mb(baseSize)} + binary ${mb(binarySize)}: ${ratio.toFixed(3)}x  ${ratio <= 1.15 ? 'ok' : 'MISSED'} (goal <= 1.15x)`,
  )
  console.log('  layers (non-empty, newest first):')
  for (const line of layers) console.log(`    ${line.slice(0, 140)}`)
} finally {
  cleanup()
}
