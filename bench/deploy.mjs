#!/usr/bin/env node
// Benchmark of `cloud deploy` (issue 11), on the test bed's registry (127.0.0.1:5000) and Swarm:
//  - an unchanged redeploy, whole process (goal <= 5 s and <= 1.5x the floor), against the floor measured in
//    the same run: `docker service inspect` of the service plus one health probe through its published port;
//  - a rollout with one changed file (a migration): build, push and rollout times separately, with the bytes
//    the push uploaded (only the changed layer should go).
// Interleaved runs, medians, ratios in the same run.
//
//   node bench/deploy.mjs [--runs N]
//
// Needs a built CLI and the test bed (tooling/testbed/up.sh). Makes a temp project, an overlay network and a
// PostgreSQL container; removes every service, secret, container, network and image it made.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const bin = join(here, '..', 'apps', 'cli', 'bin', 'run.cjs')
const args = process.argv.slice(2)
const at = args.indexOf('--runs')
const runs = at === -1 ? 5 : Number(args[at + 1])
if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs needs a positive whole number')
  process.exit(2)
}

const run = randomBytes(4).toString('hex')
const project = mkdtempSync(join(tmpdir(), 'systemprompt-bench-deploy-'))
const labels = { 'systemprompt.test': '1', 'systemprompt.test-run': run }
const labelArgs = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`])
const env = {
  ...process.env,
  NO_COLOR: '1',
  SYSTEMPROMPT_DATA_DIR: join(project, 'user-data'),
  SYSTEMPROMPT_INSTANCE: `bench${run}`,
  SYSTEMPROMPT_LABELS: Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(','),
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
function sh(command, argv) {
  const result = spawnSync(command, argv, {
    cwd: project,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  if (result.status !== 0)
    throw new Error(`${command} ${argv.join(' ')} exited ${result.status}:\n${result.stderr}${result.stdout}`)
  return result.stdout
}
const cli = (argv) => sh(process.execPath, [bin, ...argv])
const docker = (argv) => sh('/usr/bin/docker', argv)
function freePort() {
  const code =
    "const s=require('net').createServer();s.listen(0,'0.0.0.0',()=>{process.stdout.write(String(s.address().port));s.close()})"
  return Number(sh(process.execPath, ['-e', code]))
}
function probeOnce(port) {
  const code = `fetch('http://127.0.0.1:${port}/api/v1/health').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))`
  return spawnSync(process.execPath, ['-e', code]).status === 0
}

const network = `sp-bench-${run}`
const pg = `sp-bench-pg-${run}`
const service = `sp-bench-${run}`
const port = freePort()
const migrations = join(project, 'services', 'database', 'migrations')

function cleanup() {
  const ids = (argv) =>
    spawnSync('/usr/bin/docker', argv, { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)
  const filter = `label=systemprompt.test-run=${run}`
  const services = ids(['service', 'ls', '-q', '--filter', filter])
  if (services.length) spawnSync('/usr/bin/docker', ['service', 'rm', ...services])
  const containers = ids(['ps', '-aq', '--filter', filter])
  if (containers.length) spawnSync('/usr/bin/docker', ['rm', '-f', '-v', ...containers])
  for (let i = 0; i < 20; i++) {
    const secrets = ids(['secret', 'ls', '-q', '--filter', filter])
    if (!secrets.length) break
    spawnSync('/usr/bin/docker', ['secret', 'rm', ...secrets])
    spawnSync('sleep', ['0.5'])
  }
  for (let i = 0; i < 20; i++) {
    const volumes = ids(['volume', 'ls', '-q', '--filter', filter])
    if (!volumes.length) break
    spawnSync('/usr/bin/docker', ['volume', 'rm', '-f', ...volumes])
    spawnSync('sleep', ['0.5'])
  }
  spawnSync('/usr/bin/docker', ['network', 'rm', network])
  const images = [...new Set(ids(['images', '-q', '--filter', filter]))]
  if (images.length) spawnSync('/usr/bin/docker', ['rmi', '-f', ...images])
  rmSync(project, { recursive: true, force: true })
}

try {
  cli(['init'])
  mkdirSync(migrations, { recursive: true })
  writeFileSync(join(migrations, '0001_notes.sql'), 'CREATE TABLE notes (id serial PRIMARY KEY);\n')
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
    'POSTGRES_PASSWORD=bench',
    '-e',
    'POSTGRES_USER=app',
    '-e',
    'POSTGRES_DB=app',
    env.SYSTEMPROMPT_POSTGRES_IMAGE,
  ])
  cli([
    'cloud',
    'profile',
    'create',
    'production',
    '--database-url',
    `postgres://app:bench@${pg}:5432/app`,
    '--target',
    'cloud',
  ])
  appendFileSync(
    join(project, '.systemprompt', 'profiles', 'production', 'profile.yaml'),
    `deploy:\n  target: swarm\n  registry: 127.0.0.1:5000\n  repository: bench/app-${run}\n  service: ${service}\n  replicas: 1\n  publish_port: ${port}\n  publish_mode: host\n  networks: [${network}]\n  monitor: 1\n`,
  )
  const deploy = () =>
    JSON.parse(cli(['cloud', 'deploy', '--profile', 'production', '--yes', '--json'])).result
  const first = deploy()
  if (first.result !== 'deployed') throw new Error(`first deploy: ${first.result}`)

  const whole = []
  const floor = []
  const stepMs = {}
  for (let i = 0; i < runs; i++) {
    let start = process.hrtime.bigint()
    const again = deploy()
    whole.push(ms(start))
    for (const step of again.steps) {
      stepMs[step.step] ??= []
      stepMs[step.step].push(step.ms)
    }
    if (again.result !== 'unchanged') throw new Error(`an unchanged deploy said ${again.result}`)
    start = process.hrtime.bigint()
    docker(['service', 'inspect', service])
    if (!probeOnce(port)) throw new Error('no health 200 on the published port')
    floor.push(ms(start))
  }
  const w = median(whole)
  const f = median(floor)

  const changed = []
  for (let i = 0; i < Math.min(runs, 3); i++) {
    writeFileSync(join(migrations, `00${10 + i}_more.sql`), `CREATE TABLE more_${i} (id int);\n`)
    const start = process.hrtime.bigint()
    const result = deploy()
    const total = ms(start)
    const step = (name) => result.steps.find((s) => s.step === name)
    const pushed = /\((\d+) new layers, ([0-9.]+) MB\)/.exec(step('push').detail) ?? []
    changed.push({
      total,
      build: step('image').ms,
      push: step('push').ms,
      rollout: step('rollout').ms,
      layers: Number(pushed[1]),
      mb: Number(pushed[2]),
    })
  }

  const pad = (s, n) => String(s).padEnd(n)
  console.log(
    `cloud deploy (swarm, 1 replica, host-mode port), ${runs} runs, medians; node ${process.version}`,
  )
  console.log(
    `${pad('unchanged redeploy (whole process)', 46)} ${w.toFixed(0).padStart(6)} ms  ${(w / f).toFixed(2)}x floor  (goal <= 5000 ms, <= 1.5x)`,
  )
  console.log(
    `${pad('floor: docker service inspect + health probe', 46)} ${f.toFixed(0).padStart(6)} ms  1.00x`,
  )
  const inside = Object.entries(stepMs).map(([step, values]) => `${step} ${median(values).toFixed(0)}`)
  console.log(`  of which, inside the process: ${inside.join(', ')} ms (the rest: node, the CLI, connecting)`)
  const m = (key) => median(changed.map((c) => c[key]))
  console.log(`one changed migration (${changed.length} runs):`)
  console.log(`  ${pad('whole deploy', 44)} ${m('total').toFixed(0).padStart(6)} ms`)
  console.log(`  ${pad('image build', 44)} ${m('build').toFixed(0).padStart(6)} ms`)
  console.log(
    `  ${pad('push', 44)} ${m('push').toFixed(0).padStart(6)} ms  ${m('layers')} new layer(s), ${m('mb').toFixed(2)} MB uploaded`,
  )
  console.log(
    `  ${pad('rollout (stop-first: host-mode port)', 44)} ${m('rollout').toFixed(0).padStart(6)} ms`,
  )
} finally {
  cleanup()
}
