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
    // Packages only a few commands run, in files of their own next to the bundle (every start reads the whole
    // bundle): see bench/cli-startup for what the bundle's size costs each command.
    chunks: {
      server: {
        modules: ['fastify', '@fastify/static'],
        why: "the runtime's HTTP server (with ajv and pino of its own): serve, and the runtime in the image",
      },
      tasks: { modules: ['listr2'], why: 'the task list of deploy' },
      tar: { modules: ['tar-stream'], why: 'docker build contexts and files copied out of containers' },
    },
  })
  for (const warning of result.warnings) process.stderr.write(`bundle warning: ${warning}\n`)
  const mb = (result.bytes / 1024 / 1024).toFixed(1)
  process.stdout.write(
    `dist/bundle/systemprompt.cjs: ${result.commands.length} commands, ${mb} MB, ${result.ms} ms` +
      (result.chunks.length
        ? ` + ${result.chunks.map((c) => `${c.file} ${(c.bytes / 1024).toFixed(0)} KB`).join(', ')}`
        : '') +
      (result.skippedPlugins.length ? ` (left out: ${result.skippedPlugins.join(', ')})` : '') +
      '\n',
  )
} catch (error) {
  process.stderr.write(`${error?.code ? `[${error.code}] ` : ''}${error?.message ?? error}\n`)
  if (error?.fix) process.stderr.write(`Fix: ${error.fix}\n`)
  process.exitCode = 1
}
