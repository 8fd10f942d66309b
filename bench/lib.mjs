// What the benchmarks share: arguments, timing a child process, medians, clean-up by label and the table.
//
// Every benchmark prints figures as medians of interleaved runs and as ratios to a baseline measured in the
// same run (same machine, same noise). `--json-out FILE` also writes the rows as JSON (bench/all.mjs, i.e.
// `pnpm bench`, collects them into one table); `--check` exits 1 when a goal is missed.
import { execFileSync, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..')
/** The installed CLI's entry (bin/run.cjs: the bundle); SYSTEMPROMPT_BENCH_CLI_BIN may name another build. */
export const CLI_BIN = process.env.SYSTEMPROMPT_BENCH_CLI_BIN || join(REPO, 'apps', 'cli', 'bin', 'run.cjs')
export const DOCKER = '/usr/bin/docker'

/** `--runs N` (default `runs`), `--check`, `--json-out FILE`. */
export function benchArgs(defaultRuns) {
  const args = process.argv.slice(2)
  const at = (flag) => {
    const i = args.indexOf(flag)
    return i === -1 ? undefined : args[i + 1]
  }
  const runs = at('--runs') === undefined ? defaultRuns : Number(at('--runs'))
  if (!Number.isInteger(runs) || runs < 1) {
    console.error('--runs needs a positive whole number')
    process.exit(2)
  }
  return { runs, check: args.includes('--check'), jsonOut: at('--json-out') }
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export const elapsed = (start) => Number(process.hrtime.bigint() - start) / 1e6

/** Runs `process.execPath argv` to its end; throws with its output when it fails. */
export function timedNode(argv, options) {
  const start = process.hrtime.bigint()
  const result = spawnSync(process.execPath, argv, { encoding: 'utf8', ...options })
  const ms = elapsed(start)
  if (result.status !== 0)
    throw new Error(
      `node ${argv.join(' ')} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`,
    )
  return { ms, stdout: result.stdout }
}

export function docker(...argv) {
  return execFileSync(DOCKER, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
}

export async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Removes the containers and volumes labelled `systemprompt.test-run=<run>`, retried (a volume may still be in use). */
export async function removeLabelled(run) {
  const filter = `label=systemprompt.test-run=${run}`
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      const ids = docker('ps', '-aq', '--filter', filter).split('\n').filter(Boolean)
      if (ids.length) docker('rm', '-f', '-v', ...ids)
      const volumes = docker('volume', 'ls', '-q', '--filter', filter).split('\n').filter(Boolean)
      if (volumes.length) docker('volume', 'rm', '-f', ...volumes)
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
}

/**
 * A row: `name`, `ms` (median), and either `ratioTo: {name, ms}` with `goal` a ratio, or `goal` in ms
 * (`goalMs`), or neither (a baseline or a figure for information).
 */
function verdict(row) {
  if (row.goal !== undefined) {
    if (!row.ratioTo) throw new Error(`bench row "${row.name}": a ratio goal needs ratioTo (its baseline)`)
    return row.ms / row.ratioTo.ms <= row.goal
  }
  if (row.goalMs !== undefined) return row.ms <= row.goalMs
  return undefined
}

export function formatRows(rows, { bench } = {}) {
  const header = [...(bench ? ['bench'] : []), 'case', 'median ms', 'ratio', 'goal', '']
  const lines = rows.map((row) => {
    const ok = verdict(row)
    const ratio = row.ratioTo ? `${(row.ms / row.ratioTo.ms).toFixed(2)}x ${row.ratioTo.name}` : ''
    const goal =
      row.goal !== undefined
        ? `<= ${row.goal.toFixed(2)}x`
        : row.goalMs !== undefined
          ? `<= ${row.goalMs} ms`
          : ''
    return [
      ...(bench ? [row.bench ?? ''] : []),
      row.name,
      row.ms.toFixed(0),
      ratio,
      goal,
      ok === undefined ? '' : ok ? 'ok' : 'MISSED',
    ]
  })
  const table = [header, ...lines]
  const widths = header.map((_, i) => Math.max(...table.map((line) => line[i].length)))
  const numeric = new Set([bench ? 2 : 1])
  return table
    .map((line) =>
      line
        .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** Prints the table, writes `--json-out`, and with `--check` exits 1 when a goal is missed. */
export function report(title, rows, { check, jsonOut }) {
  console.log(title)
  console.log('')
  console.log(formatRows(rows))
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ title, rows }))
  const missed = rows.filter((row) => verdict(row) === false)
  if (check && missed.length > 0) process.exitCode = 1
  return missed
}

export { verdict }
