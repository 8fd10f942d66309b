#!/usr/bin/env node
// Part of the CLI's build (after `tsc` and `oclif manifest`): the whole CLI as one CommonJS file,
// dist/bundle/systemprompt.cjs, which `systemprompt build release` embeds in the release binary.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleCli } from '@systemprompt/build'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
try {
  const result = await bundleCli({
    cliRoot: root,
    runtime: join(root, 'dist', 'startup', 'bundle-entry.js'),
    outfile: join(root, 'dist', 'bundle', 'systemprompt.cjs'),
    // Before oclif loads: it would warn on every start that this node version is not one it tested.
    prelude: 'process.env.OCLIF_DISABLE_ENGINE_WARNING = "1";',
  })
  for (const warning of result.warnings) process.stderr.write(`bundle warning: ${warning}\n`)
  const mb = (result.bytes / 1024 / 1024).toFixed(1)
  process.stdout.write(
    `dist/bundle/systemprompt.cjs: ${result.commands.length} commands, ${mb} MB, ${result.ms} ms` +
      (result.skippedPlugins.length ? ` (left out: ${result.skippedPlugins.join(', ')})` : '') +
      '\n',
  )
} catch (error) {
  process.stderr.write(`${error?.code ? `[${error.code}] ` : ''}${error?.message ?? error}\n`)
  if (error?.fix) process.stderr.write(`Fix: ${error.fix}\n`)
  process.exitCode = 1
}
