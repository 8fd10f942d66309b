#!/usr/bin/env node
// Benchmark of tenant commands (whole CLI process wall time), goals of issue 4:
//
//   create    sequential `cloud tenant create` on a running shared server      goal: median <= 0.6 s
//   list-50   `db list` with 50 tenant databases in the shared server          goal: < 1 s
//   list-500  `db list` with 500 tenant databases                              goal: < 1 s
//   node      `node -e ''` in the same run, as the floor of any CLI process
//
//   node bench/tenants.mjs [--runs N] [--check]
//
// Medians of N runs (default 10 creates, 5 lists). The project is a temp dir made by `systemprompt init`;
// the shared server gets its own suffixed names, a free port and the labels systemprompt.test=1 +
// systemprompt.test-run (SYSTEMPROMPT_INSTANCE / SYSTEMPROMPT_LABELS); everything is removed at the end.
// The 450 extra databases of list-500 are made through the registry package directly (as `tenant create`
// makes them: role + owned database + record), since only `db list` is measured there.
// Needs the engine (tooling/testbed/up.sh) and a built workspace (pnpm build). SYSTEMPROMPT_BENCH_CLI_BIN
// may point at another build of the CLI.
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const bin = process.env.SYSTEMPROMPT_BENCH_CLI_BIN || join(here, '..', 'apps', 'cli', 'bin', 'run.cjs')
const registry = await import(join(here, '..', 'packages', 'registry', 'dist', 'index.js'))
const config = await import(join(here, '..', 'packages', 'config', 'dist', 'core.js'))
const stores = await import(join(here, '..', 'packages', 'config', 'dist', 'index.js'))
const pgEdge = await import(join(here, '..', 'packages', 'pg', 'dist', 'index.js'))
const DOCKER = '/usr/bin/docker'

const args = process.argv.slice(2)
const runsAt = args.indexOf('--runs')
const runs = runsAt === -1 ? 10 : Number(args[runsAt + 1])
const check = args.includes('--check')
if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs needs a positive whole number')
  process.exit(2)
}

const id = randomBytes(4).toString('hex')
const run = `bench-${id}`
const project = mkdtempSync(join(tmpdir(), 'systemprompt-bench-tenants-'))
const env = {
  ...process.env,
  NO_COLOR: '1',
  SYSTEMPROMPT_POSTGRES_IMAGE: process.env.SYSTEMPROMPT_POSTGRES_IMAGE || 'systemprompt-testbed/postgres:15',
  SYSTEMPROMPT_INSTANCE: id,
  SYSTEMPROMPT_LABELS: `systemprompt.test=1,systemprompt.test-run=${run}`,
}
// The same settings for the in-process createTenant, read the way the CLI reads them.
const settings = config.readCliEnv(env)
const server = {
  dataDir: settings.dataDir,
  dockerEnv: settings.docker,
  instance: settings.instance,
  labels: settings.labels,
  postgresImage: settings.postgresImage,
}

function timed(argv) {
  const start = process.hrtime.bigint()
  const result = spawnSync(process.execPath, argv, { cwd: project, env, encoding: 'utf8' })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (result.status !== 0)
    throw new Error(`${argv.join(' ')} failed (${result.status}): ${result.stdout}${result.stderr}`)
  return { ms, stdout: result.stdout }
}

const cli = (...argv) => timed([bin, ...argv])
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

function docker(...argv) {
  return execFileSync(DOCKER, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Removes what this run made (by label); retried because a just-removed container may still hold its volume. */
async function cleanup() {
  const filter = `label=systemprompt.test-run=${run}`
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      const ids = docker('ps', '-aq', '--filter', filter).split('\n').filter(Boolean)
      if (ids.length) docker('rm', '-f', '-v', ...ids)
      const vols = docker('volume', 'ls', '-q', '--filter', filter).split('\n').filter(Boolean)
      if (vols.length) docker('volume', 'rm', '-f', ...vols)
      break
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
  rmSync(project, { recursive: true, force: true })
}

/** Adds tenant databases until the project has `total` (role + owned database + ready record each). */
async function fillTo(total) {
  const layout =
    registry &&
    (await import(join(here, '..', 'packages', 'config', 'dist', 'index.js'))).projectLayout(project)
  const file = await stores.readTenantsFile(layout)
  const have = file.tenants.length
  const shared = JSON.parse(readFileSync(layout.sharedConfig, 'utf8'))
  const admin = {
    host: '127.0.0.1',
    port: shared.port,
    user: 'systemprompt_admin',
    password: shared.admin_password,
    database: 'postgres',
  }
  const names = Array.from({ length: total - have }, (_, i) => `fill-${have + i}`)
  const now = new Date().toISOString()
  const lanes = 4
  const records = []
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      await pgEdge.withClient(admin, async (client) => {
        for (let i = lane; i < names.length; i += lanes) {
          const objectName = registry.tenantObjectName(names[i], file.project_id)
          await registry.createTenantDatabase(client, { role: objectName, database: objectName })
          records.push({
            name: names[i],
            database: 'shared',
            state: 'ready',
            database_name: objectName,
            role_name: objectName,
            profile: names[i],
            created_at: now,
            updated_at: now,
          })
        }
      })
    }),
  )
  await stores.updateTenantsFile(layout, (current) => ({
    ...current,
    tenants: [...current.tenants, ...records].sort((a, b) => a.name.localeCompare(b.name)),
  }))
}

const results = {}
try {
  cli('init')
  const port = await freePort()
  writeFileSync(
    join(project, '.systemprompt', 'docker', 'shared_config.json'),
    JSON.stringify({ admin_password: randomBytes(18).toString('base64url'), port, tenant_databases: [] }),
    { mode: 0o600 },
  )
  // Cold: starts the shared server (not measured here: bench/db-up.mjs measures server start).
  cli('cloud', 'tenant', 'create', '--name', 'warmup', '--yes')

  const create = []
  const floor = []
  for (let i = 0; i < runs; i++) {
    floor.push(timed(['-e', '']).ms)
    create.push(cli('cloud', 'tenant', 'create', '--name', `bench-${i}`, '--yes').ms)
  }
  results.node = median(floor)
  // createTenant in this process (no CLI start-up): what the registry and PostgreSQL cost.
  const inproc = []
  for (let i = 0; i < Math.min(runs, 5); i++) {
    const start = performance.now()
    await registry.createTenant({ root: project, name: `inproc-${i}`, database: 'shared', server })
    inproc.push(performance.now() - start)
  }
  results.createInproc = median(inproc)
  results.create = median(create)
  results.createAll = create

  for (const total of [50, 500]) {
    await fillTo(total)
    const lists = []
    let count = 0
    for (let i = 0; i < Math.max(3, Math.min(runs, 5)); i++) {
      const r = cli('db', 'list', '--json')
      lists.push(r.ms)
      count = JSON.parse(r.stdout).result.databases.filter((d) => d.drift === 'ok').length
    }
    results[`list-${total}`] = median(lists)
    // The same work without the CLI process around it: what the registry itself costs.
    const inproc = []
    for (let i = 0; i < 3; i++) {
      const start = performance.now()
      await registry.listSharedDatabases({ root: project })
      inproc.push(performance.now() - start)
    }
    results[`list-${total}-inproc`] = median(inproc)
    results[`list-${total}-count`] = count
  }
} catch (error) {
  console.error(`bench failed: ${error.message}`)
  process.exitCode = 1
} finally {
  await cleanup()
}
if (process.exitCode) process.exit(process.exitCode)

const fmt = (ms) => `${(ms / 1000).toFixed(3)} s`
const rows = [
  ['node -e ""', fmt(results.node), ''],
  [`cloud tenant create (median of ${runs})`, fmt(results.create), 'goal <= 0.600 s'],
  ['  createTenant() in-process', fmt(results.createInproc), ''],
  [`db list, ${results['list-50-count']} tenant dbs`, fmt(results['list-50']), 'goal < 1.000 s'],
  ['  listSharedDatabases() in-process', fmt(results['list-50-inproc']), ''],
  [`db list, ${results['list-500-count']} tenant dbs`, fmt(results['list-500']), 'goal < 1.000 s'],
  ['  listSharedDatabases() in-process', fmt(results['list-500-inproc']), ''],
]
for (const [name, value, goal] of rows) console.log(`${name.padEnd(42)} ${value.padStart(9)}   ${goal}`)
console.log(`create runs: ${results.createAll.map((ms) => (ms / 1000).toFixed(3)).join(' ')}`)
if (check) {
  const ok = results.create <= 600 && results['list-50'] < 1000 && results['list-500'] < 1000
  if (!ok) {
    console.error('goals not met')
    process.exit(1)
  }
}
