#!/usr/bin/env node
// Development entry: the CLI unbundled, from dist/commands (what `tsc` wrote), without rebuilding the bundle.
// The installed `systemprompt` is bin/run.cjs, which runs the bundle.
import { normalizeArgv } from '../dist/startup/argv.js'

const argv = normalizeArgv(process.argv.slice(2))
const { flush, run } = await import('@oclif/core')
try {
  await run(argv, import.meta.url)
  await flush()
} catch (error) {
  const { reportTopLevelError } = await import('@systemprompt/command')
  process.exitCode = reportTopLevelError(error, argv)
}
