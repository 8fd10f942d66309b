#!/usr/bin/env node
// Startup benchmark of the systemprompt CLI.
//
// Median wall time of `systemprompt --version`, `--help` and `config validate` (in a project made by
// `systemprompt init`), each as a ratio to `node -e ''` measured in the same run. Runs are interleaved
// (one of each per round) so machine noise hits every case alike. Goal: --version and --help at most
// 2.0x `node -e ''`.
//
//   node bench/cli-startup.mjs [--runs N] [--check]
//
// --check exits 1 when a goal is missed. Needs a built CLI (pnpm --filter systemprompt build).
//
// `--version` and top-level `--help` have fast paths that skip loading oclif (apps/cli/src/startup/fast-path.ts):
// help text is cached after oclif renders it once. The warm-up runs fill that cache; the extra row
// "--help (cold cache)" gives every run an empty cache directory, i.e. the first --help after an install.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const bin = join(here, '..', 'apps', 'cli', 'bin', 'run.cjs')
const args = process.argv.slice(2)
const runsIndex = args.indexOf('--runs')
const runs = runsIndex === -1 ? 25 : Number(args[runsIndex + 1])
const check = args.includes('--check')
const WARMUP = 2
const GOAL = 2.0

if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs needs a positive whole number')
  process.exit(2)
}

const project = mkdtempSync(join(tmpdir(), 'systemprompt-bench-'))
const env = { ...process.env, NO_COLOR: '1' }
delete env.DEBUG
delete env.SYSTEMPROMPT_DEBUG

let coldRun = 0
function exec(argv, cwd = project, extraEnv = {}) {
  const started = process.hrtime.bigint()
  const result = spawnSync(process.execPath, argv, { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8' })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  return { ms, status: result.status, stdout: result.stdout, stderr: result.stderr }
}

const cases = [
  { name: "node -e ''", argv: ['-e', ''], goal: undefined },
  { name: 'systemprompt --version', argv: [bin, '--version'], goal: GOAL },
  { name: 'systemprompt --help', argv: [bin, '--help'], goal: GOAL },
  { name: 'systemprompt --help (cold cache)', argv: [bin, '--help'], goal: undefined, coldCache: true },
  { name: 'systemprompt config validate', argv: [bin, 'config', 'validate'], goal: undefined },
]
// A fresh, empty cache directory for each cold run (created inside the temp project, removed with it).
const caseEnv = (c) => (c.coldCache ? { XDG_CACHE_HOME: join(project, `.cold-cache-${coldRun++}`) } : {})

try {
  const init = exec([bin, 'init', '--json'])
  if (init.status !== 0)
    throw new Error(`systemprompt init failed (exit ${init.status}): ${init.stderr || init.stdout}`)
  for (const c of cases) {
    const first = exec(c.argv, project, caseEnv(c))
    if (first.status !== 0) throw new Error(`${c.name} failed (exit ${first.status}): ${first.stderr}`)
  }

  const samples = new Map(cases.map((c) => [c.name, []]))
  for (let round = 0; round < WARMUP + runs; round++) {
    for (const c of cases) {
      const { ms, status } = exec(c.argv, project, caseEnv(c))
      if (status !== 0) throw new Error(`${c.name} failed in round ${round} (exit ${status})`)
      if (round >= WARMUP) samples.get(c.name).push(ms)
    }
  }

  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b)
    const mid = Math.floor(s.length / 2)
    return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
  }
  const baseline = median(samples.get(cases[0].name))
  const rows = cases.map((c) => {
    const xs = samples.get(c.name)
    const med = median(xs)
    const ratio = med / baseline
    const verdict =
      c.goal === undefined
        ? ''
        : ratio <= c.goal
          ? `ok (goal <= ${c.goal.toFixed(1)}x)`
          : `MISSED (goal <= ${c.goal.toFixed(1)}x)`
    return {
      name: c.name,
      med,
      min: Math.min(...xs),
      max: Math.max(...xs),
      ratio,
      verdict,
      missed: verdict.startsWith('MISSED'),
    }
  })

  console.log(
    `CLI startup, ${runs} interleaved runs each (+${WARMUP} warm-up), node ${process.version}, ${process.platform}-${process.arch}`,
  )
  console.log('')
  const header = ['case', 'median ms', 'min ms', 'max ms', "x node -e ''", '']
  const table = [
    header,
    ...rows.map((r) => [
      r.name,
      r.med.toFixed(1),
      r.min.toFixed(1),
      r.max.toFixed(1),
      `${r.ratio.toFixed(2)}x`,
      r.verdict,
    ]),
  ]
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)))
  for (const row of table)
    console.log(
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
        .join('  ')
        .trimEnd(),
    )
  if (check && rows.some((r) => r.missed)) process.exitCode = 1
} finally {
  rmSync(project, { recursive: true, force: true })
}
