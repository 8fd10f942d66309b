#!/usr/bin/env node
// Entry point of the `systemprompt` binary. Runs the bundle (dist/bundle/systemprompt.cjs: the CLI in one
// file, 100-200 ms faster to start than resolving dist/ and node_modules); oclif over dist/ with
// oclif.manifest.json when the user has plugins or runs `plugins ...` (see startup/fast-path.ts).
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { normalizeArgv } from '../dist/startup/argv.js'
import { startPlan } from '../dist/startup/fast-path.js'

// `-h` is `--help`; `--json` before the command goes after it (see argv.ts).
const argv = normalizeArgv(process.argv.slice(2))
const plan = startPlan({ root: dirname(dirname(fileURLToPath(import.meta.url))), argv })

if (plan.kind === 'version') {
  process.stdout.write(`${plan.line}\n`)
} else if (plan.kind === 'bundle') {
  // The bundle reads process.argv itself and applies the same argv rules.
  createRequire(import.meta.url)(plan.file)
} else {
  const { flush, run } = await import('@oclif/core')
  try {
    await run(argv, import.meta.url)
    await flush()
  } catch (error) {
    // Errors before a command runs (unknown command, broken plugin) get the same rendering,
    // --json envelope and exit codes as errors inside a command.
    const { reportTopLevelError } = await import('@systemprompt/command')
    process.exitCode = reportTopLevelError(error, argv)
  }
}
