#!/usr/bin/env node
// Startup benchmark of the installed CLI (bin/run.cjs: the bundle under its V8 code cache).
//
// Median wall time of whole processes, each a ratio to `node -e ''` measured in the same rounds (one run of
// every case per round, so machine noise hits all alike), in a project made by `systemprompt init` with
// three profiles. No Docker needed. Goals (issue 12):
//
//   --version                          <= 1.5x node -e ''
//   --help, db up --help               <= 2.0x
//   config validate (3 profiles)       <= 2.2x
//   --help, first run (no code cache)  information: what the first command after an install costs
//
//   node bench/cli-startup.mjs [--runs N] [--check] [--json-out FILE]
//
// Needs a built CLI (pnpm build). The code cache lives in a temp XDG_CACHE_HOME, made by the warm-up runs.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchArgs, CLI_BIN, median, report, timedNode } from './lib.mjs'

const options = benchArgs(25)
const WARMUP = 2
const project = mkdtempSync(join(tmpdir(), 'systemprompt-bench-startup-'))
// The user's own data directory (plugins they installed or linked) is not part of what is measured.
const env = {
  ...process.env,
  NO_COLOR: '1',
  XDG_CACHE_HOME: join(project, '.cache'),
  XDG_DATA_HOME: join(project, '.data'),
}
delete env.SYSTEMPROMPT_DATA_DIR
delete env.DEBUG
delete env.SYSTEMPROMPT_DEBUG

let cold = 0
const cases = [
  { name: "node -e ''", argv: ['-e', ''] },
  { name: 'systemprompt --version', argv: [CLI_BIN, '--version'], goal: 1.5 },
  { name: 'systemprompt --help', argv: [CLI_BIN, '--help'], goal: 2.0 },
  { name: 'systemprompt db up --help', argv: [CLI_BIN, 'db', 'up', '--help'], goal: 2.0 },
  { name: 'systemprompt config validate (3 profiles)', argv: [CLI_BIN, 'config', 'validate'], goal: 2.2 },
  {
    name: 'systemprompt --help, no code cache yet',
    argv: [CLI_BIN, '--help'],
    env: () => ({ XDG_CACHE_HOME: join(project, `.cold-${cold++}`) }),
  },
]
const exec = (c) => timedNode(c.argv, { cwd: project, env: { ...env, ...(c.env?.() ?? {}) } }).ms

try {
  timedNode([CLI_BIN, 'init', '--json'], { cwd: project, env })
  for (const name of ['local', 'staging', 'production'])
    timedNode(
      [
        CLI_BIN,
        'cloud',
        'profile',
        'create',
        name,
        '--database-url',
        `postgresql://app:pw@db.example.com:5432/${name}`,
      ],
      {
        cwd: project,
        env,
      },
    )
  const samples = cases.map(() => [])
  for (let round = 0; round < WARMUP + options.runs; round++)
    cases.forEach((c, i) => {
      const ms = exec(c)
      if (round >= WARMUP) samples[i].push(ms)
    })
  const node = { name: "node -e ''", ms: median(samples[0]) }
  const rows = cases.map((c, i) => ({
    name: c.name,
    ms: median(samples[i]),
    ...(i === 0 ? {} : { ratioTo: node }),
    ...(c.goal === undefined ? {} : { goal: c.goal }),
  }))
  report(
    `CLI startup: ${options.runs} interleaved rounds (+${WARMUP} warm-up), node ${process.version}, ${process.platform}-${process.arch}`,
    rows,
    options,
  )
} finally {
  rmSync(project, { recursive: true, force: true })
}
