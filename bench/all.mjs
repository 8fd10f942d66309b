#!/usr/bin/env node
// `pnpm bench`: the benchmarks of the CLI's speed (startup, tenant commands, db up), one after the other, and
// one table of every figure with its goal. Each script's own table is printed as it finishes.
//
//   node bench/all.mjs [--check] [--only NAME,...]
//
// --check exits 1 when a goal is missed. Each script also runs alone (node bench/<name>.mjs; see
// its header). bench/image.mjs, deploy.mjs, release.mjs, runtime.mjs and engine-transport.mjs measure the
// image, deploy and runtime figures and are run by hand (they build images and binaries).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatRows, REPO, verdict } from './lib.mjs'

const SCRIPTS = ['cli-startup', 'tenants', 'db-up']
const args = process.argv.slice(2)
const check = args.includes('--check')
const onlyAt = args.indexOf('--only')
const only = onlyAt === -1 ? SCRIPTS : args[onlyAt + 1].split(',')
const unknown = only.filter((name) => !SCRIPTS.includes(name))
if (unknown.length) {
  console.error(`Unknown benchmark ${unknown.join(', ')}; these exist: ${SCRIPTS.join(', ')}`)
  process.exit(2)
}

const dir = mkdtempSync(join(tmpdir(), 'systemprompt-bench-all-'))
const rows = []
const failed = []
try {
  for (const name of only) {
    const out = join(dir, `${name}.json`)
    console.log(`\n::: bench/${name}.mjs`)
    const result = spawnSync(process.execPath, [join(REPO, 'bench', `${name}.mjs`), '--json-out', out], {
      stdio: 'inherit',
    })
    if (result.status !== 0) {
      failed.push(name)
      continue
    }
    for (const row of JSON.parse(readFileSync(out, 'utf8')).rows) rows.push({ ...row, bench: name })
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}

console.log(`\n::: all figures (node ${process.version}, ${process.platform}-${process.arch})\n`)
console.log(formatRows(rows, { bench: true }))
const missed = rows.filter((row) => verdict(row) === false)
console.log(
  `\n${rows.filter((row) => verdict(row) !== undefined).length - missed.length} goals met, ${missed.length} missed${failed.length ? `; failed to run: ${failed.join(', ')}` : ''}`,
)
if (failed.length || (check && missed.length)) process.exitCode = 1
