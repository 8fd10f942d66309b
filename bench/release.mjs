#!/usr/bin/env node
// Benchmark of `systemprompt build release` (issue 9): the cold build (`--force`), the unchanged build
// (inputs unchanged: nothing rebuilt; goal < 0.5 s), the binary's size, and the binary's `--version`
// start against `node -e ''` and the dev CLI. Medians of interleaved runs, ratios to `node -e ''` of the
// same run.
//
//   node bench/release.mjs [--runs N] [--builds N] [--check]
//
// Needs a built CLI (its bundle: apps/cli/dist/bundle/). --check exits 1 when the unchanged build takes
// 0.5 s or more.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const bin = join(here, '..', 'apps', 'cli', 'bin', 'run.cjs')
const args = process.argv.slice(2)
const option = (name, fallback) => {
  const at = args.indexOf(name)
  return at === -1 ? fallback : Number(args[at + 1])
}
const runs = option('--runs', 15)
const builds = option('--builds', 3)
const check = args.includes('--check')
if (![runs, builds].every((n) => Number.isInteger(n) && n >= 1)) {
  console.error('--runs and --builds need positive whole numbers')
  process.exit(2)
}

const project = mkdtempSync(join(tmpdir(), 'systemprompt-bench-release-'))
const env = { ...process.env, NO_COLOR: '1', SYSTEMPROMPT_DATA_DIR: join(project, 'user-data') }
delete env.DEBUG
delete env.SYSTEMPROMPT_DEBUG

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
function timed(command, argv) {
  const start = process.hrtime.bigint()
  const result = spawnSync(command, argv, { cwd: project, env, encoding: 'utf8' })
  const took = ms(start)
  if (result.status !== 0)
    throw new Error(`${command} ${argv.join(' ')} exited ${result.status}:\n${result.stderr}${result.stdout}`)
  return took
}

try {
  timed(process.execPath, [bin, 'init', '--json'])
  const cold = []
  for (let i = 0; i < builds; i++) cold.push(timed(process.execPath, [bin, 'build', 'release', '--force']))
  const binary = join(project, 'target', 'release', 'systemprompt')
  const size = statSync(binary).size

  const cases = [
    { name: "node -e ''", command: process.execPath, argv: ['-e', ''] },
    { name: 'build release (unchanged)', command: process.execPath, argv: [bin, 'build', 'release'] },
    { name: 'release binary --version', command: binary, argv: ['--version'] },
    { name: 'release binary --help', command: binary, argv: ['--help'] },
    { name: 'dev CLI config validate', command: process.execPath, argv: [bin, 'config', 'validate'] },
    { name: 'release binary config validate', command: binary, argv: ['config', 'validate'] },
  ]
  const samples = new Map(cases.map((c) => [c.name, []]))
  for (let round = 0; round < runs + 2; round++)
    for (const c of cases) {
      const took = timed(c.command, c.argv)
      if (round >= 2) samples.get(c.name).push(took)
    }
  const base = median(samples.get(cases[0].name))
  const unchanged = median(samples.get('build release (unchanged)'))
  console.log(
    `release bench: ${builds} cold builds, ${runs} interleaved runs (medians), node ${process.version}`,
  )
  console.log(`  build release --force (cold)  ${median(cold).toFixed(0)} ms`)
  console.log(`  binary size                   ${(size / 1024 / 1024).toFixed(1)} MiB`)
  for (const c of cases) {
    const m = median(samples.get(c.name))
    const goal =
      c.name === 'build release (unchanged)'
        ? m < 500
          ? '  ok (goal < 500 ms)'
          : '  MISSED (goal < 500 ms)'
        : ''
    console.log(`  ${c.name.padEnd(30)} ${m.toFixed(1).padStart(8)} ms  ${(m / base).toFixed(2)}x${goal}`)
  }
  if (check && unchanged >= 500) process.exitCode = 1
} finally {
  rmSync(project, { recursive: true, force: true })
}
