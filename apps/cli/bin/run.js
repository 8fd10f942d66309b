#!/usr/bin/env node
// Entry point of the `systemprompt` binary (production mode: compiled dist/ and oclif.manifest.json).
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { normalizeArgv } from '../dist/startup/argv.js'
import { tryFastPath } from '../dist/startup/fast-path.js'

// `-h` is `--help`; `--json` before the command goes after it (see argv.ts).
const argv = normalizeArgv(process.argv.slice(2))
const fast = tryFastPath({ root: dirname(dirname(fileURLToPath(import.meta.url))), argv })

if (!fast.handled) {
  // Top-level help is rendered by oclif once and then served by the fast path (see fast-path.ts).
  let captured = ''
  const write = process.stdout.write
  if (fast.remember) {
    process.stdout.write = function capture(chunk, ...rest) {
      captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
      return write.call(this, chunk, ...rest)
    }
  }
  const { flush, run } = await import('@oclif/core')
  try {
    await run(argv, import.meta.url)
    await flush()
    process.stdout.write = write
    if (fast.remember && !process.exitCode && captured !== '') fast.remember(captured)
  } catch (error) {
    process.stdout.write = write
    // Errors before a command runs (unknown command, broken plugin) get the same rendering,
    // --json envelope and exit codes as errors inside a command.
    const { reportTopLevelError } = await import('@systemprompt/command')
    process.exitCode = reportTopLevelError(error, argv)
  }
}
