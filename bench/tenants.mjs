#!/usr/bin/env node
// Benchmark of the tenant commands (whole CLI process wall time, medians of interleaved runs), goals of issue 12:
//
//   cloud tenant create on a running shared server                 <= 350 ms
//   cloud profile list, cloud tenant list (10 tenants, running)     <= 2.5x node -e '' of the same rounds
//   db list with 500 tenant databases (sizes included)             <= 600 ms
//   in-process createTenant() / listSharedDatabases()              information: the work without the CLI start
//
//   node bench/tenants.mjs [--runs N] [--check] [--json-out FILE]
//
// The project is a temp dir made by `systemprompt init`; the shared server gets its own suffixed names, a
// free port and the labels systemprompt.test=1 + systemprompt.test-run (SYSTEMPROMPT_INSTANCE /
// SYSTEMPROMPT_LABELS); everything is removed at the end. The databases beyond the first tenants are made
// through the registry package directly (as `tenant create` makes them: role + owned database + record),
// since only `db list` is measured there. Needs the engine (tooling/testbed/up.sh) and a built workspace.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchArgs, CLI_BIN, freePort, median, REPO, removeLabelled, report, timedNode } from './lib.mjs'

const here = join(REPO, 'bench')
const registry = await import(join(here, '..', 'packages', 'registry', 'dist', 'index.js'))
const config = await import(join(here, '..', 'packages', 'config', 'dist', 'core.js'))
const stores = await import(join(here, '..', 'packages', 'config', 'dist', 'index.js'))
const pgEdge = await import(join(here, '..', 'packages', 'pg', 'dist', 'index.js'))
const options = benchArgs(10)
const runs = options.runs

const id = randomBytes(4).toString('hex')
const run = `bench-${id}`
const project = mkdtempSync(join(tmpdir(), 'systemprompt-bench-tenants-'))
const env = {
  ...process.env,
  NO_COLOR: '1',
  SYSTEMPROMPT_POSTGRES_IMAGE: process.env.SYSTEMPROMPT_POSTGRES_IMAGE || 'systemprompt-testbed/postgres:15',
  SYSTEMPROMPT_INSTANCE: id,
  SYSTEMPROMPT_LABELS: `systemprompt.test=1,systemprompt.test-run=${run}`,
  // The shared server's password file and the project index are per user: keep the bench's in its temp project.
  SYSTEMPROMPT_DATA_DIR: join(project, 'user-data'),
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

const timed = (argv) => timedNode(argv, { cwd: project, env })
const cli = (...argv) => timed([CLI_BIN, ...argv])

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

const rows = []
try {
  cli('init')
  const port = await freePort()
  writeFileSync(
    join(project, '.systemprompt', 'docker', 'shared_config.json'),
    JSON.stringify({ admin_password: randomBytes(18).toString('base64url'), port, tenant_databases: [] }),
    { mode: 0o600 },
  )
  // Cold: starts the shared server (bench/db-up.mjs measures server start).
  cli('cloud', 'tenant', 'create', '--name', 'warmup', '--yes')

  // Creates, interleaved with the node floor: 1 + runs tenants afterwards.
  const create = []
  const floor = []
  for (let i = 0; i < runs; i++) {
    floor.push(timed(['-e', '']).ms)
    create.push(cli('cloud', 'tenant', 'create', '--name', `bench-${i}`, '--yes').ms)
  }
  const node = { name: "node -e ''", ms: median(floor) }
  rows.push({ ...node })
  rows.push({ name: `cloud tenant create (${runs} runs)`, ms: median(create), ratioTo: node, goalMs: 350 })

  // The lists on 10 tenants (more when --runs is above 9: then on that many).
  await fillTo(10)
  const lists = { node: [], profiles: [], tenants: [] }
  for (let i = 0; i < Math.max(runs, 10); i++) {
    lists.node.push(timed(['-e', '']).ms)
    lists.profiles.push(cli('cloud', 'profile', 'list').ms)
    lists.tenants.push(cli('cloud', 'tenant', 'list').ms)
  }
  const listNode = { name: "node -e ''", ms: median(lists.node) }
  const count = JSON.parse(cli('cloud', 'tenant', 'list', '--json').stdout).result.tenants.length
  rows.push({
    name: `cloud profile list (${count} tenants)`,
    ms: median(lists.profiles),
    ratioTo: listNode,
    goal: 2.5,
  })
  rows.push({
    name: `cloud tenant list (${count} tenants)`,
    ms: median(lists.tenants),
    ratioTo: listNode,
    goal: 2.5,
  })

  // createTenant in this process (no CLI start-up): what the registry and PostgreSQL cost.
  const inproc = []
  for (let i = 0; i < Math.min(runs, 5); i++) {
    const start = performance.now()
    await registry.createTenant({ root: project, name: `inproc-${i}`, database: 'shared', server })
    inproc.push(performance.now() - start)
  }
  rows.push({ name: '  createTenant() in-process', ms: median(inproc) })

  await fillTo(500)
  const list = { node: [], cli: [] }
  let databases = 0
  for (let i = 0; i < Math.max(5, Math.min(runs, 7)); i++) {
    list.node.push(timed(['-e', '']).ms)
    const r = cli('db', 'list', '--json')
    list.cli.push(r.ms)
    const result = JSON.parse(r.stdout).result
    databases = result.databases.filter((d) => d.drift === 'ok').length
    if (!result.databases.every((d) => d.drift !== 'ok' || typeof d.sizeBytes === 'number'))
      throw new Error('db list left out database sizes')
  }
  rows.push({
    name: `db list (${databases} tenant dbs, with sizes)`,
    ms: median(list.cli),
    ratioTo: { name: "node -e ''", ms: median(list.node) },
    goalMs: 600,
  })
  const listInproc = []
  for (let i = 0; i < 3; i++) {
    const start = performance.now()
    await registry.listSharedDatabases({ root: project })
    listInproc.push(performance.now() - start)
  }
  rows.push({ name: '  listSharedDatabases() in-process', ms: median(listInproc) })
} catch (error) {
  console.error(`bench failed: ${error.message}`)
  process.exitCode = 1
} finally {
  await removeLabelled(run)
  rmSync(project, { recursive: true, force: true })
}
if (process.exitCode) process.exit(process.exitCode)
report(`Tenant commands: medians, node ${process.version}`, rows, options)
