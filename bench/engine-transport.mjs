#!/usr/bin/env node
// Own Engine API client (packages/engine, node:http) against dockerode, measured to choose ONE transport:
//
//   load       wall time of a child `node -e` that imports the module, over a bare `node -e ''`
//              (baseline 1.00x): our transport alone (dist/http.js), packages/engine as a whole (it also
//              loads @systemprompt/config), dockerode, and the two libraries the engine could use for
//              streams: docker-modem (its demuxStream) and tar-stream (archives)
//   ping       N `GET /_ping` round trips in this process, own transport = baseline 1.00x
//   inspect    N `GET /containers/{id}/json` of a created (not started) container, own = baseline 1.00x
//
//   node bench/engine-transport.mjs [--rounds N] [--calls N]
//
// Medians; the cases of a measurement are interleaved in every round so machine noise hits each alike.
// Needs the engine (tooling/testbed/up.sh), the test image in SYSTEMPROMPT_POSTGRES_IMAGE (default: the
// test bed's) and a built engine (pnpm --filter @systemprompt/engine build). The one container it makes
// carries systemprompt.test=1 + systemprompt.test-run and is removed at the end.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const engineDir = join(here, '..', 'packages', 'engine')
const fromTestbed = createRequire(join(here, '..', 'tooling', 'testbed', 'package.json'))
const dockerodePath = fromTestbed.resolve('dockerode')
const dockerModemPath = createRequire(dockerodePath).resolve('docker-modem')
const tarStreamPath = createRequire(join(engineDir, 'package.json')).resolve('tar-stream')
const engineIndex = pathToFileURL(join(engineDir, 'dist', 'index.js')).href
const engineHttp = pathToFileURL(join(engineDir, 'dist', 'http.js')).href

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const at = args.indexOf(name)
  const value = at === -1 ? fallback : Number(args[at + 1])
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} needs a positive whole number`)
    process.exit(2)
  }
  return value
}
const rounds = option('--rounds', 11)
const calls = option('--calls', 200)
const image = process.env.SYSTEMPROMPT_POSTGRES_IMAGE || 'systemprompt-testbed/postgres:15'

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const url = (path) => JSON.stringify(pathToFileURL(path).href)

// --- module load cost, each in a fresh child process -------------------------------------------------------
const loads = {
  'node -e (baseline)': '',
  'own transport': `await import(${JSON.stringify(engineHttp)})`,
  'packages/engine': `await import(${JSON.stringify(engineIndex)})`,
  dockerode: `await import(${url(dockerodePath)})`,
  'docker-modem': `await import(${url(dockerModemPath)})`,
  'tar-stream': `await import(${url(tarStreamPath)})`,
}
// The child also reports its own CPU time (user + system, start-up included): on a busy machine the wall
// time swings with the load, the CPU time much less.
const cpuReport = ';const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1000))'
const loadTimes = Object.fromEntries(Object.keys(loads).map((k) => [k, []]))
const loadCpu = Object.fromEntries(Object.keys(loads).map((k) => [k, []]))
for (let round = 0; round < rounds; round++) {
  for (const [name, code] of Object.entries(loads)) {
    const start = process.hrtime.bigint()
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', code + cpuReport], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    })
    if (child.status !== 0) throw new Error(`${name}: the child exited with ${child.status}`)
    loadTimes[name].push(Number(process.hrtime.bigint() - start) / 1e6)
    loadCpu[name].push(Number(child.stdout))
  }
}

// --- round trips in this process ----------------------------------------------------------------------------
const { connectEngine } = await import(engineIndex)
const { default: Docker } = await import(pathToFileURL(dockerodePath).href)
const engine = await connectEngine({ env: process.env })
const endpoint = engine.transport.endpoint
if (endpoint.kind !== 'unix')
  throw new Error(`the bench talks to a unix socket; this engine is at ${endpoint.label}`)
const own = engine.transport
const docker = new Docker({ socketPath: endpoint.socketPath })

const run = `bench-${randomBytes(4).toString('hex')}`
const name = `sp-bench-transport-${run}`
const id = await engine.containers.create({
  name,
  Image: image,
  Entrypoint: ['true'],
  Labels: { 'systemprompt.test': '1', 'systemprompt.test-run': run },
})

const trips = {
  'ping / own': () => own.request({ method: 'GET', path: '/_ping' }),
  'ping / dockerode': () => docker.ping(),
  'inspect / own': () => own.request({ method: 'GET', path: `/containers/${id}/json` }),
  'inspect / dockerode': () => docker.getContainer(id).inspect(),
}
const tripTimes = Object.fromEntries(Object.keys(trips).map((k) => [k, []]))
try {
  for (const call of Object.values(trips)) await call() // warm: sockets, JIT
  // Interleaved per call: each case gets `calls` round trips, one after another of every case.
  for (let i = 0; i < calls; i++) {
    for (const [key, call] of Object.entries(trips)) {
      const start = process.hrtime.bigint()
      await call()
      tripTimes[key].push(Number(process.hrtime.bigint() - start) / 1e6)
    }
  }
} finally {
  await engine.containers.remove(id, { force: true })
}

// --- report -------------------------------------------------------------------------------------------------
const load = Object.fromEntries(Object.entries(loadTimes).map(([k, v]) => [k, median(v)]))
const cpu = Object.fromEntries(Object.entries(loadCpu).map(([k, v]) => [k, median(v)]))
const base = load['node -e (baseline)']
const baseCpu = cpu['node -e (baseline)']
const signed = (value) => `${value < 0 ? '' : '+'}${value.toFixed(0)}`
console.log(`engine transport bench: ${rounds} rounds of child loads, ${calls} calls per round-trip case`)
console.log('  module load (medians of a child node process: wall time, then its CPU time)')
for (const key of Object.keys(load)) {
  const [ms, cms] = [load[key], cpu[key]]
  const wall = `${ms.toFixed(0).padStart(6)} ms ${(ms / base).toFixed(2)}x (${signed(ms - base)})`
  const own = `${cms.toFixed(0).padStart(6)} ms ${(cms / baseCpu).toFixed(2)}x (${signed(cms - baseCpu)})`
  console.log(`    ${key.padEnd(22)} wall ${wall}   cpu ${own}`)
}
const trip = Object.fromEntries(Object.entries(tripTimes).map(([k, v]) => [k, median(v)]))
console.log('  round trips in one process (median per call; own transport = 1.00x)')
for (const kind of ['ping', 'inspect']) {
  const mine = trip[`${kind} / own`]
  for (const who of ['own', 'dockerode']) {
    const ms = trip[`${kind} / ${who}`]
    console.log(
      `    ${`${kind} / ${who}`.padEnd(22)} ${ms.toFixed(3).padStart(8)} ms  ${(ms / mine).toFixed(2)}x`,
    )
  }
}
